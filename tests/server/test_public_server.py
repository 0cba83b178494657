"""The public dashboard against hostile visitors: a real `memlab dashboard` server (``serve.voila_command``)
on loopback, real kernels, real websockets with crafted frames, and a real Chromium where a person's
view matters. One test per finding of the review of a public dashboard (docs/security.md):

1. one malformed websocket frame must not freeze the server (nor the legacy protocol's route to it);
2. a page that never connects must not hold a place; one address cannot take every place;
3. a training run whose page has gone must not hold its place;
4. the browser's limits are the server's (a slider's max, read-only labels, a disabled button);
5. uploads fail cheaply with a message (too many bytes; too many pixels);
6. a dead kernel gives words, stays dead, and its private folder goes;
7. nothing about the server leaks (tracebacks, version headers, CDN links);
and a bounded fuzz test of frames and comm messages.

Every loop is bounded in count and time; nothing leaves 127.0.0.1. Timeouts are shortened (the rules
are the same): a page must connect within 15 s, a kernel without a page goes after 12 s.
"""

import io
import json
import os
import random
import re
import signal
import time
import urllib.error
import urllib.request

import psutil
import pytest
import websocket
from dashboard_browser import draw_stroke
from kernel_client import KernelClient, answers, find_widget, open_page, page_cookie
from PIL import Image
from servers import CHROMIUM, REPO, free_port, kernels, launch_chromium, server, wait_until

from memlab.data.image_files import MAX_UPLOAD_BYTES
from memlab.server import serve
from memlab.server.frames import make_frame
from memlab.server.kernel_socket import POLICY_VIOLATION, SESSION_ENDED

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - CI installs it
    expect = None

if expect is None or not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        pytest.fail("CI must install Debian's chromium and the playwright package (see .ci/run).", pytrace=False)
    pytest.skip("needs /usr/bin/chromium and playwright", allow_module_level=True)

ARTIFACTS = REPO / "test-artifacts" / "public-server"
CONNECT_S, GONE_S, CHECK_S = 15, 12, 1
LEAKS = (b"Traceback", b"site-packages", str(REPO).encode(), b'File "')


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """`memlab dashboard`'s server: cap 4, at most 3 kernels per address, shortened timeouts; its
    kernels make their private folders in ``dashboard.tmp``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_factory.mktemp("kernel-tmp")
    command = serve.voila_command(free_port(), "127.0.0.1", max_kernels=4, max_per_address=3, starts_per_minute=30) + [
        f"--PlacesKernelManager.connect_timeout={CONNECT_S}",
        f"--PlacesKernelManager.disconnected_timeout={GONE_S}",
        f"--PlacesKernelManager.check_interval={CHECK_S}",
    ]
    with server(command, env={"TMPDIR": str(tmp)}, log=ARTIFACTS / "voila.log") as process:
        process.tmp = tmp
        yield process


@pytest.fixture(scope="module")
def chromium():
    browser = launch_chromium()
    yield browser
    browser.close()


@pytest.fixture
def browser(chromium):
    """Chromium, in a context of its own for each test: closed at the end even when the test fails,
    so a failed test leaves no page holding a kernel."""
    context = chromium.new_context()
    yield context
    context.close()


@pytest.fixture(autouse=True)
def no_kernel_left(dashboard):
    """Each test starts and ends with no kernel (the places rules free them; bounded wait)."""
    assert wait_until(lambda: not kernels(dashboard), timeout=CONNECT_S + GONE_S + 30), "kernels were left"
    yield
    wait_until(lambda: not kernels(dashboard), timeout=CONNECT_S + GONE_S + 30)


def server_mb(process) -> float:
    return psutil.Process(process.pid).memory_info().rss / 1e6


def settled_mb(process, timeout=120) -> float:
    """A process's RSS in MB once it has stopped growing (two readings 3 s apart within 2 MB)."""
    deadline, last = time.time() + timeout, process.memory_info().rss / 1e6
    while time.time() < deadline:
        time.sleep(3)
        now = process.memory_info().rss / 1e6
        if abs(now - last) < 2:
            return now
        last = now
    return last


def open_dashboard(browser, url, width=1280):
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url + "/", timeout=180_000)
    page.get_by_role("button", name="Generate").wait_for(timeout=180_000)
    return page


