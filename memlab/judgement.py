"""One image, one verdict, said plainly: is it a copy, and how does it compare with real unseen images?

Every place that shows a verdict (the dashboard, the lessons, the upload search, "your own image")
calls ``judge``: it searches exactly the training images a model saw, applies the demo's thresholds
(``memlab.metrics``), and places the distance among the natural baseline (``memlab.baseline``): the
distances of real *unseen* test images to their nearest training image, searched by the same
``pipeline.find_nearest`` call. Before any of that, it asks whether the image looks like the dataset at
all (``memlab.criteria.unlike_the_data``): noise, an empty picture or shuffled pixels get
"not like the dataset", never "novel".
"""

from dataclasses import dataclass

import numpy as np

from . import criteria
from .baseline import baseline_distances, look, typical_look
from .data import DATASETS
from .metrics import verdict as threshold_verdict
from .pipeline import SCOPES, find_nearest

NOT_LIKE_THE_DATA = "not like the dataset"
NO_EVIDENCE = "no evidence of copying"
# A "copy" by the demo's thresholds is no evidence of copying when at least this share of real unseen
# images (never trained on) sit as close to a training image: then the threshold flags resemblance.
ORDINARY_SHARE = 0.01


@dataclass(frozen=True)
class Judgement:
    """What memlab concludes about one image."""

    dataset: str               # "mnist" or "fashion"
    model_id: str | None       # whose training images were searched (None: the whole train split)
    scope: str                 # "same class" or "whole set"
    searched: int              # how many training images were compared with this image
    nearest_index: int         # dataset index (train split) of the nearest training image
    rmse: float                # to the nearest, 0-1 scale
    rmse_article: float        # to the nearest, the article's scale (grey levels / 4095)
    verdict: str               # "perfect copy", "near copy", "novel" or "not like the dataset"
    looks_like_data: bool      # False: unlike real unseen images (see criteria.unlike_the_data)
    closer_than: float         # share (0..1) of unseen test images farther from their nearest training image
    baseline_n: int            # how many unseen test images make the baseline
    predicted_label: int | None
    confidence: float | None
    unlike_reason: str | None = None   # why it does not look like the dataset: "far", "empty", "unstructured"
    whole_set_fallback: bool = False   # "same class" asked, but too few images of that class: all were searched

    @property
    def class_name(self) -> str | None:
        return None if self.predicted_label is None else DATASETS[self.dataset][1][self.predicted_label]

    @property
    def as_close_share(self) -> float:
        """Share (0..1) of the unseen test images that sit at least as close to a training image."""
        return 1.0 - self.closer_than

    @property
    def headline(self) -> str:
        """What the verdict panel says in large letters: the demo's verdict, except that a "copy" whose
        distance real unseen images often reach is "no evidence of copying" (``ORDINARY_SHARE``)."""
        if self.verdict in ("perfect copy", "near copy") and self.as_close_share >= ORDINARY_SHARE:
            return NO_EVIDENCE
        return self.verdict

    def verdict_phrase(self) -> str:
        """The demo's verdict in a sentence: "a perfect copy", "a near copy", "novel", "not like the dataset"."""
        return f"a {self.verdict}" if self.verdict in ("perfect copy", "near copy") else self.verdict

    def search_words(self) -> str:
        """How this image was searched, in words: the scope, and why "same class" became the whole set."""
        if self.scope == "whole set":
            return "whole set (every class)"
        if self.whole_set_fallback:
            return (f"every class: this model learned from too few images of class {self.class_name} to compare "
                    f"with that class alone, so all {self.searched:,} of its training images were compared")
        return "same class only"

    def sentence(self) -> str:
        """Where the distance sits among real unseen images, in one sentence a 15-year-old can read."""
        things = "digits" if self.dataset == "mnist" else "pieces of clothing"
        if not self.looks_like_data:
            why = {"far": f"it is farther from every training image than any of {self.baseline_n:,} real unseen "
                          f"{things} is",
                   "empty": "no training image is much closer to it than an empty black picture is",
                   "unstructured": f"it is mostly made of patterns that real {things} never have (like noise)"}
            return f"This image does not look like the dataset at all: {why[self.unlike_reason]}."
        unseen = f"{self.baseline_n:,} real unseen {things}"     # test images, never trained on
        share = self.closer_than
        if share == 1:
            return f"It is closer to a training image than all {unseen} are to theirs."
        if share > 0.99:
            return f"It is closer to a training image than more than 99 % of {unseen} are to theirs."
        if share == 0:
            return f"All {unseen} are at least as close to a training image as this one is."
        if share < 0.01:
            return f"More than 99 % of {unseen} are at least as close to a training image as this one is."
        return f"It is closer to a training image than {share:.0%} of {unseen} are to theirs."


def judge(images, dataset: str, model_id: str | None = None, k: int = 5, scope: str = "same class"):
    """Search each image's ``k`` nearest training images and judge it.

    Args:
        images: one image or a batch (see ``memlab.pixels.as_unit_images``).
        dataset: ``"mnist"`` or ``"fashion"``.
        model_id: search exactly this model's training images (default: the whole train split).
        k: neighbours to return per image.
        scope: ``"same class"`` (the class the classifier predicts) or ``"whole set"``.

    Returns:
        ``(SearchResult, [Judgement, ...])``, one judgement per image.
    """
    nearest = find_nearest(images, dataset, model_id, k, scope)
    result = nearest.result
    base = baseline_distances(dataset, scope=scope, model_id=model_id)
    reasons = criteria.unlike_the_data(look(images, dataset), typical_look(dataset, n=len(base)))
    judgements = []
    for q in range(len(result.indices)):
        article, looks = float(result.rmse_article[q, 0]), reasons[q] is None
        judgements.append(Judgement(
            dataset, model_id, scope, int(nearest.searched_per_query[q]), int(result.indices[q, 0]),
            float(result.rmse[q, 0]), article, threshold_verdict(article) if looks else NOT_LIKE_THE_DATA, looks,
            float((base > article).mean()), len(base), int(nearest.labels[q]), float(nearest.confidences[q]),
            reasons[q], bool(nearest.whole_set_fallback[q])))
    return result, judgements
