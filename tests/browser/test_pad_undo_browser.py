"""Undo after many strokes, in a real Chromium on the real dashboard (issue 36, finding 8).

Undo repaints the pad in one batch of drawing commands, one binary buffer per stroke. The public
server's filter of kernel messages once reused the limits of a page's frames (16 buffers), so after 18
strokes Undo's repaint was dropped on its way to the page and the pad did not change. Here 30 strokes
are drawn with the mouse, in a grid so that each has its own place, and Undo must clear the last one
while the first stays.
"""

from dashboard_browser import SLOW, browser, dashboard_url, page, shot  # noqa: F401 (fixtures)

COLUMNS, ROWS = 6, 5  # 30 strokes


def pad_canvas(page):
    pad = page.locator(".memlab-own-image .memlab-pad canvas, .memlab-own-image canvas.memlab-pad").first
    pad.scroll_into_view_if_needed()
    return pad


def stroke_centre(stroke: int) -> tuple[float, float]:
    """Where stroke ``stroke`` is drawn, as fractions of the pad's width and height."""
    column, row = stroke % COLUMNS, stroke // COLUMNS
    return (column + 0.5) / COLUMNS, (row + 0.5) / ROWS


# The red channel (0-255) of a canvas at a place given as fractions of its width and height.
RED_AT = """([canvas, fx, fy]) => canvas.getContext('2d').getImageData(
    Math.floor(fx * canvas.width), Math.floor(fy * canvas.height), 1, 1).data[0]"""


def brightness(page, pad, fraction_x: float, fraction_y: float) -> int:
    """The red channel of the pad's canvas at that place, read from the canvas itself."""
    return page.evaluate(RED_AT, [pad.element_handle(), fraction_x, fraction_y])


def test_undo_after_thirty_strokes_redraws_the_pad(page):
    pad = pad_canvas(page)
    box = pad.bounding_box()
    for stroke in range(COLUMNS * ROWS):
        fx, fy = stroke_centre(stroke)
        x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
        page.mouse.move(x - 8, y)
        page.mouse.down()
        page.mouse.move(x + 8, y, steps=4)
        page.mouse.up()
    first, last = stroke_centre(0), stroke_centre(COLUMNS * ROWS - 1)
    canvas = pad.element_handle()
    page.wait_for_function(RED_AT + " > 200", arg=[canvas, *last], timeout=SLOW)  # the last stroke is drawn
    page.locator(".memlab-own-image").get_by_role("button", name="Undo").click()
    page.wait_for_function(RED_AT + " < 50", arg=[canvas, *last], timeout=30_000)  # Undo's repaint: it is gone
    assert brightness(page, pad, *first) > 200, "Undo removed more than the last stroke"
    shot(page, "pad-undo-after-30-strokes")
