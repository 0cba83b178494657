"""Lesson 01's widget: add sigma grey levels of noise to a training image and watch the verdict change.

The point: the demo's "perfect copy" and "near copy" are distances, not identities. The noisy image is
always made from the same training image, yet past a few grey levels of noise it stops being a
"perfect copy", and past about 35 it is called "novel" while its nearest training image is still the
one it was made from.
"""

import html

import ipywidgets as w
from matplotlib.figure import Figure

from memlab import zoo
from memlab.dashboard.widgets.lesson_figure import FigureWidget
from memlab.dashboard.widgets.tiles import VERDICT_COLOURS, verdict_html
from memlab.data import datasets as data
from memlab.judgement import judge
from memlab.judging.training_set import whole_split
from memlab.number_format import count
from memlab.teaching.lessons import add_grey_noise


def noise_figure(original, noisy, nearest, judgement, sigma: float) -> Figure:
    """Three images in a row: the training image, it plus noise, and the nearest training image found."""
    figure = Figure(figsize=(7.5, 2.9))
    axes = figure.subplots(1, 3)
    titles = (
        "the training image",
        f"plus noise, sigma = {sigma:g} grey levels",
        f"nearest training image found\n(index {judgement.nearest_index})",
    )
    for ax, image, title in zip(axes, (original, noisy, nearest), titles):
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    colour = VERDICT_COLOURS.get(judgement.verdict, "black")
    figure.suptitle(
        f"Verdict: {judgement.verdict} (article-scale RMSE {judgement.rmse_article:.5f})",
        color=colour,
        fontsize=12,
        fontweight="bold",
    )
    figure.tight_layout()
    return figure


class NoiseSlider(FigureWidget):
    """A slider over sigma (grey levels) that judges the noisy image against the whole training set.

    Args:
        dataset: ``"mnist"`` or ``"fashion"``.
        index: which training image to add noise to.
        sigma: the slider's first value.
        seed: the noise's seed (the same for every sigma, so only its size changes).
        main: mark it as the lesson's main widget.
    """

    def __init__(self, dataset: str = "mnist", index: int = 0, sigma: float = 0, seed: int = 0, main: bool = False):
        self.dataset, self.index, self.seed = dataset, index, seed
        self.train = data.load(dataset, "train")
        self.sigma = w.IntSlider(
            value=sigma,
            min=0,
            max=80,
            step=1,
            description="noise σ (grey levels)",  # also the handle's name (FigureWidget's script)
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.controls = [self.sigma]
        self.judgement = None
        self._build(main)

    def alt_text(self) -> str:
        j, sigma = self.judgement, self.sigma.value
        same = "the one it was made from" if j.nearest_index == self.index else "a different one"
        return (
            f"Three pictures side by side: training image {self.index}; the same image with noise of "
            f"σ = {sigma} grey levels added; and the nearest training image found, image {j.nearest_index}, "
            f"{same}. Title: verdict {j.verdict}."
        )

    def draw(self):
        original = self.train.images[self.index]
        noisy = add_grey_noise(original, self.sigma.value, self.seed)
        (self.judgement,) = judge(noisy, whole_split(self.dataset), zoo.classifier(self.dataset), scope="whole set")
        nearest = self.judgement.nearest_image
        same = (
            "the very image we started from"
            if self.judgement.nearest_index == self.index
            else "a different training image"
        )
        found = f"The nearest of {count(self.judgement.searched)} training images is {same}."
        sentence = (
            f"σ = {self.sigma.value} grey levels: verdict '{self.judgement.verdict}'. {found} "
            + self.judgement.sentence()
        )
        produced_by = f"Training image {self.index} plus σ = {self.sigma.value} grey levels of noise (seed {self.seed})"
        shown = verdict_html(self.judgement, produced_by) + f"<p>{html.escape(found)}</p>"
        return noise_figure(original, noisy, nearest, self.judgement, self.sigma.value), sentence, shown
