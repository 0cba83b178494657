"""A lesson's figure shown with a text alternative, for students who use a screen reader (WCAG 1.1.1).

Jupyter shows a matplotlib figure as a bare PNG: JupyterLab draws it as an ``<img>`` without ``alt`` and
nbconvert writes "No description has been provided for this image" (and warns "Alternative text is
missing"). Neither reads an alt text from the output's metadata, but both show an output's ``text/html``
before its ``image/png``. So ``show`` displays the figure as an HTML ``<img alt="…">`` holding the same
PNG, keeps the bare PNG beside it (what tests and other front ends read), and closes the figure so the
inline backend does not draw it a second time without its text.

    fig, ax = plt.subplots()
    ...
    show(fig, "A line rising from zero to 0.014 as the noise grows from 0 to 80 grey levels ...")

The alt text says what the figure shows, with the numbers that matter, in one to three sentences.
The lessons' widgets (``memlab.dashboard.widgets.lesson_figure``) use ``figure_png`` and ``img_html`` too.
"""

import base64
import html
import io

from IPython.display import display


def figure_png(figure, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def img_html(png: bytes, alt: str) -> str:
    """An ``<img>`` holding ``png`` with ``alt`` as its text (escaped), never wider than its output."""
    if not alt.strip():
        raise ValueError("A figure needs an alt text: say in words what it shows.")
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" style="max-width:100%;height:auto">'


def show(figure, alt: str):
    """Display ``figure`` with ``alt`` as its text alternative, and close it (pyplot draws it once)."""
    png = figure_png(figure)
    bundle = {"text/html": img_html(png, alt), "image/png": base64.b64encode(png).decode("ascii"), "text/plain": alt}
    display(bundle, raw=True)
    # pyplot here, not at the top: the dashboard imports this module (img_html) and never loads pyplot
    import matplotlib.pyplot as plt

    plt.close(figure)  # a figure pyplot never had (``Figure()``) is closed without complaint
