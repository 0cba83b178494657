"""The dashboard with the keyboard alone (WCAG 2.1.1, 2.1.2, 2.4.3, 2.4.7; issue 37): Tab, Shift+Tab, Enter,
Space, arrows, Home and End, never the mouse. At each stop the test asks the page which element has the
focus, what its accessible name is, and whether its focus ring can be seen: the ring's colour against the
page behind it must reach 3:1 (WCAG 1.4.11), computed here from the page's own colours."""

import re
import time

from dashboard_browser import SLOW, browser, dashboard_url, expect, open_dashboard, section  # noqa: F401

# The focused element, its accessible name as a screen reader would build it here (aria-labelledby, then
# aria-label, then the text), and its focus ring: colour, style, width, and the background behind it.
FOCUSED = """() => {
  const e = document.activeElement;
  const byIds = (ids) => ids.split(/\\s+/).map(id => document.getElementById(id)?.textContent || "").join(" ");
  const name = (e.getAttribute("aria-labelledby") && byIds(e.getAttribute("aria-labelledby")))
               || e.getAttribute("aria-label") || e.textContent || e.value || "";
  const style = getComputedStyle(e);
  let behind = e.parentElement, background = "rgb(255, 255, 255)";
  while (behind) {
    const colour = getComputedStyle(behind).backgroundColor;
    if (colour && colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") { background = colour; break; }
    behind = behind.parentElement;
  }
  return {tag: e.tagName.toLowerCase(), role: e.getAttribute("role") || "", name: name.replace(/\\s+/g, " ").trim(),
          outline: style.outlineColor, outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
          background, valuenow: e.getAttribute("aria-valuenow"), pressed: e.getAttribute("aria-pressed")};
}"""


def luminance(rgb: str) -> float:
    """WCAG's relative luminance of a CSS "rgb(r, g, b)" colour."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours, 1 to 21."""
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def focus(page) -> dict:
    """Where the focus is now; asserts the focus ring is visible (a 2 px or wider ring, 3:1 or more)."""
    now = page.evaluate(FOCUSED)
    if now["tag"] != "body":
        ratio = contrast(now["outline"], now["background"])
        assert now["outlineStyle"] != "none" and now["outlineWidth"] >= 2 and ratio >= 3, (now, ratio)
    return now


def becomes(page, field: str, wanted, seconds: float = 10) -> dict:
    """Wait until the focused element's ``field`` starts with ``wanted`` (the kernel answers a key press in
    a round trip); the focus as it is then."""
    deadline = time.time() + seconds
    while True:
        now = focus(page)
        if str(now[field]).startswith(str(wanted)) or time.time() > deadline:
            assert str(now[field]).startswith(str(wanted)), now
            return now
        time.sleep(0.1)


def tab_to(page, name_pattern: str, limit: int = 80, key: str = "Tab") -> dict:
    """Press Tab (or ``key``) until the focused element's name matches ``name_pattern``; every stop on the
    way must show its focus ring. Fails if it takes more than ``limit`` presses."""
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focus(page)
        stops.append(now["name"][:40])
        if re.search(name_pattern, now["name"], re.IGNORECASE):
            return now
    raise AssertionError(f"{name_pattern!r} not reached by {key}; the stops were {stops}")


def test_main_job_with_the_keyboard_alone(browser, dashboard_url):  # noqa: F811
    page = open_dashboard(browser, dashboard_url, width=1280, height=720)
    try:
        model = tab_to(page, r"^Model$")
        assert model["tag"] == "select"
        page.keyboard.press("Home")  # the first model: MNIST-diffusion-oneImage
        sampler = tab_to(page, r"^DDIM|^DDPM")
        assert sampler["pressed"] in ("true", "false")
        tab_to(page, r"^DDPM")
        page.keyboard.press("Space")
        becomes(page, "pressed", "true")  # the chosen one says so
        page.keyboard.press("Shift+Tab")
        assert focus(page)["name"].startswith("DDIM")
        becomes(page, "pressed", "false")
        page.keyboard.press("Enter")  # back to DDIM, with Enter this time
        becomes(page, "pressed", "true")
        steps = tab_to(page, r"^Steps$")
        assert steps["role"] == "slider"
        page.keyboard.press("End")
        becomes(page, "valuenow", "250")
        page.keyboard.press("Home")
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        becomes(page, "valuenow", "5")
        seed = tab_to(page, r"^Seed$")
        assert seed["tag"] == "input"
        page.keyboard.press("Control+A")
        page.keyboard.type("3")
        tab_to(page, r"^Whole set")
        page.keyboard.press("Space")
        tab_to(page, r"^Generate")
        page.keyboard.press("Enter")
        live = page.locator("[aria-live=polite]", has_text="Verdict:")
        expect(live).to_have_count(1, timeout=SLOW)
        assert "seed 3" in page.locator(".memlab-result-title").inner_text()
        assert "5 steps" in page.locator(".memlab-result-title").inner_text()
        assert "whole set" in page.locator(".memlab-result-title").inner_text()
    finally:
        page.close()


def test_step_through_upload_and_drawing_pad_with_the_keyboard_alone(browser, dashboard_url):  # noqa: F811
    page = open_dashboard(browser, dashboard_url, width=1280, height=720)
    try:
        tab_to(page, r"^Run step by step")
        page.keyboard.press("Enter")
        steps = section(page, "Watch the reverse diffusion process")
        expect(steps.locator("[aria-live=polite]", has_text="Done:")).to_have_count(1, timeout=SLOW)
        step = tab_to(page, r"^Step$")
        last = step["valuenow"]
        page.keyboard.press("Home")
        becomes(page, "valuenow", "1")
        page.keyboard.press("End")
        becomes(page, "valuenow", last)  # End is the last step, not the first
        upload = tab_to(page, r"^Choose an image")
        assert "(0)" not in upload["name"]
        # Enter must press the button as a click does (the click is what opens the file chooser). Counted on
        # the button itself: headless Chromium shows a file chooser only to the window in front, which
        # several tests sharing one browser cannot rely on.
        page.evaluate("""() => { window.uploadClicks = 0;
            document.activeElement.addEventListener("click", () => { window.uploadClicks += 1; }); }""")
        page.keyboard.press("Enter")
        assert page.evaluate("window.uploadClicks") == 1
        pad = tab_to(page, r"^Drawing pad")
        assert pad["tag"] == "canvas"
        page.keyboard.press("Tab")  # leaves the pad: no keyboard trap
        assert focus(page)["name"] == "Undo", focus(page)
        page.keyboard.press("Shift+Tab")
        assert focus(page)["name"].startswith("Drawing pad")
        page.keyboard.press("Shift+Tab")  # and backwards too
        assert not focus(page)["name"].startswith("Drawing pad")
        tab_to(page, r"^Drawing pad")
        page.keyboard.press("Escape")  # Escape goes to the pad's first button
        assert focus(page)["name"] == "Undo"
        tab_to(page, r"^Train$")
    finally:
        page.close()
