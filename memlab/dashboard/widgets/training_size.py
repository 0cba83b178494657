"""Lesson 06's widget: slide the training-set size and watch copies appear or vanish.

For each audited model (MNIST diffusion trained on 1 ... 60 000 images) it shows a row of samples
above their nearest training images, and what each criterion says about the samples beside what it
says about real unseen test images (the natural baseline).
"""

import ipywidgets as w
import numpy as np
from matplotlib.figure import Figure

from memlab.dashboard.widgets.lesson_figure import FigureWidget
from memlab.data import datasets as data
from memlab.judging.criteria import CRITERIA
from memlab.models.registry import get_spec
from memlab.number_format import count
from memlab.number_format import percent as as_percent

CRITERION_WORDS = {
    "perfect_copy": "perfect copy (fixed threshold)",
    "near_copy": "near copy (fixed threshold)",
    "nearest_ratio": "nearest/second ratio < 1/3",
    "calibrated_distance": "calibrated distance < 1",
}


def percent(share) -> str:
    """A share (0..1) in words; None: the criterion does not apply (one training image)."""
    return "n/a" if share is None else as_percent(share)


def pairs_figure(audit, train_images, shown: int = 8) -> Figure:
    """The first ``shown`` samples of an audit (top) above their nearest training images (bottom)."""
    side = audit.samples
    figure = Figure(figsize=(1.2 * shown, 3.1))
    axes = figure.subplots(2, shown, squeeze=False)
    for j in range(shown):
        for ax in axes[:, j]:
            ax.set_xticks([]), ax.set_yticks([])
        axes[0, j].imshow(side.images[j], cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_title(f"sample {j}", fontsize=8)
        axes[1, j].imshow(train_images[side.neighbours[j, 0]], cmap="gray", vmin=0, vmax=255)
        axes[1, j].set_xlabel(f"{side.nearest_article[j]:.4f}", fontsize=8)
    axes[0, 0].set_ylabel("generated", fontsize=9)
    axes[1, 0].set_ylabel("nearest\ntraining image", fontsize=9)
    size = get_spec(audit.model_id).train_size
    figure.suptitle(
        f"Trained on {count(size)} image{'s' if size != 1 else ''}: samples (top) and the nearest of "
        "the images the model saw (bottom; article-scale RMSE under each)",
        fontsize=9,
    )
    return figure


class TrainingSizeExplorer(FigureWidget):
    """A slider over training-set sizes.

    Args:
        audits: ``memlab.analyses.audit.Audit`` objects of models trained on different numbers of images
            (e.g. the MNIST diffusion models of the curve), in any order.
        main: mark it as the lesson's main widget (CSS class ``memlab-main-widget``).
    """

    def __init__(self, audits: list, main: bool = False):
        ordered = sorted(audits, key=lambda a: get_spec(a.model_id).train_size)
        self.audits = {count(get_spec(a.model_id).train_size): a for a in ordered}
        self.train_images = data.load(get_spec(ordered[0].model_id).dataset, "train").images
        self.size = w.SelectionSlider(
            options=list(self.audits), value=list(self.audits)[0], description="trained on", continuous_update=False
        )
        self.controls = [self.size]
        self._build(main)

    def shares(self) -> dict:
        """For the selected model: each criterion's share of samples and of unseen test images."""
        audit = self.audits[self.size.value]
        samples, unseen = audit.samples.summary()["share"], audit.baseline.summary()["share"]
        return {c: (samples[c], unseen[c]) for c in CRITERIA}

    def draw(self):
        audit = self.audits[self.size.value]
        shares = self.shares()
        rows = "".join(
            f"<tr><td>{CRITERION_WORDS[c]}</td><td><b>{percent(s)}</b></td><td>{percent(u)}</td></tr>"
            for c, (s, u) in shares.items()
        )
        table = (
            "<table style='border-collapse:collapse'><tr><th style='text-align:left'>criterion</th>"
            f"<th>samples called copies ({len(audit.samples.rmse)})</th>"
            f"<th>unseen test images called copies ({len(audit.baseline.rmse)})</th></tr>{rows}</table>"
        )
        (perfect, perfect_unseen), (near, near_unseen) = shares["perfect_copy"], shares["near_copy"]
        images = "image" if self.size.value == "1" else "images"
        # every perfect copy is also under the near-copy threshold: name the perfect copies first
        sentence = (
            f"Trained on {self.size.value} {images}: {percent(perfect)} of the samples are perfect copies "
            f"and {percent(near)} are under the near-copy threshold (perfect copies included), against "
            f"{percent(perfect_unseen)} and {percent(near_unseen)} of real unseen images; median distance of "
            f"a sample to its nearest training image {np.median(audit.samples.nearest_article):.4f} "
            "(article scale)."
        )
        return pairs_figure(audit, self.train_images), sentence, f"<p>{sentence}</p>{table}"
