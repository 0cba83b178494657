"""What every lesson widget of notebooks 04-06 shares: controls above one figure and one sentence.

A ``FigureWidget`` redraws a matplotlib figure (object interface, no pyplot) into an ``Image`` and a
sentence into an ``HTML`` whenever a control moves. Displayed in JupyterLab it is a live widget;
run headless (CI, nbconvert) the same cell still leaves the current figure as a PNG and the
sentence as text, because the display bundle carries both beside the widget.
"""

from __future__ import annotations  # the type names below need no matplotlib at import

import html
import io
from typing import TYPE_CHECKING

import ipywidgets as w

if TYPE_CHECKING:  # matplotlib is imported by whoever draws a figure: the dashboard draws its page first
    from matplotlib.figure import Figure

MAIN_WIDGET_CLASS = "memlab-main-widget"  # the browser test finds a lesson's main widget by this class


def figure_png(figure: Figure, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


class FigureWidget:
    """Controls, a sentence and a figure. Subclasses set ``self.controls`` and implement ``draw()``,
    which returns ``(figure, sentence, html)`` for the controls' current values (``html``: what to show
    above the figure; None shows the sentence)."""

    controls: list

    def _build(self, main: bool = False):
        self.sentence = ""
        self.png = b""
        self.text = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.widget = w.VBox([w.HBox(self.controls, layout=w.Layout(flex_flow="row wrap")), self.text, self.image])
        if main:
            self.widget.add_class(MAIN_WIDGET_CLASS)
        for control in self.controls:
            control.observe(lambda _change: self.update(), names="value")
        self.update()

    def draw(self) -> tuple[Figure, str, str | None]:
        raise NotImplementedError

    def update(self):
        """Redraw for the controls' current values (called whenever one of them moves)."""
        figure, self.sentence, shown = self.draw()
        self.png = figure_png(figure)
        self.text.value = shown or f"<p style='font-size:1.05em'>{html.escape(self.sentence)}</p>"
        self.image.value = self.png

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.sentence
        bundle["image/png"] = self.png  # what a headless run (nbconvert, CI) keeps
        return bundle