# ---- 1. one frame must not freeze the server -------------------------------------------------
@pytest.mark.parametrize(
    "frame", [b"\xff" * 8, (2**40).to_bytes(8, "little") + b"\0" * 64], ids=["eight-ff-bytes", "huge-offset-count"]
)
def test_one_malformed_frame_does_not_freeze_the_server(dashboard, frame):
    kernel_id = open_page(dashboard.url)
    visitor = KernelClient(dashboard.url, kernel_id)  # the visitor's own page, connected throughout
    before = server_mb(dashboard)
    client = KernelClient(dashboard.url, kernel_id)
    client.send_raw(frame)
    assert client.close_code(timeout=10) == POLICY_VIOLATION  # this connection is closed, at once
    replies = []
    for _ in range(20):  # 20 s: every other visitor is still answered
        replies.append(answers(dashboard.url, within=2.0))
        time.sleep(1)
    grown = server_mb(dashboard) - before
    print(
        f"static file after the frame: max {max(r or 99 for r in replies) * 1000:.0f} ms; server memory {grown:+.1f} MB"
    )
    assert None not in replies, f"the server stopped answering: {replies}"
    assert grown < 100, f"the server grew by {grown:.0f} MB"
    assert visitor.widget_states(), "the visitor's kernel no longer answers"
    visitor.close()


def test_the_legacy_protocol_is_refused(dashboard):
    kernel_id = open_page(dashboard.url)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        KernelClient(dashboard.url, kernel_id, subprotocols=())
    assert refused.value.status_code == 400
    assert answers(dashboard.url) is not None


# ---- 2. a place is held only by a visitor who is there ---------------------------------------
def test_pages_that_never_connect_free_their_places(dashboard):
    open_page(dashboard.url)
    open_page(dashboard.url)  # like an <img> tag or a crawler: the page is never run
    assert len(kernels(dashboard)) == 2
    started = time.time()
    assert wait_until(lambda: not kernels(dashboard), timeout=CONNECT_S + 60), "the places were kept"
    print(f"two pages that never connected freed their places {time.time() - started:.0f} s after loading")


def test_one_address_cannot_take_every_place(dashboard):
    for _ in range(3):
        open_page(dashboard.url)
    with pytest.raises(urllib.error.HTTPError) as refused:
        open_page(dashboard.url)  # the cap is 4, but one address may hold 3
    page = refused.value.read().decode()
    assert refused.value.code == 429 and "Too many dashboard pages are open from your address" in page
    assert "cdn" not in page.lower()
    assert len(kernels(dashboard)) == 3


def test_the_defaults_of_the_rules():
    from memlab.server.places import PlacesKernelManager

    manager = PlacesKernelManager()
    assert (manager.connect_timeout, manager.disconnected_timeout) == (60, 120)
    assert (manager.max_per_address, manager.starts_per_minute) == (4, 10)


# ---- 3. abandoned training ---------------------------------------------------------------------
def test_a_training_run_whose_page_has_gone_is_shut_down(dashboard, browser):
    page = open_dashboard(browser, dashboard.url)
    pad = page.locator(".memlab-pad canvas, canvas.memlab-pad").first
    pad.scroll_into_view_if_needed()
    draw_stroke(page, pad)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text(re.compile(r"^Step [\d,]+ of [\d,]+"))).to_be_visible(timeout=180_000)
    [kernel] = kernels(dashboard)
    page.close(run_before_unload=False)  # the browser vanished: no goodbye to the server
    closed = time.time()
    assert wait_until(
        lambda: not kernel.is_running() or kernel.status() == psutil.STATUS_ZOMBIE, timeout=GONE_S + 30
    ), "the abandoned training kept its kernel"
    print(f"abandoned training shut down {time.time() - closed:.0f} s after its page went")


# ---- 4. the browser's limits are the server's -----------------------------------------------------
def test_a_crafted_page_cannot_change_limits_or_read_only_traits(dashboard):
    kernel_id = open_page(dashboard.url)
    client = KernelClient(dashboard.url, kernel_id)
    states = client.widget_states()
    steps = find_widget(states, "IntSliderModel", max=250)
    model = find_widget(states, "DropdownModel")
    generate = find_widget(states, "ButtonModel", description="Generate")
    labels = states[model]["state"]["_options_labels"]
    client.update_widget(steps, {"max": 1000, "value": 1000})
    client.update_widget(model, {"_options_labels": ["evil"] * len(labels), "index": 1})
    client.update_widget(generate, {"disabled": True, "description": "Hacked"})
    client.update_widget(steps, {"value": "a lot"})
    time.sleep(1)
    after = client.widget_states()
    assert after[steps]["state"]["max"] == 250 and after[steps]["state"]["value"] <= 250
    assert after[model]["state"]["_options_labels"] == labels and after[model]["state"]["index"] == 1
    assert after[generate]["state"]["description"] == "Generate" and not after[generate]["state"]["disabled"]
    client.close()


