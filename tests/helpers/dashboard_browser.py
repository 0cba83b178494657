"""The dashboard in a real browser, for the browser tests: one Voila server on loopback per test session
(memlab's offline template, the repository's voila.json), Debian's Chromium driven by Playwright, and
small helpers that act as a user would. Screenshots go to test-artifacts/.

Set MEMLAB_DASHBOARD_URL to test a server that is already running (e.g. an older version of the app).
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from servers import CHROMIUM, CHROMIUM_ARGS, free_port, launch_chromium  # noqa: F401 (re-exported)

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
SLOW = int(os.environ.get("MEMLAB_BROWSER_TIMEOUT_MS", 240_000))  # a shared 2-core machine can be slow

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - CI installs it
    sync_playwright = expect = None

if sync_playwright is None or not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        pytest.fail("CI must install Debian's chromium and the playwright package (see .ci/run).", pytrace=False)
    pytest.skip("needs /usr/bin/chromium and playwright", allow_module_level=True)


def start_voila(port: int, log_path=os.devnull, extra_args=(), pool_size=0, fork_kernels=True):
    """The dashboard's server, as `memlab dashboard` runs it, with no cap and no per-address limits (every
    test page comes from 127.0.0.1), ``pool_size`` kernels kept ready (none by default: tests count
    kernels), and ``extra_args`` added to its command line (e.g. another Voila setting to compare)."""
    from memlab.server.serve import voila_command

    command = voila_command(
        port,
        "127.0.0.1",
        max_kernels=0,
        max_per_address=0,
        starts_per_minute=0,
        pool_size=pool_size,
        fork_kernels=fork_kernels,
    )
    server = subprocess.Popen(
        command + list(extra_args), cwd=REPO, stdout=open(log_path, "w"), stderr=subprocess.STDOUT
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"Voila did not listen on port {port} within 60 s")


_SHARED = {}  # one server and one browser per test session, whichever test module asks first


@pytest.fixture(scope="session")
def dashboard_url():
    if os.environ.get("MEMLAB_DASHBOARD_URL"):
        yield os.environ["MEMLAB_DASHBOARD_URL"]
        return
    if "url" not in _SHARED:
        port = free_port()
        _SHARED["server"], _SHARED["url"] = start_voila(port), f"http://127.0.0.1:{port}/"
    yield _SHARED["url"]
    server = _SHARED.pop("server", None)
    if server is not None:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    if "browser" not in _SHARED:
        _SHARED["browser"] = launch_chromium()
    yield _SHARED["browser"]
    if "browser" in _SHARED:
        _SHARED.pop("browser").close()


def open_dashboard(browser, url, width=1280, height=900):
    """A new tab (so a new kernel) on the dashboard, once its Generate button is there. It records
    console errors and every request that leaves the machine in ``page.problems``."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.problems = []
    page.on("console", lambda m: page.problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:http://127.0.0.1"))
            else page.problems.append(f"request: {r.url}")
        ),
    )
    page.goto(url, timeout=SLOW)
    page.get_by_role("button", name="Generate").wait_for(timeout=SLOW)
    return page


@pytest.fixture
def page(browser, dashboard_url):
    page = open_dashboard(browser, dashboard_url)
    yield page
    page.close()


def inputs(page):
    return page.locator(".memlab-inputs").first


def section(page, title):
    return page.locator(".memlab-section", has_text=title)


def choose_model(page, label):
    """Choose a model by its label; only the name before " (" must match (older labels had no sizes)."""
    name = label.split(" (")[0].replace(" ", "\xa0")
    options = page.locator("select").first.locator("option").all_inner_texts()
    chosen = next((o for o in options if o == name or o.startswith(name + "\xa0(") or o.startswith(name + " (")), label)
    page.locator("select").first.select_option(label=chosen)


def set_slider(container, value):
    """Type a value into an ipywidgets slider's readout, as a user can."""
    readout = container.locator(".widget-readout").first
    readout.click()
    readout.press("Control+A")
    readout.type(str(value))
    readout.press("Enter")


def set_seed(page, text):
    box = inputs(page).locator("input[type=text]").first
    box.fill(text)
    box.press("Enter")


def generate(page, model_label=None, wait=True):
    """Choose a model (optional), press Generate and wait for the result to be drawn."""
    if model_label:
        choose_model(page, model_label)
    page.get_by_role("button", name="Generate").click()
    if wait:  # the result of *this* model: an earlier model's title must not count
        name = model_label.split(" (")[0] if model_label else ""
        expect(page.locator(".memlab-result-title", has_text=name)).to_be_visible(timeout=SLOW)
        expect(page.locator(".memlab-verdict").first).to_be_visible(timeout=SLOW)


def upload(page, path):
    with page.expect_file_chooser() as chooser:
        section(page, "Search with your own image").get_by_role("button", name="Choose an image").click()
    chooser.value.set_files(str(path))


def shot(page, name):
    """The whole page as a PNG in test-artifacts/. Voila scrolls an inner element, not the document, so
    the viewport is made as tall as the content for the picture, then put back."""
    size = page.viewport_size
    tall = page.evaluate("Math.max(...Array.from(document.querySelectorAll('*')).map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], tall)})
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)


def draw_stroke(page, pad=None):
    """Press the mouse on the pad and drag it across, as a learner would."""
    pad = pad or page.locator(".memlab-pad canvas, canvas.memlab-pad").first
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 0.35 * box["width"], box["y"] + 0.5 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.65 * box["width"], box["y"] + 0.5 * box["height"], steps=12)
    page.mouse.up()
