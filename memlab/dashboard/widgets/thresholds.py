"""Lesson 05's widget: move a copy threshold and see whom it flags, samples AND unseen images.

The base-rate lesson: a threshold that flags many of a model's samples is only evidence of copying
if it flags far fewer real test images, which the model never saw and so cannot have copied.
"""

import ipywidgets as w
import numpy as np
from matplotlib.figure import Figure

from memlab.dashboard.widgets.lesson_figure import FigureWidget
from memlab.judging.metrics import ARTICLE_PER_UNIT, NEAR_COPY, PERFECT_COPY
from memlab.number_format import percent

DEMO_THRESHOLDS = ((PERFECT_COPY, "perfect copy", "#b00020"), (NEAR_COPY, "near copy", "#e07000"))
# The slider starts between the demo's two thresholds, on its grid (10 ** -2.5): starting on 0.006 drew
# "your threshold" over the demo's "near copy" line and hid it.
START_THRESHOLD = 10**-2.5


def flagged(distances, threshold: float) -> tuple[int, float]:
    """How many of ``distances`` fall under ``threshold``, and what share (0..1)."""
    below = np.asarray(distances) < threshold
    return int(below.sum()), float(below.mean())


def threshold_figure(samples, unseen, threshold: float, model_id: str) -> Figure:
    """Histograms (log axis) of the samples' and the unseen images' nearest-training distances, with
    the demo's thresholds and ``threshold`` drawn."""
    everything = np.concatenate([samples, unseen])
    bins = np.geomspace(max(everything.min(), 1e-6) * 0.9, everything.max() * 1.1, 40)
    figure = Figure(figsize=(7.5, 3.8))
    ax = figure.subplots()
    ax.hist(unseen, bins=bins, alpha=0.5, color="grey", label=f"unseen test images ({len(unseen)})")
    ax.hist(samples, bins=bins, alpha=0.6, color="#1f5fbf", label=f"samples of {model_id} ({len(samples)})")
    for value, name, colour in DEMO_THRESHOLDS:
        ax.axvline(value, color=colour, linestyle="--", label=f"the demo's '{name}' threshold ({value})")
    ax.axvline(threshold, color="black", linewidth=2.5, label=f"your threshold ({threshold:.4f})")
    ax.axvspan(bins[0], threshold, color="black", alpha=0.07)
    ax.set_xscale("log")
    ax.set_xlabel("RMSE to the nearest training image (article scale, log axis)")
    ax.set_ylabel("number of images")
    ax.set_title("Everything left of your threshold is called a copy", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    return figure


class ThresholdExplorer(FigureWidget):
    """A threshold slider over the audits of one or more models.

    Args:
        audits: ``{model_id: memlab.analyses.audit.Audit}``; each brings its samples and its unseen test images.
        main: mark it as the lesson's main widget (CSS class ``memlab-main-widget``).
    """

    def __init__(self, audits: dict, main: bool = False):
        self.audits = audits
        self.threshold = w.FloatLogSlider(
            value=START_THRESHOLD,
            base=10,
            min=-4,
            max=-1.5,
            step=0.05,
            readout_format=".4f",
            description="threshold",
            continuous_update=False,
        )
        self.model = w.Dropdown(options=list(audits), value=list(audits)[0], description="model")
        self.controls = [self.threshold, self.model]
        self._build(main)

    def counts(self) -> dict:
        """For the current model and threshold: how many samples and unseen images it flags."""
        audit = self.audits[self.model.value]
        return {
            "samples": flagged(audit.samples.nearest_article, self.threshold.value),
            "unseen": flagged(audit.baseline.nearest_article, self.threshold.value),
        }

    def draw(self):
        audit, threshold = self.audits[self.model.value], self.threshold.value
        counts = self.counts()
        (n_samples, samples), (n_unseen, unseen) = counts["samples"], counts["unseen"]
        sentence = (
            f"Threshold {threshold:.4f} (article scale) = {threshold / ARTICLE_PER_UNIT:.3f} (0-1 scale) "
            f"calls {n_samples} of {len(audit.samples.rmse)} samples ({percent(samples)}) copies, and "
            f"{n_unseen} of {len(audit.baseline.rmse)} real unseen test images ({percent(unseen)}), "
            "which the model cannot have copied."
        )
        if unseen > 0 and samples <= unseen:
            sentence += " It flags the unseen images at least as often: here it measures resemblance, not copying."
        figure = threshold_figure(
            audit.samples.nearest_article, audit.baseline.nearest_article, threshold, audit.model_id
        )
        return figure, sentence, None