def test_a_page_cannot_make_the_kernel_build_widgets(dashboard):
    """Opening "jupyter.widget" comms would let a page create widgets (10 MB each) until memory runs out."""
    kernel_id = open_page(dashboard.url)
    visitor = KernelClient(dashboard.url, kernel_id)
    before = len(visitor.widget_states())
    crafted = KernelClient(dashboard.url, kernel_id)
    state = {
        "_model_module": "@jupyter-widgets/controls",
        "_model_module_version": "2.0.0",
        "_model_name": "TextModel",
        "_view_module": "@jupyter-widgets/controls",
        "_view_module_version": "2.0.0",
        "_view_name": "TextView",
        "value": "A" * 1_000_000,
    }
    crafted.send(
        "comm_open",
        {"comm_id": "made-by-a-page", "target_name": "jupyter.widget", "data": {"state": state, "buffer_paths": []}},
        metadata={"version": "2.1.0"},
    )
    assert crafted.close_code(timeout=10) == POLICY_VIOLATION
    assert len(visitor.widget_states()) == before, "the page made the kernel build a widget"
    visitor.close()


def test_one_kernel_takes_at_most_four_websockets(dashboard):
    kernel_id = open_page(dashboard.url)
    clients = [KernelClient(dashboard.url, kernel_id) for _ in range(4)]
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        KernelClient(dashboard.url, kernel_id)
    assert refused.value.status_code == 429
    clients[0].close()
    time.sleep(1)
    clients[0] = KernelClient(dashboard.url, kernel_id)  # a place freed: a page may reconnect
    for client in clients:
        client.close()


def server_socket_option(pid: int, peer, level: int, option: int) -> int:
    """A socket option of the socket of process ``pid`` whose other end is ``peer`` (host, port), read
    through a copy of its descriptor (Linux's pidfd_getfd: the test started the server, so it may)."""
    import ctypes
    import socket

    pidfd_getfd = 438  # the system call's number, the same on every Linux
    libc, pidfd = ctypes.CDLL(None, use_errno=True), os.pidfd_open(pid)
    try:
        for name in os.listdir(f"/proc/{pid}/fd"):
            try:
                if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                    continue
            except OSError:  # closed meanwhile
                continue
            fd = libc.syscall(pidfd_getfd, pidfd, int(name), 0)
            if fd < 0:
                continue  # closed meanwhile
            with socket.socket(fileno=fd) as copy:
                try:
                    if copy.type == socket.SOCK_STREAM and copy.getpeername() == peer:
                        return copy.getsockopt(level, option)
                except OSError:  # not connected (a listening socket)
                    pass
    finally:
        os.close(pidfd)
    raise AssertionError(f"no socket of process {pid} is connected to {peer}")


