"""Lesson 07's widget: move a threshold over the denoising losses of members and unseen images, and see
the true and false positive rates move and the ROC point follow."""

import ipywidgets as w
import numpy as np

from memlab.analyses.membership_plots import losses_and_roc, rates_at
from memlab.dashboard.widgets.lesson_figure import FigureWidget
from memlab.number_format import percent


class LossThresholdExplorer(FigureWidget):
    """A threshold slider (as a quantile of all scores) over one or more ``memlab.analyses.membership.Membership``.

    Args:
        results: ``{label: Membership}``.
        main: mark it as the lesson's main widget.
    """

    def __init__(self, results: dict, main: bool = False):
        self.results = results
        self.model = w.Dropdown(options=list(results), value=list(results)[0], description="model")
        self.calibrated = w.Checkbox(
            value=False,
            description="calibrated by the 60 000-image model",
            disabled=not self._result().ref_loss,
            indent=False,
            layout=w.Layout(width="auto"),  # the whole label, never cut
        )
        # the slider's position is the share of all scores below the threshold; the label beside it shows that
        # share as every number is written ("62 %", memlab.number_format: ipywidgets' own readout says "62%")
        self.position = w.FloatSlider(
            value=0.5,
            min=0.0,
            max=1.0,
            step=0.01,
            description="threshold: share of all losses below it",
            readout=False,
            continuous_update=False,
            style={"description_width": "initial"},
            layout=w.Layout(width="min(100%, 460px)"),
        )
        self.readout = w.Label(percent(self.position.value))
        self.position.observe(lambda change: setattr(self.readout, "value", percent(change["new"])), names="value")
        self.controls = [self.model, self.position, self.calibrated]
        self.model.observe(self._model_changed, names="value")
        self._build(main)
        row = self.widget.children[0]  # the controls' row: the readout beside its slider, not a control itself
        row.children = (self.model, self.position, self.readout, self.calibrated)

    def _result(self):
        return self.results[self.model.value]

    def _model_changed(self, _change):
        has_reference = bool(self._result().ref_loss)
        self.calibrated.disabled = not has_reference
        if not has_reference:
            self.calibrated.value = False

    def threshold(self) -> float:
        """The slider's position as a score: that quantile of members' and non-members' scores together."""
        r, calibrated = self._result(), self.calibrated.value and bool(self._result().ref_loss)
        both = np.concatenate([r.scores("members", calibrated), r.scores("non_members", calibrated)])
        return float(np.quantile(both, self.position.value))

    def rates(self) -> tuple[float, float]:
        r, calibrated = self._result(), self.calibrated.value and bool(self._result().ref_loss)
        return rates_at(r.scores("members", calibrated), r.scores("non_members", calibrated), self.threshold())

    def draw(self):
        r, calibrated = self._result(), self.calibrated.value and bool(self._result().ref_loss)
        threshold = self.threshold()
        tpr, fpr = self.rates()
        sentence = (
            f"Calling every image with a score of at most {threshold:.4g} a member catches {percent(tpr)} of the "
            f"{len(r.rows['members'])} training images (true positives) and wrongly accuses {percent(fpr)} of the "
            f"{len(r.rows['non_members'])} unseen test images (false positives)."
        )
        return losses_and_roc(r, threshold, calibrated), sentence, None
