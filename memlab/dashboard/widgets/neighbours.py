"""Lesson 04's widget: browse a sample's k nearest training images, with difference maps.

Pick a sample and a search scope ("same class" or "whole set"); the figure shows the sample, its k
nearest training images, and under each the difference map |sample - training image| with the
distance on both scales (0-1 RMSE and the article's scale) and the demo's verdict.
"""

import ipywidgets as w
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure

from memlab.dashboard.widgets.lesson_figure import FigureWidget
from memlab.dashboard.widgets.tiles import VERDICT_COLOURS, difference_map, verdict_html
from memlab.data import datasets as data
from memlab.judging.metrics import to_article, verdict
from memlab.judging.nearest import SCOPES
from memlab.number_format import count

DIFFERENCE_COLOURS = ["black", "red", "yellow"]  # the colours of images.difference_map, 0 -> 0.5 -> 1


def neighbour_figure(sample, result, train_images, title: str) -> Figure:
    """The sample and its neighbours (top row) above the difference maps (bottom row).

    Args:
        sample: (28, 28) image on 0..1.
        result: a ``SearchResult`` for this one sample (arrays shaped (1, k)).
        train_images: the dataset's train split as uint8, (60000, 28, 28).
        title: the figure's title.
    """
    k = result.indices.shape[1]
    figure = Figure(figsize=(1.75 * (k + 1), 3.9))
    axes = figure.subplots(2, k + 1)
    for ax in axes.ravel():
        ax.set_xticks([]), ax.set_yticks([])
    axes[0, 0].imshow(sample, cmap="gray", vmin=0, vmax=1)
    axes[0, 0].set_title("the sample", fontsize=9, fontweight="bold")
    axes[1, 0].axis("off")
    axes[1, 0].text(0.5, 0.75, "difference maps\n|sample - neighbour|", ha="center", va="center", fontsize=8)
    for j in range(k):
        neighbour = train_images[result.indices[0, j]] / 255.0
        rmse = float(result.rmse[0, j])
        label = verdict(float(to_article(rmse)))
        axes[0, j + 1].imshow(neighbour, cmap="gray", vmin=0, vmax=1)
        axes[0, j + 1].set_title(f"{j + 1}. #{result.indices[0, j]} (class {result.labels[0, j]})", fontsize=8)
        axes[1, j + 1].imshow(difference_map(sample, neighbour))
        axes[1, j + 1].set_xlabel(
            f"0-1: {rmse:.4f}\narticle: {to_article(rmse):.5f}\n{label}", fontsize=8, color=VERDICT_COLOURS[label]
        )
    scale = ScalarMappable(Normalize(0, 1), LinearSegmentedColormap.from_list("difference", DIFFERENCE_COLOURS))
    colourbar = figure.colorbar(scale, cax=axes[1, 0].inset_axes([0.1, 0.3, 0.8, 0.1]), orientation="horizontal")
    colourbar.set_label("0 = equal ... 1 = opposite", fontsize=7)
    colourbar.ax.tick_params(labelsize=7)
    figure.suptitle(title, fontsize=10)
    return figure


class NeighbourBrowser(FigureWidget):
    """Browse the k nearest training images of each of ``samples``.

    Args:
        samples: (N, 28, 28) images on 0..1 (e.g. a model's seeded samples).
        model: whose training images to search: ``zoo.open(id)`` (exactly the images it saw).
        k: neighbours shown.
        main: mark it as the lesson's main widget (CSS class ``memlab-main-widget``).
    """

    def __init__(self, samples, model, k: int = 4, main: bool = False):
        self.samples, self.k, self.model = np.asarray(samples), k, model
        self.made_by = model.label
        self.train_images = data.load(model.dataset, "train").images
        self.sample_slider = w.IntSlider(
            value=0, min=0, max=len(self.samples) - 1, description="sample", continuous_update=False
        )
        self.scope = w.ToggleButtons(options=SCOPES, value=SCOPES[0], description="search")
        self.controls = [self.sample_slider, self.scope]
        self._build(main)

    def draw(self):
        index, scope = self.sample_slider.value, self.scope.value
        (judgement,) = self.model.judge(self.samples[index], self.k, scope)
        how = "whole set, too few of its class" if judgement.whole_set_fallback else scope
        searched = f"{count(judgement.searched)} training images compared" + (
            f", class {judgement.class_name}" if how == "same class" else ""
        )
        title = f"Sample {index} of {self.made_by}: its {self.k} nearest training images\n({how} search: {searched})"
        figure = neighbour_figure(self.samples[index], judgement.neighbours, self.train_images, title)
        sentence = (
            f"Sample {index}: nearest training image #{judgement.nearest_index}, RMSE "
            f"{judgement.rmse:.4f} (0-1 scale) = {judgement.rmse_article:.5f} (article scale): "
            f"{judgement.verdict}. {judgement.sentence()}"
        )
        return figure, sentence, verdict_html(judgement, f"sample {index} of {self.made_by}")
