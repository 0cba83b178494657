"""What every lesson widget of notebooks 04-06 shares: controls above one figure and one sentence.

A ``FigureWidget`` redraws a matplotlib figure (object interface, no pyplot) into an ``Image`` and a
sentence into an ``HTML`` whenever a control moves. Displayed in JupyterLab it is a live widget;
run headless (CI, nbconvert) the same cell still leaves the current figure as a PNG and the
sentence as text, because the display bundle carries both beside the widget.

For a screen reader (WCAG 1.1.1, 4.1.2): the figure is an ``<img>`` with an alt text (``alt_text()``, the
sentence unless a widget says more), and each slider's handle is named by its description: ipywidgets 8
draws the label beside a slider but does not tie it to the handle (jupyter-widgets/ipywidgets#2650), so a
short script, shown once with the widget, copies the label's words onto the handle as ``aria-label``.
"""

from __future__ import annotations  # the type names below need no matplotlib at import

import html
from typing import TYPE_CHECKING

import ipywidgets as w
from IPython.display import Javascript, display

from memlab.teaching.alt_text import figure_png, img_html  # noqa: F401 (figure_png: also the dashboard's)

if TYPE_CHECKING:  # matplotlib is imported by whoever draws a figure: the dashboard draws its page first
    from matplotlib.figure import Figure

MAIN_WIDGET_CLASS = "memlab-main-widget"  # the browser test finds a lesson's main widget by this class
LESSON_WIDGET_CLASS = "memlab-lesson-widget"  # every FigureWidget: the script below names its sliders

# Names every slider handle inside a lesson widget after the label beside it, now and whenever one appears.
NAME_SLIDERS = """
(function () {
  if (window.memlabNameSliders) return;
  window.memlabNameSliders = true;
  function name() {
    document.querySelectorAll(".LESSON_WIDGET_CLASS .widget-slider").forEach(function (slider) {
      var label = slider.querySelector(".widget-label"), handle = slider.querySelector("[role=slider]");
      if (label && handle && label.textContent.trim() && !handle.hasAttribute("aria-label")) {
        handle.setAttribute("aria-label", label.textContent.trim());
      }
    });
  }
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
  name();
})();
""".replace("LESSON_WIDGET_CLASS", LESSON_WIDGET_CLASS)


class FigureWidget:
    """Controls, a sentence and a figure. Subclasses set ``self.controls`` and implement ``draw()``,
    which returns ``(figure, sentence, html)`` for the controls' current values (``html``: what to show
    above the figure; None shows the sentence)."""

    controls: list

    def _build(self, main: bool = False):
        self.sentence = ""
        self.png = b""
        self.text = w.HTML()
        self.image = w.HTML()  # an <img> with an alt text (ipywidgets' Image has no alt)
        self.widget = w.VBox([w.HBox(self.controls, layout=w.Layout(flex_flow="row wrap")), self.text, self.image])
        self.widget.add_class(LESSON_WIDGET_CLASS)
        if main:
            self.widget.add_class(MAIN_WIDGET_CLASS)
        for control in self.controls:
            control.observe(lambda _change: self.update(), names="value")
        self.update()

    def draw(self) -> tuple[Figure, str, str | None]:
        raise NotImplementedError

    def alt_text(self) -> str:
        """The figure in words, for a screen reader; a widget whose sentence does not describe its figure
        says more."""
        return self.sentence

    def update(self):
        """Redraw for the controls' current values (called whenever one of them moves)."""
        figure, self.sentence, shown = self.draw()
        self.png = figure_png(figure)
        self.text.value = shown or f"<p style='font-size:1.05em'>{html.escape(self.sentence)}</p>"
        self.image.value = img_html(self.png, self.alt_text())

    def _repr_mimebundle_(self, **kwargs):
        display(Javascript(NAME_SLIDERS))  # before the widget: it names the sliders once they are drawn
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.sentence
        bundle["text/html"] = self.text.value + self.image.value  # what nbconvert shows of a headless run
        bundle["image/png"] = self.png  # what a headless run (CI) keeps
        return bundle
