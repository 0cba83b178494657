"""A small client of a dashboard kernel's websocket for the public-server tests: what a crafted page (or
no page at all) can send, in the v1 protocol that Voila's own page speaks (``memlab.server.frames``)."""

import contextlib
import http.cookies
import json
import re
import socket
import time
import urllib.request
import uuid

import websocket

from memlab.server.frames import PROTOCOL, make_frame, split_frame
from memlab.server.page_secret import COOKIES

# kernel id -> the secret its page was given (memlab.server.page_secret): what that page's browser sends back
PAGE_SECRETS: dict[str, str] = {}


def open_page(base_url, timeout=180, headers=None) -> str:
    """GET the dashboard page like a link preview or a crawler would (never connecting); its kernel id.
    The page's secret is kept in ``PAGE_SECRETS``, for ``KernelClient`` to send as that page would."""
    request = urllib.request.Request(base_url + "/", headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return remember_page(response)


def remember_page(response) -> str:
    """The kernel id of a dashboard page's answer; its page secret (a cookie) goes to ``PAGE_SECRETS``."""
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', response.read().decode()).group(1)
    for header in response.headers.get_all("Set-Cookie") or ():
        cookie = http.cookies.SimpleCookie(header)
        for name in COOKIES.values():
            if name in cookie:
                PAGE_SECRETS[kernel_id] = cookie[name].value
    return kernel_id


def page_cookie(kernel_id) -> dict:
    """The header a page's browser sends with requests for its kernel ({} for a kernel of no page here)."""
    secret = PAGE_SECRETS.get(kernel_id)
    return {"Cookie": "; ".join(f"{name}={secret}" for name in COOKIES.values())} if secret else {}


def answers(base_url, within=2.0) -> float | None:
    """Seconds the server takes to send a static file, or None if it does not within ``within``."""
    started = time.time()
    try:
        with urllib.request.urlopen(base_url + "/voila/static/voila.js", timeout=within) as response:
            response.read()
    except OSError:
        return None
    return time.time() - started


class KernelClient:
    """One websocket to a kernel; ``send`` a message, ``receive`` what comes back."""

    def __init__(
        self, base_url, kernel_id, subprotocols=(PROTOCOL,), timeout=30, as_its_page=True, cookies=None, source=None
    ):
        """``as_its_page``: send the page's secret (False: connect as another page or address would);
        ``cookies``: more cookies its browser sends (e.g. a load balancer's); ``source``: the loopback
        address to connect from (127.0.0.2, ...: another visitor's address, as a proxy sees it)."""
        url = base_url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
        self.session = uuid.uuid4().hex
        cookie = page_cookie(kernel_id) if as_its_page else {}
        if cookies:
            sent = [cookie["Cookie"]] if cookie else []
            cookie = {"Cookie": "; ".join(sent + [f"{name}={value}" for name, value in cookies.items()])}
        sock = None
        if source:
            host, port = base_url.split("://", 1)[1].rstrip("/").rsplit(":", 1)
            sock = socket.create_connection((host, int(port)), timeout=timeout, source_address=(source, 0))
        self.ws = websocket.create_connection(
            url + f"?session_id={self.session}",
            header=cookie,
            subprotocols=list(subprotocols) or None,
            timeout=timeout,
            socket=sock,
        )

    def send(self, msg_type, content, channel="shell", buffers=(), metadata=None) -> str:
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "visitor",
            "session": self.session,
            "date": "",
            "version": "5.3",
        }
        self.ws.send_binary(make_frame(channel, header, content, buffers, metadata=metadata))
        return header["msg_id"]

    def send_raw(self, frame: bytes):
        self.ws.send_binary(frame)

    def receive(self, seconds, until=None) -> list[dict]:
        """Messages received for ``seconds`` (or until one makes ``until(message)`` true); each a dict
        with channel, header, parent_header, content, buffers and raw (the frame's bytes)."""
        messages, deadline = [], time.time() + seconds
        while time.time() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.time()))
            try:
                frame = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                break
            if not frame:
                break
            parts = split_frame(frame)
            message = {
                "channel": parts[0].decode(),
                "raw": frame,
                "buffers": parts[5:],
                **{
                    name: json.loads(part)
                    for name, part in zip(("header", "parent_header", "metadata", "content"), parts[1:5])
                },
            }
            messages.append(message)
            if until and until(message):
                break
        return messages

    def widget_states(self) -> dict:
        """Every widget's state, as the kernel holds it (what a page asks for when it loads)."""
        comm_id = uuid.uuid4().hex
        self.send(
            "comm_open",
            {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}},
            metadata={"version": "1.0.0"},
        )
        self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}})
        replies = self.receive(60, until=lambda m: m["content"].get("data", {}).get("method") == "update_states")
        return replies[-1]["content"]["data"]["states"]

    def update_widget(self, model_id, state: dict, buffers=(), buffer_paths=()):
        """Send a widget the new state a page would send when a person moves it (``buffers`` go where
        ``buffer_paths`` say, as an upload's file content does)."""
        self.send(
            "comm_msg",
            {"comm_id": model_id, "data": {"method": "update", "state": state, "buffer_paths": list(buffer_paths)}},
            buffers=buffers,
        )

    def press(self, button_id):
        """What a page sends when a person presses a Button."""
        self.send("comm_msg", {"comm_id": button_id, "data": {"method": "custom", "content": {"event": "click"}}})

    def close_code(self, timeout=30) -> int | None:
        """Wait for the server to close this websocket; the close code it gave (None: no code)."""
        self.ws.settimeout(timeout)
        while True:
            opcode, data = self.ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return int.from_bytes(data[:2], "big") if len(data) >= 2 else None

    def close(self):
        self.ws.close()


RESULT_NUMBER = re.compile(r"memlab-result-title' data-result='(\d+)'")  # memlab/dashboard/app.py numbers each result


def results_shown(messages) -> int:
    """The highest dashboard result number among the widget updates in ``messages`` (0: none)."""
    numbers = [
        int(found.group(1))
        for m in messages
        if m["content"].get("data", {}).get("method") == "update"
        for found in [RESULT_NUMBER.search(str(m["content"]["data"].get("state", {}).get("value", "")))]
        if found
    ]
    return max(numbers, default=0)


def find_widget(states, model_name, **traits) -> str:
    """The id of the widget of that model with those trait values."""
    for model_id, widget in states.items():
        state = widget["state"]
        if state.get("_model_name") == model_name and all(state.get(k) == v for k, v in traits.items()):
            return model_id
    raise LookupError(f"no {model_name} with {traits}")


def start_local_kernel(specs, **start):
    """A Python kernel started as Voila starts one (jupyter_client, from ``specs``, a KernelSpecManager;
    ``start``: e.g. env and cwd, as Voila gives them), ready to answer: its KernelManager. The caller
    shuts it down."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    manager.start_kernel(**start)
    try:
        manager.client().wait_for_ready(timeout=120)
    except BaseException:
        manager.shutdown_kernel(now=True)
        raise
    return manager


@contextlib.contextmanager
def local_kernel(specs, **start):
    """``start_local_kernel`` with a client: yields (client, process id); shut down at the end."""
    manager = start_local_kernel(specs, **start)
    try:
        client = manager.client()
        client.start_channels()
        yield client, manager.provisioner.pid
        client.stop_channels()
    finally:
        manager.shutdown_kernel(now=True)