def test_the_kernel_websocket_sends_each_message_at_once(dashboard):
    """With Nagle's algorithm on (Tornado's default), a message written while the page had not yet
    acknowledged the previous one waited for that acknowledgement, up to 40 ms: most Generate clicks
    waited that long once (benchmarks/browser.py). The server's end of the page's websocket must have
    TCP_NODELAY."""
    import socket

    client = KernelClient(dashboard.url, open_page(dashboard.url))
    try:
        client.widget_states()  # the socket is open and has carried messages
        page_end = client.ws.sock.getsockname()
        assert server_socket_option(dashboard.pid, page_end, socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        client.close()


def test_the_template_and_theme_cannot_be_chosen_by_a_visitor(dashboard):
    """A link with ?template=… must not serve another template (one without memlab's page script), nor
    hang on an unknown one while holding a place."""
    with urllib.request.urlopen(dashboard.url + "/?template=nope&theme=dark", timeout=180) as response:
        page = response.read().decode()
    assert "memlab-session-ended" in page and "cdn.jsdelivr" not in page


# ---- 5. uploads ------------------------------------------------------------------------------------
def test_uploads_too_large_get_a_message_and_cost_the_kernel_nothing(dashboard, browser, tmp_path):
    page = open_dashboard(browser, dashboard.url)
    [kernel] = kernels(dashboard)

    def upload(path):
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Choose an image").first.click()  # the search's upload
        chooser.value.set_files(path)

    # 70 MB: larger than the websocket carries; stopped in the page, with the kernel's own words.
    huge = tmp_path / "huge.png"
    with open(huge, "wb") as file:
        file.truncate(70_000_000)
    upload(huge)
    expect(page.get_by_text("huge.png is 70.0 MB; the limit is 10 MB")).to_be_visible(timeout=10_000)
    # A small PNG that declares 39.7 megapixels: refused from its header, before decoding.
    bomb = io.BytesIO()
    Image.new("L", (6300, 6300)).save(bomb, "PNG")
    before = settled_mb(kernel)  # the warm-up thread loads models meanwhile: wait until it is done
    (tmp_path / "bomb.png").write_bytes(bomb.getvalue())
    upload(tmp_path / "bomb.png")
    expect(page.get_by_text("bomb.png is 6,300 x 6,300 pixels: too large")).to_be_visible(timeout=60_000)
    grown = kernel.memory_info().rss / 1e6 - before
    print(f"a {len(bomb.getvalue()) / 1e3:.0f} kB PNG of 39.7 Mpx: kernel {grown:+.1f} MB")
    assert grown < 50
    page.screenshot(path=str(ARTIFACTS / "upload-messages.png"), full_page=True)
    assert len(kernels(dashboard)) == 1 and not page.get_by_text("This session ended").is_visible()
    page.close()


def test_the_kernel_checks_an_upload_that_skipped_the_pages_check(dashboard):
    """A crafted page sends 10.5 MB straight to the upload widget: the kernel says the limit."""
    kernel_id = open_page(dashboard.url)
    client = KernelClient(dashboard.url, kernel_id)
    upload = find_widget(
        client.widget_states(), "FileUploadModel", _dom_classes=["memlab-upload", "memlab-search-upload"]
    )  # the search's, not another panel's
    file = {"name": "big.png", "type": "image/png", "size": MAX_UPLOAD_BYTES + 500_000, "last_modified": 0}
    client.update_widget(
        upload,
        {"value": [file]},
        buffers=[b"\0" * (MAX_UPLOAD_BYTES + 500_000)],
        buffer_paths=[["value", 0, "content"]],
    )
    client.update_widget(upload, {"value": [{"name": "odd.png"}]})  # no content at all
    time.sleep(2)
    shown = json.dumps(client.widget_states())
    assert "big.png is 10.5 MB; the limit is 10 MB" in shown
    client.close()


# ---- 6. a dead kernel -------------------------------------------------------------------------------
def test_a_dead_kernel_gives_words_stays_dead_and_loses_its_folder(dashboard, browser):
    page = open_dashboard(browser, dashboard.url, width=390)
    [kernel] = kernels(dashboard)
    folders = lambda: sorted(dashboard.tmp.glob(f"memlab-*-{kernel.pid}-*"))  # noqa: E731
    assert wait_until(folders, timeout=30), "the page's private folder was not made"
    os.kill(kernel.pid, signal.SIGKILL)
    expect(page.get_by_text("This session ended; reload the page")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "session-ended-390.png"))
    assert wait_until(lambda: not folders(), timeout=15), "the dead kernel's private folder stayed"
    time.sleep(5)
    assert kernels(dashboard) == [], "an empty kernel was started under the dead one's id"
    page.get_by_role("button", name="Reload").click()
    page.get_by_role("button", name="Generate").wait_for(timeout=180_000)
    page.close()


def test_the_page_is_told_when_its_kernel_is_shut_down(dashboard):
    kernel_id = open_page(dashboard.url)
    client = KernelClient(dashboard.url, kernel_id)
    request = urllib.request.Request(
        f"{dashboard.url}/api/kernels/{kernel_id}", method="DELETE", headers=page_cookie(kernel_id)
    )  # as its own page (its secret)
    urllib.request.urlopen(request, timeout=30)
    assert client.close_code(timeout=30) == SESSION_ENDED  # the page's script shows "session ended"


# ---- 7. nothing leaks ----------------------------------------------------------------------------------
def test_no_version_headers_and_a_content_security_policy(dashboard):
    for path in ("/", "/voila/static/voila.js", "/no/such/page"):
        try:
            response = urllib.request.urlopen(dashboard.url + path, timeout=180)
        except urllib.error.HTTPError as err:
            response = err
        headers = response.headers
        assert "Server" not in headers, f"{path}: Server: {headers['Server']}"
        assert headers["Content-Security-Policy"] == serve.CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        body = response.read().decode(errors="replace")
        assert "cdn.jsdelivr" not in body and "Traceback" not in body


