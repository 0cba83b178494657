"""Helpers for tests (and benchmarks/loadtest.py) that run a real Jupyter or Voila server on loopback:
start it, find its kernels and their memory, talk to a kernel over its websocket, open Chromium."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import psutil
from jupyter_core.paths import jupyter_runtime_dir

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(command, cwd=REPO, env=None, log=None, ready_path="/", timeout=120):
    """Run ``command`` (which must listen on the port in its ``--port=`` argument) until the block ends.

    Yields the Popen; its ``url`` attribute is ``http://127.0.0.1:PORT``. The log goes to ``log``.
    """
    port = next(int(a.split("=", 1)[1]) for a in command if a.startswith(("--port=", "--ServerApp.port=")))
    out = open(log, "w") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}; see {log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(
                        f"{command[0]} did not listen on port {port} in {timeout} s; see {log}"
                    ) from None
                time.sleep(0.3)
        yield process
    finally:
        stop(process)
        if log:
            out.close()


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def documented_nginx(containing: str) -> str:
    """The one nginx configuration block of docs/deploy.md that contains ``containing`` (the docs show one
    for a single server and one for several)."""
    text = (REPO / "docs" / "deploy.md").read_text()
    blocks = [block for block in re.findall(r"```nginx\n(.*?)```", text, re.S) if containing in block]
    assert len(blocks) == 1, f"docs/deploy.md has {len(blocks)} nginx blocks with {containing!r}, not one"
    return blocks[0]


def nginx_config(folder, block: str) -> str:
    """``block`` (what goes in nginx's ``http {}``: docs/deploy.md's configuration with its ports changed)
    wrapped in what a whole nginx.conf needs to run as this user from ``folder``. The access log names the
    server that answered each request (``$upstream_addr``), for tests to read."""
    temp = " ".join(
        f"{name}_temp_path {folder}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"daemon off; worker_processes 1; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
        f"events {{ worker_connections 512; }}\n"
        f"http {{ log_format upstreams '$remote_addr $status \"$request\" $upstream_addr';\n"
        f"access_log {folder}/access.log upstreams; {temp}\n{block}}}\n"
    )


@contextmanager
def nginx(folder, block: str, port: int):
    """Debian's nginx, run as this user from ``folder`` with ``block`` (listening on ``port``), until the
    block ends; yields its URL."""
    folder = Path(folder)
    (folder / "nginx.conf").write_text(nginx_config(folder, block))
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if not wait_until(lambda: listens(port) or process.poll() is not None, timeout=20) or not listens(port):
            raise RuntimeError(f"nginx did not start: {(folder / 'error.log').read_text()}")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def listens(port) -> bool:
    """True when something accepts connections on 127.0.0.1:``port``."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def stop(process, timeout=20):
    """Stop a server we started, then any kernels it left behind (by their process ids)."""
    if process.poll() is not None:
        return
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
    for child in children:
        if child.is_running():
            child.kill()


def kernels(process) -> list[psutil.Process]:
    """The kernel processes a server has started (its ipykernel children; under `memlab dashboard`,
    ``memlab.server.dashboard_kernel`` or the children of ``memlab.server.kernel_parent``) that are still running."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            command = " ".join(child.cmdline())
            if child.status() != psutil.STATUS_ZOMBIE and (
                "ipykernel_launcher" in command
                or "memlab.server.dashboard_kernel" in command
                or is_forked_kernel(child)
            ):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def is_forked_kernel(process: psutil.Process) -> bool:
    """A kernel forked by ``memlab.server.kernel_parent``: it has the parent's command line, and the parent as parent."""
    parent = process.parent()
    return parent is not None and all("memlab.server.kernel_parent" in " ".join(p.cmdline()) for p in (process, parent))


def kernel_id(process: psutil.Process) -> str | None:
    """The id of the kernel running as ``process``: from its connection file's name on its command line, or,
    for a forked kernel (whose command line is its parent's), the connection file naming its shell port."""
    found = re.search(r"kernel-([0-9a-f-]+)\.json", " ".join(process.cmdline()))
    if found:
        return found.group(1)
    ports = {c.laddr.port for c in process.net_connections("tcp") if c.status == psutil.CONN_LISTEN}
    folders = [Path(jupyter_runtime_dir()), *Path(tempfile.gettempdir()).glob("voila_*")]  # Voila's own folder
    for file in (file for folder in folders for file in folder.glob("kernel-*.json")):
        try:
            if json.loads(file.read_text()).get("shell_port") in ports:
                return re.search(r"kernel-([0-9a-f-]+)\.json", file.name).group(1)
        except (OSError, ValueError):
            continue
    return None


