"""What a new user hit in the dashboard (issue 22, item 5), in a real browser: Playwright drives Debian's
Chromium against one Voila server on loopback. One page (one kernel) serves every test, in order, so
the module stays short on a shared 2-core machine; a test that needs another width resizes that page.
Screenshots go to test-artifacts/new-user/.
"""

import re

import numpy as np
import pytest
from dashboard_browser import (  # noqa: F401
    ARTIFACTS,
    SLOW,
    browser,
    choose_model,
    dashboard_url,
    draw_stroke,
    expect,
    inputs,
    open_dashboard,
    section,
    set_slider,
    upload,
)
from PIL import Image

UPLOAD = "Search with your own image"
STEPS = "Watch the reverse diffusion process"
OWN = "Your own image"
SHOTS = ARTIFACTS / "new-user"
MINUTE = 60_000


@pytest.fixture(scope="module")
def page(browser, dashboard_url):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_dashboard(browser, dashboard_url)
    yield page
    page.close()


def save_png(array, path, size=112):
    Image.fromarray(np.asarray(array, dtype=np.uint8)).resize((size, size)).save(path)
    return path


def shot(page, element, name):
    element.scroll_into_view_if_needed()
    element.screenshot(path=str(SHOTS / f"{name}.png"))


def test_changing_the_model_mid_run_cancels_it_and_generate_starts_at_once(page):
    choose_model(page, "MNIST-diffusion (60\u00a0000 images)")
    inputs(page).get_by_role("button", name="DDPM").click()
    set_slider(inputs(page), 250)
    page.get_by_role("button", name="Generate").click()
    progress = inputs(page).get_by_text(re.compile(r"Working… \d+ of 250 steps"))  # steps, not only "Working…"
    expect(progress).to_be_visible(timeout=SLOW)
    choose_model(page, "MNIST-GAN (60\u00a0000 images)")
    page.get_by_role("button", name="Generate").click()
    # before: refused for the ~100 s the DDPM run still had to go ("Still working on …")
    expect(page.locator(".memlab-result-title", has_text="MNIST-GAN")).to_be_visible(timeout=MINUTE)
    text = inputs(page).inner_text()
    assert "Still working" not in text and "after the model changed" not in page.inner_text("body")
    took = page.locator(".memlab-results").first.inner_text()
    assert not re.search(r"\d{4,} ms", took), took  # "2 min 6 s", never "126290 ms"


def test_an_unseen_test_digit_is_no_evidence_of_copying(page, tmp_path, mnist_test):
    upload(page, save_png(mnist_test.images[0], tmp_path / "unseen.png"))  # a 7 the demo calls "near copy"
    panel = section(page, UPLOAD).locator(".memlab-verdict-panel")
    expect(panel).to_contain_text("no evidence of copying", timeout=SLOW)
    headline = panel.locator(".memlab-verdict").inner_text()
    assert "near copy" not in headline
    text = panel.inner_text()
    assert "would say “near copy”" in text  # the article's label stays, as the demo's
    assert "the model" not in text.lower() and "fewer than 1 %" not in text and "is perfect copy" not in text


def test_a_1x1_upload_and_pure_noise_name_no_class(page, tmp_path):
    upload(page, save_png([[255]], tmp_path / "dot.png", size=1))
    where = section(page, UPLOAD)
    expect(where.get_by_text("dot.png").first).to_be_visible(timeout=SLOW)
    expect(where.locator(".memlab-verdict-panel")).to_be_visible(timeout=SLOW)
    assert "Predicted class" not in where.inner_text()
    choose_model(page, "MNIST-diffusion (60\u00a0000 images)")
    set_slider(inputs(page), 1)  # one step of a large model: noise
    page.get_by_role("button", name="Generate").click()
    expect(page.locator(".memlab-result-title", has_text="1 step ")).to_be_visible(timeout=SLOW)
    result = page.locator(".memlab-results").first
    expect(result).to_contain_text("does not look like", timeout=SLOW)
    assert "Predicted class" not in result.inner_text()


def test_the_step_through_starts_from_pure_noise(page):
    choose_model(page, "MNIST-diffusion-oneImage (1 image)")
    set_slider(inputs(page), 5)
    where = section(page, STEPS)
    where.get_by_role("button", name="Run step by step").click()
    expect(where.get_by_text("Step 5 of 5")).to_be_visible(timeout=SLOW)
    set_slider(where, 1)
    expect(where.get_by_text("Step 1 of 5")).to_be_visible(timeout=MINUTE)
    text = where.inner_text()
    assert "t = 999" in text and "removed noise 1 time" not in text and "nothing removed yet" in text


@pytest.mark.parametrize("width", [390, 1280, 1920])
def test_the_model_list_and_the_seed_box_stay_inside_their_column(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    boxes = (inputs(page), inputs(page).locator("select").first, inputs(page).locator("input[type=text]").first)
    measured, before = [b.bounding_box() for b in boxes], None
    for _ in range(50):  # read the layout once it has settled after the resize (a busy machine reflows late)
        if measured == before:
            break
        page.wait_for_timeout(100)
        before, measured = measured, [b.bounding_box() for b in boxes]
    column = measured[0]
    for edge in measured[1:]:
        assert edge["x"] >= column["x"] - 0.5 and edge["x"] + edge["width"] <= column["x"] + column["width"] + 0.5
        assert edge["x"] + edge["width"] <= width
    shot(page, page.locator(".memlab-app").first, f"main-{width}")


def test_upload_buttons_read_a_plain_label(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    buttons = page.locator(".widget-upload")
    expect(buttons).to_have_count(3, timeout=SLOW)  # the upload search, your own image, the membership test
    for button in buttons.all():
        label = button.evaluate("b => getComputedStyle(b, '::after').content")
        shown = button.evaluate("b => getComputedStyle(b).fontSize")  # the button's own "… (0)" text
        assert "Choose an image…" in label and shown == "0px", (label, shown)


@pytest.mark.parametrize("width", [390, 1280, 1920])
def test_your_own_image_fits_its_column(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    panel = page.locator(".memlab-own-image")
    panel.scroll_into_view_if_needed()
    generate = page.get_by_role("button", name="Generate").bounding_box()
    for name in ("Train", "Cancel"):  # as tall as Generate, and not squeezed
        box = panel.get_by_role("button", name=name, exact=True).bounding_box()
        assert box["height"] >= generate["height"] - 1 and box["width"] >= 100, (name, box)
    upload_box = panel.locator(".widget-upload").bounding_box()
    assert upload_box["height"] <= generate["height"] + 1, upload_box  # one line, not three
    caption = panel.get_by_text("your picture as the model sees it")
    lines = caption.evaluate("e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)")
    assert lines <= 2.2, lines  # was 7 lines at 1920 px
    shot(page, panel, f"own-image-{width}")


def test_a_failed_upload_message_goes_when_the_user_draws(page, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    panel = page.locator(".memlab-own-image")
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"not a picture")
    with page.expect_file_chooser() as chooser:
        panel.locator(".widget-upload").click()
    chooser.value.set_files(str(bad))
    error = panel.get_by_text("not an image memlab can read")
    expect(error).to_be_visible(timeout=SLOW)
    pad = panel.locator(".memlab-pad canvas, canvas.memlab-pad").first
    pad.scroll_into_view_if_needed()
    draw_stroke(page, pad)
    expect(error).to_be_hidden(timeout=MINUTE)
