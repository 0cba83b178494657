"""The dashboard in a real browser: headless Chromium (Debian's) driven by Playwright against a real
Voila server on loopback (tests/helpers/dashboard_browser.py). Screenshots at a phone's, a laptop's and a
projector's width go to test-artifacts/."""

import pytest
from dashboard_browser import (  # noqa: F401
    SLOW,
    browser,
    choose_model,
    dashboard_url,
    expect,
    generate,
    inputs,
    open_dashboard,
    page,
    section,
    shot,
)


def box(locator):
    return locator.bounding_box()


def test_the_one_image_model_gives_a_perfect_copy(page):
    generate(page, "MNIST-diffusion-oneImage (1 image)")
    expect(page.locator(".memlab-verdict").first).to_contain_text("perfect copy")
    images = page.evaluate("Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length")
    assert images >= 4  # sample, nearest, difference, the one neighbour


def test_a_60000_image_model_gives_a_result(page):
    generate(page, "MNIST-diffusion (60\u00a0000 images)")
    expect(page.get_by_text("top 5 of")).to_be_visible()


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800), (1920, 1080)])
def test_6_the_layout_fits_a_phone_a_laptop_and_a_projector(browser, dashboard_url, width, height):
    page = open_dashboard(browser, dashboard_url, width, height)
    try:
        choose_model(page, "MNIST-diffusion-threeHundredImages (300 images)")
        seed = box(page.locator("input[type=text], input[type=number]").first)
        track = box(page.locator(".widget-slider .noUi-target, .widget-slider .slider").first)
        assert seed["x"] >= 0 and seed["x"] + seed["width"] <= width, seed  # Seed box on screen
        assert track["width"] >= 150, track  # a usable Steps slider
        column = box(inputs(page))
        for name, control in (
            ("Model", page.locator(".memlab-inputs select").first),
            ("Seed", page.locator(".memlab-inputs input[type=text]").first),
        ):
            edge = box(control)  # its whole border inside the column (2 px past it cut the right border)
            assert (
                edge["x"] >= column["x"] - 0.5 and edge["x"] + edge["width"] <= column["x"] + column["width"] + 0.5
            ), f"the {name} box runs past its column: {edge} in {column}"
        cut = page.eval_on_selector_all(
            "button", "bs => bs.filter(b => b.offsetParent && b.scrollWidth > b.clientWidth + 1).map(b => b.innerText)"
        )
        assert cut == [], f"button labels cut: {cut}"
        cut_names = page.eval_on_selector(
            ".memlab-inputs select",
            """s => {
            const style = getComputedStyle(s), pen = document.createElement('canvas').getContext('2d');
            pen.font = `${style.fontSize} ${style.fontFamily}`;
            const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
            return Array.from(s.options).map(o => o.text).filter(t => pen.measureText(t).width > room); }""",
        )
        assert cut_names == [], f"model names cut in the closed dropdown: {cut_names}"  # arrow: 20 px
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width + 1, f"the page scrolls sideways ({wide} px wide)"
        generate(page)
        controls, results = box(inputs(page)), box(page.locator(".memlab-results").first)
        if width < 800:  # a phone: stacked, results under the controls
            assert results["y"] >= controls["y"] + controls["height"] - 1
        else:  # Gradio's reading order: inputs left, results right, side by side
            assert results["x"] >= controls["x"] + controls["width"] and results["y"] < controls["y"] + 200
        if width >= 1920:  # read from the back of a room
            size = page.eval_on_selector(".memlab-app", "e => parseFloat(getComputedStyle(e).fontSize)")
            assert size >= 18
        shot(page, f"dashboard-{width}")
    finally:
        page.close()


def test_three_sessions_at_once_each_get_their_own_result(browser, dashboard_url):
    """Three users on one Voila server (one kernel each), all pressing Generate at the same moment."""
    from memlab import zoo
    from memlab.data import datasets as data

    def training_class(model_id, dataset):  # the class name of a one-image model's training image
        image_set = data.load(dataset, "train")
        return image_set.classes[image_set.labels[zoo.open(model_id).subset_indices[0]]]

    wanted = {
        "MNIST-diffusion-oneImage (1 image)": [
            "perfect copy",
            "nearest of 1 training image",
            f"Predicted class: {training_class('mnist-diffusion-1', 'mnist')} (",
        ],
        "FASHION-diffusion-oneImage (1 image)": [
            "perfect copy",
            "nearest of 1 training image",
            f"Predicted class: {training_class('fashion-diffusion-1', 'fashion')} (",
        ],
        "MNIST-GAN (60\u00a0000 images)": ["Result: MNIST-GAN (60\u00a0000 images)", "Distance to the nearest of"],
    }
    pages = {label: open_dashboard(browser, dashboard_url, 1200, 1400) for label in wanted}
    for label, session in pages.items():
        choose_model(session, label)
    for session in pages.values():  # three clicks, no waiting in between
        session.get_by_role("button", name="Generate").click()
    for label, session in pages.items():
        expect(session.locator(".memlab-verdict").first).to_be_visible(timeout=SLOW)
        text = session.locator(".memlab-results").first.inner_text()
        assert all(t in text for t in wanted[label]), (label, text[:2000])
        assert label.split(" (")[0] in text
        for other in wanted:  # nobody sees another session's result
            if other != label:
                assert other.split(" (")[0] + " (" not in text, (label, other)
    shot(pages["FASHION-diffusion-oneImage (1 image)"], "dashboard-three-sessions")
    for session in pages.values():
        session.close()
