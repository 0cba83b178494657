"""The dashboard's "Was this picture in its training set?" in a real browser (Voila + Chromium), at a
desktop and a phone width: a click gives the sentence and the figure; screenshots in test-artifacts/."""

import pytest
from dashboard_browser import ARTIFACTS, SLOW, browser, dashboard_url, expect, open_dashboard, section, shot  # noqa: F401

TITLE = "Was this picture in its training set?"


@pytest.mark.parametrize("width", [1280, 390])
def test_membership_section_answers_in_the_browser(browser, dashboard_url, width):  # noqa: F811
    page = open_dashboard(browser, dashboard_url, width=width)
    try:
        panel = section(page, TITLE)
        panel.scroll_into_view_if_needed()
        expect(panel.get_by_text("Choose a picture on the left")).to_be_visible(timeout=SLOW)
        panel.get_by_role("button", name="Another picture").click()
        expect(panel.get_by_text("gives this picture a denoising loss")).to_be_visible(timeout=SLOW)
        figure = panel.locator(".memlab-results img").last
        expect(figure).to_be_visible()
        assert figure.evaluate("img => img.complete && img.naturalWidth > 100"), "the figure did not load"
        expect(panel.get_by_text("the first time for a model")).to_have_count(0)
        # nothing wider than the page at 390 px
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, overflow
        panel.screenshot(path=str(ARTIFACTS / f"membership-{width}.png"))
        assert not [p for p in page.problems if p.startswith("request")], page.problems
    finally:
        page.close()