def smaps_mb(pid: int, *fields: str) -> dict:
    """Fields of Linux's memory summary of one process (``/proc/PID/smaps_rollup``, e.g. "Pss",
    "Private_Dirty", "Shared_Dirty"), in MB."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        found = dict(line.split(":", 1) for line in f if line.endswith("kB\n"))
    return {name: round(int(found[name].split()[0]) / 1024, 1) for name in fields}


def rss_mb(processes) -> float:
    """Summed resident memory (RSS) of the given processes, in MB (10^6 bytes).

    Pages shared between processes (PyTorch's libraries, mapped by every kernel) count once per process.
    """
    return _memory_mb(processes, "rss")


def pss_mb(processes) -> float:
    """Summed proportional memory (PSS) in MB: each shared page split between the processes sharing it,
    so the sum is what the processes occupy together (closer to what a container's limit counts)."""
    return _memory_mb(processes, "pss")


def _memory_mb(processes, field):
    total = 0
    for p in processes:
        try:
            info = p.memory_full_info() if field == "pss" else p.memory_info()
            total += getattr(info, field)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total / 1e6


def wait_until(condition, timeout, interval=0.5):
    """Call ``condition`` until it returns something true; return that, or the last value at the timeout."""
    deadline = time.time() + timeout
    while True:
        value = condition()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


def kernel_answers(base_url, kernel_id, padding_bytes, token="", headers=None) -> bool:
    """Send one websocket message of about ``padding_bytes`` to a kernel (in the v1 protocol that
    JupyterLab's and Voila's pages speak); True if the kernel replies.

    The server closes the websocket instead when the message is larger than tornado's
    ``websocket_max_message_size`` (voila.json: 10 MB + 1 MiB), which is what an image upload hits.
    ``headers``: sent with the connection (a dashboard kernel answers only its page's secret cookie,
    ``memlab.server.page_secret``).
    """
    import websocket

    from memlab.server.frames import PROTOCOL, make_frame, split_frame

    url = base_url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
    if token:
        url += f"?token={token}"
    msg_id, session = uuid.uuid4().hex, uuid.uuid4().hex

    def header(msg_type, msg_id):
        return {
            "msg_id": msg_id,
            "msg_type": msg_type,
            "username": "test",
            "session": session,
            "date": "",
            "version": "5.3",
        }

    try:
        ws = websocket.create_connection(url, timeout=60, subprotocols=[PROTOCOL], header=headers or {})
        # the big message carries its bytes as a binary buffer, as an upload does (to no comm: ignored)...
        ws.send_binary(
            make_frame(
                "shell",
                header("comm_msg", uuid.uuid4().hex),
                {"comm_id": "none", "data": {}},
                buffers=[b"x" * padding_bytes],
            )
        )
        # ...and a small request after it is answered only if the connection survived it
        ws.send_binary(make_frame("shell", header("comm_info_request", msg_id), {}))
        while True:
            parts = split_frame(ws.recv())
            if json.loads(parts[2]).get("msg_id") == msg_id and parts[0] == b"shell":
                ws.close()
                return True
    except (OSError, websocket.WebSocketException, ValueError):
        return False


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


# "A new result is on the page": before pressing Generate, mark the result's title (the dashboard writes it
# last, numbered by ``data-result``, so it changes even when the same settings give the same image); a
# result is in when a title appears unmarked and displayed (the widget draws each new title anew).
_RESULT_ELEMENTS = "Array.from(document.querySelectorAll('.memlab-result-title'))"
MARK_RESULTS_JS = f"() => {{ for (const el of {_RESULT_ELEMENTS}) el.dataset.seenResult = '1'; }}"
NEW_RESULT_JS = f"() => {_RESULT_ELEMENTS}.some(el => !el.dataset.seenResult && el.getClientRects().length > 0)"


def click_generate_and_wait(page, timeout_ms=600_000) -> float:
    """Press Generate (found by its role and name) and wait for a new result; return the seconds."""
    page.evaluate(MARK_RESULTS_JS)
    started = time.time()
    page.get_by_role("button", name="Generate").first.click()
    page.wait_for_function(NEW_RESULT_JS, timeout=timeout_ms)
    return time.time() - started


def launch_chromium(extra_args=()):
    """Debian's Chromium, from the one Playwright driver of this process (``shared_playwright``)."""
    return shared_playwright().chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + list(extra_args))


_PLAYWRIGHT = []


def shared_playwright():
    """The Playwright driver of this process, started on first use and stopped when the process ends.

    Playwright's sync API runs one event loop per thread: a second ``sync_playwright()`` while the first
    one lives fails with "using Playwright Sync API inside the asyncio loop". So every browser test module
    of a pytest run shares this one, and each launches (and closes) its own Chromium from it.
    """
    if not _PLAYWRIGHT:
        import atexit

        from playwright.sync_api import sync_playwright

        _PLAYWRIGHT.append(sync_playwright().start())
        atexit.register(_PLAYWRIGHT[0].stop)
    return _PLAYWRIGHT[0]