def test_malformed_comm_messages_send_no_traceback(dashboard):
    kernel_id = open_page(dashboard.url)
    client = KernelClient(dashboard.url, kernel_id)
    states = client.widget_states()
    steps = find_widget(states, "IntSliderModel", max=250)
    client.send("comm_msg", {"comm_id": steps, "data": "not an object"})
    client.send("comm_msg", {"comm_id": steps, "data": {"method": "update", "state": {"value": [1, 2]}}})
    client.send("comm_msg", {"comm_id": steps, "data": {"method": "update", "buffer_paths": [["x", 9]], "state": {}}})
    client.send("comm_msg", {"comm_id": "no-such-comm", "data": {"method": "update"}})
    client.send("comm_open", {"comm_id": "x", "target_name": "no-such-target", "data": {}})
    received = client.receive(5)
    kinds = {m["header"]["msg_type"] for m in received}
    assert "error" not in kinds and not any(m["content"].get("name") == "stderr" for m in received)
    assert not [m for m in received for leak in LEAKS if leak in m["raw"]]
    client.close()


# ---- fuzz -------------------------------------------------------------------------------------------------
def mutations(rng):
    """Malformed frames and comm messages: random bytes, wrong offsets, huge lengths, wrong types."""
    good = make_frame("shell", {"msg_id": "1", "msg_type": "comm_msg"}, {"comm_id": "x", "data": {}})
    while True:
        kind = rng.randrange(7)
        if kind == 0:
            yield "random bytes", rng.randbytes(rng.randrange(0, 200))
        elif kind == 1:  # the offset count replaced
            yield "offset count", rng.choice([0, 1, 5, 23, 2**31, 2**63, 2**64 - 1]).to_bytes(8, "little") + good[8:]
        elif kind == 2:  # one offset replaced
            i = rng.randrange(1, 7)
            value = rng.choice([0, 7, len(good) + 1, 2**40, 2**64 - 1])
            yield "an offset", good[: 8 * i] + value.to_bytes(8, "little") + good[8 * (i + 1) :]
        elif kind == 3:  # truncated
            yield "truncated", good[: rng.randrange(len(good))]
        elif kind == 4:  # well laid out, but not JSON objects
            yield "wrong types", make_frame("shell", {"msg_type": "comm_msg"}, {}).replace(b"{}", b"[]", 1)
        elif kind == 5:  # a message type a page never sends
            yield (
                "execute_request",
                make_frame(
                    "shell", {"msg_id": "1", "msg_type": "execute_request"}, {"code": "import os; os.system('id')"}
                ),
            )
        else:  # valid frames with random comm content
            yield (
                "comm content",
                make_frame(
                    rng.choice(["shell", "control", "iopub", "x" * 300]),
                    {"msg_id": "1", "msg_type": "comm_msg"},
                    {
                        "comm_id": rng.choice(["x", ""]),
                        "data": rng.choice([{}, {"method": "update", "state": {"value": 2**70}}, [], None]),
                    },
                ),
            )


def test_fuzz_frames_and_comm_messages(dashboard):
    """300 malformed frames against one kernel: the server keeps answering, no traceback reaches the
    client, and the kernel still answers a well-formed request afterwards."""
    rng = random.Random(20261205)
    kernel_id = open_page(dashboard.url)
    visitor = KernelClient(dashboard.url, kernel_id)  # keeps the kernel's place while the fuzzer reconnects
    before = server_mb(dashboard)
    client = KernelClient(dashboard.url, kernel_id)
    received, started, sent = [], time.time(), 0
    for what, frame in mutations(rng):
        if sent == 300 or time.time() - started > 240:
            break
        try:
            client.send_raw(frame)
            received += client.receive(0.05)
        except (websocket.WebSocketException, OSError, ValueError):
            client = KernelClient(dashboard.url, kernel_id)  # closed for a bad frame: a new connection
        sent += 1
        if sent % 25 == 0:
            assert answers(dashboard.url, within=2.0) is not None, f"the server froze after {sent} frames ({what})"
    assert sent == 300, f"only {sent} frames in 240 s"
    leaked = [m["raw"][:200] for m in received for leak in LEAKS if leak in m["raw"]]
    assert not leaked and not [m for m in received if m["header"].get("msg_type") == "error"], leaked
    grown = server_mb(dashboard) - before
    print(f"300 malformed frames in {time.time() - started:.0f} s; server memory {grown:+.1f} MB")
    assert grown < 100
    assert visitor.widget_states(), "the kernel stopped answering"
    visitor.close()
