"""The public dashboard (`memlab dashboard`'s Voila command) under real conditions: a real Voila server on
loopback, real Chromium tabs, real kernel processes. Checks the kernel cap's "busy" page, idle culling
of a tab closed without goodbye (a short timeout here instead of voila.json's 300 s), and that a
10.5 MB websocket message (an upload) reaches the kernel and a 12 MB one does not. Screenshot: test-artifacts/dashboard-busy.png."""

import os
import re
import sys
import time

import pytest
from servers import (
    CHROMIUM,
    REPO,
    free_port,
    is_forked_kernel,
    kernel_answers,
    kernels,
    launch_chromium,
    server,
    wait_until,
)

from memlab.server import serve

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - CI installs it
    sync_playwright = None

if sync_playwright is None or not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        pytest.fail("CI must install Debian's chromium and the playwright package (see .ci/run).", pytrace=False)
    pytest.skip("needs /usr/bin/chromium and playwright", allow_module_level=True)

CULL_S, CULL_INTERVAL_S = 20, 2  # longer than a loaded machine takes to connect a rendered page
ARTIFACTS = REPO / "test-artifacts"


def test_default_cap_follows_the_memory():
    assert serve.default_max_kernels(total_mb=2048) == 2  # Binder-sized: two visitors (ONNX kernels)
    assert serve.default_max_kernels(total_mb=16384) == 30
    assert serve.default_max_kernels(total_mb=512) == 1  # never 0 (0 would mean "no cap")


@pytest.mark.parametrize(
    "port, cap, pool, wrong",
    [
        (0, 1, 0, "--port 0"),
        (8866, -1, 0, "--max-kernels -1"),
        (8866, 4, -1, "--pool-size -1"),
        (8866, 4, 9, "--pool-size 9"),
    ],
)
def test_bad_options_are_named(port, cap, pool, wrong):
    with pytest.raises(ValueError, match=re.escape(wrong)):
        serve.voila_command(port, "127.0.0.1", cap, pool_size=pool)


def test_the_dashboard_keeps_one_kernel_ready_refilled_after_a_while():
    command = serve.voila_command(8866, "127.0.0.1", 4, pool_size=serve.DEFAULT_POOL_SIZE)
    assert serve.DEFAULT_POOL_SIZE == 1 and "--pool_size=1" in command and "--preheat_kernel=True" in command
    assert f"--VoilaKernelManager.fill_delay={serve.POOL_REFILL_DELAY_S}" in command
    assert not any("pool" in arg for arg in serve.voila_command(8866, "127.0.0.1", 4, pool_size=0))


@pytest.fixture(scope="module")
def voila():
    """`memlab dashboard --max-kernels 1`'s command, with a short cull timeout."""
    ARTIFACTS.mkdir(exist_ok=True)
    command = serve.voila_command(free_port(), "127.0.0.1", max_kernels=1) + [
        f"--MappingKernelManager.cull_idle_timeout={CULL_S}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}",
    ]
    with server(command, log=ARTIFACTS / "test_serve-voila.log") as process:
        yield process


@pytest.fixture(scope="module")
def browser():
    browser = launch_chromium()
    yield browser
    browser.close()


def open_dashboard(browser, url):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    response = page.goto(url, timeout=180_000)
    return page, response


def test_cap_busy_page_big_messages_and_culling(voila, browser):
    # 1. The first visitor gets a kernel and the dashboard.
    first, response = open_dashboard(browser, voila.url)
    assert response.status == 200
    first.get_by_role("button", name="Generate").wait_for(timeout=180_000)
    assert len(kernels(voila)) == 1
    assert is_forked_kernel(kernels(voila)[0]), "the dashboard's kernel was not forked by memlab.server.kernel_parent"

    # 2. The cap is 1: the second visitor sees the busy page, and no second kernel starts.
    second, response = open_dashboard(browser, voila.url)
    text = second.inner_text("body")
    assert response.status == 503, text
    assert "busy" in text and "try again in a minute" in text, text
    second.screenshot(path=str(ARTIFACTS / "dashboard-busy.png"))
    assert len(kernels(voila)) == 1

    # 3. A message carrying a file just over the app's 10 MB limit (over tornado's 10 MiB default too)
    #    reaches the kernel, so the app can say "too large"; one over the websocket's limit does not.
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', first.content()).group(1)
    its_page = {
        "Cookie": "; ".join(
            f"{c['name']}={c['value']}" for c in first.context.cookies() if c["name"] == "memlab_kernel"
        )
    }  # the page's secret
    assert kernel_answers(voila.url, kernel_id, 10_500_000, headers=its_page), (
        "voila.json's websocket_max_message_size is lost"
    )
    assert not kernel_answers(voila.url, kernel_id, 12_000_000, headers=its_page), (
        "the websocket carries more than an upload needs"
    )

    # 4. An open tab keeps its kernel past the idle timeout (cull_connected is false).
    time.sleep(CULL_S + 2 * CULL_INTERVAL_S)
    assert len(kernels(voila)) == 1, "the kernel of an open tab was culled"

    # 5. A tab closed without goodbye (no beforeunload, like a crashed browser) leaves its kernel...
    first.close(run_before_unload=False)
    assert len(kernels(voila)) == 1
    started = time.time()
    # ...until the culler shuts it down, after the idle timeout.
    assert wait_until(lambda: not kernels(voila), timeout=CULL_S + 3 * CULL_INTERVAL_S + 10), (
        "the abandoned kernel was not culled"
    )
    print(f"abandoned kernel culled {time.time() - started:.1f} s after the tab closed")

    # 6. Its place is free again: the second visitor's reload gets the dashboard. The server forgets a
    #    kernel a moment after its process has exited (CI once reloaded in between and got the busy
    #    page, which tells a visitor to try again), so a reload that comes too soon is repeated.
    deadline = time.time() + 15
    while (response := second.reload(timeout=180_000)).status == 503 and time.time() < deadline:
        time.sleep(1)
    assert response.status == 200
    second.get_by_role("button", name="Generate").wait_for(timeout=180_000)
    second.close(run_before_unload=True)


def test_memlab_dashboard_refuses_a_bad_port():
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "memlab", "dashboard", "--port", "70000"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 2 and "--port 70000 is not a TCP port" in result.stderr


def test_kernels_are_forked_unless_told_to_spawn():
    specs = lambda command: [a.split("=", 1)[1] for a in command if "kernel_spec_manager_class" in a]  # noqa: E731
    assert specs(serve.voila_command(8866, "127.0.0.1", 4)) == [
        "memlab.server.dashboard_kernel.ForkedDashboardKernelSpecs"
    ]
    assert specs(serve.voila_command(8866, "127.0.0.1", 4, fork_kernels=False)) == [
        "memlab.server.dashboard_kernel.DashboardKernelSpecs"
    ]
    from memlab.cli import build_parser

    assert build_parser().parse_args(["dashboard", "--spawn-kernels"]).spawn_kernels
    assert not build_parser().parse_args(["dashboard"]).spawn_kernels
