"""Your own image in a real browser: headless Chromium (Debian's) driven by Playwright against a real
Voila server on loopback, serving a small notebook that shows only ``OwnImagePanel().widget``.

The mouse draws on the pad, Train runs a shortened recipe (``STEPS`` steps instead of 1 000; set
MEMLAB_OWN_IMAGE_TEST_STEPS to change it), and the samples must be perfect copies. Every request to
anything but the loopback server fails (no other host name resolves): the page must work offline. Screenshots at phone and
laptop widths go to test-artifacts/own-image/.
"""

import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from dashboard_browser import draw_stroke
from lab_browser import lab_home, open_notebook, run_cells
from servers import CHROMIUM, free_port, launch_chromium
from servers import server as running

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "own-image"
STEPS = int(os.environ.get("MEMLAB_OWN_IMAGE_TEST_STEPS", "500"))
TRAINING_TIMEOUT_MS = 20 * 60_000  # two shared CPU cores under load: 500 steps take 30 s to 6 min
PROGRESS = re.compile(r"^Step [\d,\u00a0]+ of [\d,\u00a0]+")  # the status line while training (not the intro's "steps")
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"  # no host but loopback resolves
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
# Voila's lab template links FontAwesome from a CDN on every page (icons only; the panel uses none)
TEMPLATE_CDN = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@"

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - CI installs it
    sync_playwright = None

if sync_playwright is None or not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        pytest.fail("CI must install Debian's chromium and the playwright package (see .ci/run).", pytrace=False)
    pytest.skip("needs /usr/bin/chromium and playwright", allow_module_level=True)

pytestmark = pytest.mark.slow


def panel_notebook(folder: Path) -> Path:
    notebook = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import torch\n"
            "from memlab.dashboard.widgets.own_image import OwnImagePanel\n"
            "torch.set_num_threads(1)  # the test machine's cores are shared by many processes\n"
            f"OwnImagePanel(steps={STEPS}, sample_steps=20, seeds=range(4)).widget"
        )
    ]
    path = folder / "own_image_panel.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Voila on loopback with the project's voila.json (it runs in the repository root); its kernels
    make their temporary folders in ``kernel_tmp``, which the tests watch."""
    notebook = panel_notebook(tmp_path_factory.mktemp("notebook"))
    kernel_tmp = tmp_path_factory.mktemp("kernel-tmp")
    command = [
        str(Path(sys.executable).parent / "voila"),
        str(notebook),
        f"--port={free_port()}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
    ]
    with running(command, env={"TMPDIR": str(kernel_tmp)}, log=kernel_tmp.parent / "voila.log") as voila:
        yield voila.url + "/", kernel_tmp


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser = launch_chromium(extra_args=[OFFLINE])
    yield browser
    browser.close()


def open_panel(browser, url, width=1280):
    """A new page (a new Voila session: its own kernel) that notes every request beyond loopback (the
    browser cannot resolve any other host: see ``browser``)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.outside = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(LOOPBACK + (TEMPLATE_CDN,)) else page.outside.append(request.url)
        ),
    )
    page.goto(url, timeout=180_000)
    page.get_by_role("button", name="Train").wait_for(timeout=180_000)
    page.locator(".memlab-pad canvas, canvas.memlab-pad").first.wait_for(timeout=60_000)
    return page


def draw_and_train(page, pad=None):
    """Draw a stroke, press Train, and wait for the progress line."""
    draw_stroke(page, pad)
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text(PROGRESS)).to_be_visible(timeout=120_000)


def own_folders(kernel_tmp):
    return sorted(p for p in Path(kernel_tmp).iterdir() if p.name.startswith("memlab-own-image-"))


def test_closing_the_page_stops_the_training_and_deletes_the_folder(server, browser):
    url, kernel_tmp = server
    page = open_panel(browser, url)
    draw_and_train(page)
    folders = own_folders(kernel_tmp)
    assert len(folders) == 1  # this kernel's folder (checkpoints appear in it every 250 steps)
    page.goto("about:blank")  # leaving the page: Voila shuts the kernel down
    deadline = time.time() + 60
    while folders[0].exists() and time.time() < deadline:
        time.sleep(0.5)
    assert not folders[0].exists(), "the kernel's temporary folder outlived the page"
    page.close()


def test_an_empty_pad_is_refused_and_cancel_stops_the_training(server, browser):
    url, _ = server
    page = open_panel(browser, url, width=390)
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text("Draw something first")).to_be_visible(timeout=30_000)
    draw_and_train(page)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Training cancelled at step")).to_be_visible(timeout=60_000)
    assert page.outside == []
    page.close()


def test_draw_train_and_the_model_hands_the_drawing_back(server, browser):
    url, _ = server
    page = open_panel(browser, url)
    draw_and_train(page)
    page.get_by_role("button", name="Train").click()  # the second press
    expect(page.get_by_text("Training is already running")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("never saw your image")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    tiles = page.locator(".memlab-own-tile", has_text="seed ")
    assert tiles.count() == 4
    for i in range(4):
        expect(tiles.nth(i)).to_contain_text("perfect copy")
        expect(tiles.nth(i)).to_contain_text("(article)")
        expect(tiles.nth(i).get_by_text("(article)")).to_be_in_viewport()  # shown, not cut off
    expect(page.get_by_text("Read more in lesson 06")).to_be_visible()
    assert page.locator(".memlab-own-image a").count() == 0, "a link the dashboard cannot serve"
    assert page.outside == [], f"the page asked for something beyond loopback: {page.outside[:3]}"
    page.screenshot(path=str(ARTIFACTS / "own-image-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 2400})  # tall enough for the whole panel
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "own-image-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 2, f"the page is {width} px wide on a 390 px phone"
    page.close()


def test_the_pad_renders_and_draws_in_jupyterlab_too(tmp_path, browser):
    """The same panel in JupyterLab (offline): the pad appears, takes a stroke, and Train answers."""
    notebook = panel_notebook(tmp_path)
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={free_port()}",
        "--ServerApp.token=memlab-test",
        f"--ServerApp.root_dir={tmp_path}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None",
        "--allow-root",
    ]
    env = {"TMPDIR": str(tmp_path), **lab_home(tmp_path / "home")}
    with running(command, env=env, log=tmp_path / "lab.log") as lab:
        page = open_notebook(browser, f"{lab.url}/lab/tree/{notebook.name}?token=memlab-test", viewport=(1280, 1000))
        run_cells(page, "Run All Cells")  # the notebook's one cell
        pad = page.locator(".jp-OutputArea .memlab-pad canvas, .jp-OutputArea canvas.memlab-pad").first
        try:
            pad.wait_for(timeout=180_000)
        except PlaywrightTimeout:
            page.screenshot(path=str(ARTIFACTS / "own-image-jupyterlab-failed.png"))
            raise AssertionError(
                "the cell ran but no pad appeared; outputs: "
                f"{page.locator('.jp-OutputArea').first.inner_text()[:1000]!r}"
            ) from None
        draw_and_train(page, pad)
        page.screenshot(path=str(ARTIFACTS / "own-image-jupyterlab.png"))
        page.get_by_role("button", name="Cancel").click()
        expect(page.get_by_text("Training cancelled at step")).to_be_visible(timeout=60_000)
        page.close()
