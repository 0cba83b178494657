"""The dashboard in a real browser: headless Chromium (Debian's) driven by Playwright against a real
Voila server on loopback. Screenshots go to test-artifacts/."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - CI installs it
    sync_playwright = None

if sync_playwright is None or not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        pytest.fail("CI must install Debian's chromium and the playwright package (see .ci/run).",
                    pytrace=False)
    pytest.skip("needs /usr/bin/chromium and playwright", allow_module_level=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url():
    port = free_port()
    voila = Path(sys.executable).parent / "voila"
    server = subprocess.Popen([str(voila), "notebooks/dashboard.ipynb", f"--port={port}", "--no-browser",
                               "--Voila.ip=127.0.0.1"], cwd=REPO, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/"
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def page(dashboard_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        started = time.perf_counter()
        page.goto(dashboard_url, timeout=120_000)
        page.get_by_role("button", name="Generate").wait_for(timeout=180_000)
        page.first_render_s = time.perf_counter() - started
        yield page
        browser.close()


def generate(page, label):
    page.locator("select").first.select_option(label=label)
    page.get_by_role("button", name="Generate").click()


def rendered_images(page):
    return page.evaluate("Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length")


def test_the_one_image_model_gives_a_perfect_copy(page):
    generate(page, "MNIST-diffusion-oneImage")
    expect(page.get_by_text("Verdict: perfect copy")).to_be_visible(timeout=120_000)
    assert rendered_images(page) >= 3  # sample, nearest, difference
    page.screenshot(path=str(ARTIFACTS / "dashboard-one-image.png"), full_page=True)


def test_a_60000_image_model_gives_a_result(page):
    generate(page, "MNIST-diffusion")
    expect(page.get_by_text("nearest of 60,000 training images")).to_be_visible(timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "dashboard-60000.png"), full_page=True)


def test_an_upload_finds_neighbours(page, tmp_path, mnist):
    from PIL import Image

    path = tmp_path / "digit.png"
    Image.fromarray(mnist.images[3]).resize((100, 100)).save(path)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload image").click()
    chooser.value.set_files(str(path))
    expect(page.get_by_text("your image, as converted")).to_be_visible(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "dashboard-upload.png"), full_page=True)


def test_three_sessions_at_once_each_get_their_own_result(dashboard_url, page):
    """Three users on one Voila server (one kernel each), all pressing Generate at the same moment."""
    from memlab import data, zoo

    def training_class(model_id, dataset):   # the class name of a one-image model's training image
        image_set = data.load(dataset, "train")
        return image_set.classes[image_set.labels[zoo.load(model_id).subset_indices[0]]]

    wanted = {"MNIST-diffusion-oneImage": ["Verdict: perfect copy", "nearest of 1 training image",
                                           f"Predicted class: {training_class('mnist-diffusion-1', 'mnist')} ("],
              "FASHION-diffusion-oneImage": ["Verdict: perfect copy", "nearest of 1 training image",
                                             f"Predicted class: {training_class('fashion-diffusion-1', 'fashion')} ("],
              "MNIST-GAN": ["nearest of 60,000 training images"]}
    browser = page.context.browser   # the module's browser; three new pages = three new sessions
    pages = {label: browser.new_page(viewport={"width": 1200, "height": 1400}) for label in wanted}
    for session in pages.values():
        session.goto(dashboard_url, timeout=120_000)
    for label, session in pages.items():
        session.get_by_role("button", name="Generate").wait_for(timeout=180_000)
        session.locator("select").first.select_option(label=label)
    for session in pages.values():                     # three clicks, no waiting in between
        session.get_by_role("button", name="Generate").click()
    for label, session in pages.items():
        expect(session.get_by_text("Time:")).to_be_visible(timeout=180_000)
        text = session.inner_text("body")
        assert all(t in text for t in wanted[label]), (label, text[:2000])
        for other, texts in wanted.items():           # nobody sees another session's result
            if other != label:
                assert not all(t in text for t in texts), (label, other)
    pages["FASHION-diffusion-oneImage"].screenshot(path=str(ARTIFACTS / "dashboard-three-sessions.png"),
                                                   full_page=True)
    for session in pages.values():
        session.close()
