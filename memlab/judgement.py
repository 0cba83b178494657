"""Is it a copy? One image, one verdict, said plainly, with its evidence.

This is memlab's one home for the question. ``sample_and_judge`` is the whole path from a seed to a
verdict, in four numbered steps; every place that shows a verdict (the dashboard, the step-through, the
warm-up, the upload search, "your own image", the CLI, the benchmarks, the lessons) calls it, or ``judge``
(steps 2 to 4) for an image it already has:

1. sample one image from the model (the same seed gives the same image);
2. classify it once (``same class`` searches the class the classifier predicts);
3. search exactly the training images the model saw (``memlab.judging.nearest.find_nearest``);
4. judge it against the natural baseline: the demo's thresholds (``memlab.judging.metrics``), where real
   *unseen* test images sit (``memlab.judging.baseline``), and whether it looks like the dataset at all
   (``memlab.judging.criteria.unlike_the_data``: noise or an empty picture get "not like the dataset", never "novel").
"""

from dataclasses import dataclass

import numpy as np

from memlab.data.datasets import DATASETS
from memlab.data.pixels import as_unit_images
from memlab.judging import criteria
from memlab.judging.baseline import baseline_distances, likeness, typical_likeness
from memlab.judging.metrics import verdict as threshold_verdict
from memlab.judging.nearest import find_nearest
from memlab.judging.search import SearchResult
from memlab.judging.training_set import TrainingSet
from memlab.number_format import count, percent

NOT_LIKE_THE_DATA = "not like the dataset"
NO_EVIDENCE = "no evidence of copying"
# A "copy" by the demo's thresholds is no evidence of copying when at least this share of real unseen
# images (never trained on) sit as close to a training image: then the threshold flags resemblance.
ORDINARY_SHARE = 0.01
# A "novel" image is also "unusual" when it is farther from every training image than at least 95 % of
# real unseen images are from theirs (the GAN's seed-0 scribble: 99.9 %; a digit 7 searched among
# Fashion-MNIST: 98-99.8 %), or when the classifier is less than 80 % sure of its class: then "novel"
# does not mean "a new digit", and the panel says so (issue 37, defect 11).
UNUSUAL_SHARE = 0.05
UNSURE_CONFIDENCE = 0.8
UNUSUAL = "novel, but unusual"


@dataclass(frozen=True, eq=False, kw_only=True)
class Judgement:
    """What memlab concludes about one image, with its evidence (nothing needs fetching again)."""

    dataset: str  # "mnist" or "fashion"
    searched_what: str  # whose training images were searched, in words (TrainingSet.words)
    scope: str  # "same class" or "whole set"
    searched: int  # how many training images were compared with this image
    nearest_index: int  # dataset index (train split) of the nearest training image
    rmse: float  # to the nearest, 0-1 scale
    rmse_article: float  # to the nearest, the article's scale (grey levels / 4095)
    verdict: str  # "perfect copy", "near copy", "novel" or "not like the dataset"
    looks_like_data: bool  # False: unlike real unseen images (see criteria.unlike_the_data)
    closer_than: float  # share (0..1) of unseen test images farther from their nearest training image
    baseline_n: int  # how many unseen test images make the baseline
    predicted_label: int | None
    confidence: float | None
    unlike_reason: str | None = None  # why it does not look like the dataset: "far", "empty", "unstructured"
    whole_set_fallback: bool = False  # "same class" asked, but too few images of that class: all were searched
    # the evidence
    image: np.ndarray | None = None  # the judged image, (28, 28) on 0..1
    neighbours: SearchResult | None = None  # its k nearest training images, (1, k), nearest first
    neighbour_images: np.ndarray | None = None  # those images, (k, 28, 28) uint8

    @property
    def nearest_image(self) -> np.ndarray:
        """The nearest training image, (28, 28) uint8."""
        return self.neighbour_images[0]

    @property
    def class_name(self) -> str | None:
        return None if self.predicted_label is None else DATASETS[self.dataset][1][self.predicted_label]

    @property
    def as_close_share(self) -> float:
        """Share (0..1) of the unseen test images that sit at least as close to a training image."""
        return 1.0 - self.closer_than

    @property
    def far_from_the_data(self) -> bool:
        """Farther from every training image than at least 95 % of real unseen images (``UNUSUAL_SHARE``)."""
        return self.looks_like_data and self.closer_than <= UNUSUAL_SHARE

    @property
    def classifier_unsure(self) -> bool:
        """The classifier names a class with less than 80 % confidence (``UNSURE_CONFIDENCE``)."""
        return self.confidence is not None and self.confidence < UNSURE_CONFIDENCE

    @property
    def headline(self) -> str:
        """What the verdict panel says in large letters: the demo's verdict, except that a "copy" whose
        distance real unseen images often reach is "no evidence of copying" (``ORDINARY_SHARE``), and a
        "novel" image far from the data or of an unsure class is "novel, but unusual" (``unusual_words``)."""
        if self.verdict in ("perfect copy", "near copy") and self.as_close_share >= ORDINARY_SHARE:
            return NO_EVIDENCE
        if self.verdict == "novel" and (self.far_from_the_data or self.classifier_unsure):
            return UNUSUAL
        return self.verdict

    def unusual_words(self) -> str:
        """Why a "novel, but unusual" image is unusual, for a 15-year-old; "" for any other headline."""
        if self.headline != UNUSUAL:
            return ""
        things = "digit" if self.dataset == "mnist" else "piece of clothing"
        reasons = []
        if self.far_from_the_data:
            farther = "almost every" if self.closer_than < 0.01 else f"{percent(1 - self.closer_than)} of the"
            reasons.append(f"it is farther from every training image than {farther} real unseen {things}s are")
        if self.classifier_unsure:
            reasons.append(
                f"the classifier is unsure what it is (it guesses {self.class_name}, only {percent(self.confidence)} sure)"
            )
        return (
            f"Not a copy, but not a typical {things} either: {' and '.join(reasons)}. It may not be a "
            f"{things} at all, so “novel” here does not mean “a new {things}”."
        )

    def verdict_phrase(self) -> str:
        """The demo's verdict in a sentence: "a perfect copy", "a near copy", "novel", "not like the dataset"."""
        return f"a {self.verdict}" if self.verdict in ("perfect copy", "near copy") else self.verdict

    def search_words(self) -> str:
        """How this image was searched, in words: the scope, and why "same class" became the whole set."""
        if self.scope == "whole set":
            return "whole set (every class)"
        if self.whole_set_fallback:
            return (
                f"every class: this model learned from too few images of class {self.class_name} to compare "
                f"with that class alone, so all {count(self.searched)} of its training images were compared"
            )
        return "same class only"

    def sentence(self) -> str:
        """Where the distance sits among real unseen images, in one sentence a 15-year-old can read."""
        things = "digits" if self.dataset == "mnist" else "pieces of clothing"
        if not self.looks_like_data:
            why = {
                "far": f"it is farther from every training image than any of {count(self.baseline_n)} real unseen "
                f"{things} is",
                "empty": "no training image is much closer to it than an empty black picture is",
                "unstructured": f"it is mostly made of patterns that real {things} never have (like noise)",
            }
            return f"This image does not look like the dataset at all: {why[self.unlike_reason]}."
        unseen = f"{count(self.baseline_n)} real unseen {things}"  # test images, never trained on
        share = self.closer_than
        if share == 1:
            return f"It is closer to a training image than all {unseen} are to theirs."
        if share > 0.99:
            return f"It is closer to a training image than more than {percent(0.99)} of {unseen} are to theirs."
        if share == 0:
            return f"All {unseen} are at least as close to a training image as this one is."
        if share < 0.01:
            return f"More than {percent(0.99)} of {unseen} are at least as close to a training image as this one is."
        return f"It is closer to a training image than {percent(share)} of {unseen} are to theirs."


def sample_and_judge(
    model,
    seed: int,
    scope: str = "same class",
    k: int = 5,
    sampler: str | None = None,
    steps: int | None = None,
    on_step=None,
) -> Judgement:
    """From a seed to a verdict: the one path every generated image takes.

    Args:
        model: ``zoo.open(id)``.
        seed: the same seed (and settings) gives the same image.
        scope: ``"same class"`` or ``"whole set"``; ``k``: neighbours kept as evidence.
        sampler, steps, on_step: the diffusion sampler's settings (``model.options``), None for a GAN.
    """
    # 1. sample one image
    image = model.sample(1, seed, sampler=sampler, steps=steps, on_step=on_step)
    # 2.-4. classify it once, search what the model saw, judge it against the baseline
    (judgement,) = judge(image, model.saw, model.classifier, k, scope)
    return judgement


def judge(images, saw: TrainingSet, classifier, k: int = 5, scope: str = "same class") -> list[Judgement]:
    """Steps 2-4 of ``sample_and_judge`` for images you already have: one ``Judgement`` per image.
    (``model.judge(images)`` is this for the images a model saw.)

    Args:
        images: one image or a batch (see ``memlab.data.pixels.as_unit_images``).
        saw: what to compare with: ``zoo.open(id).saw`` (exactly the images that model saw) or
            ``training_set.whole_split(dataset)`` (an upload, a test image).
        classifier: what names each image's class (``model.classifier``, ``zoo.classifier(dataset)``).
        k: neighbours kept per image; scope: ``"same class"`` or ``"whole set"``.
    """
    images = as_unit_images(images)
    # 2. classify once: "same class" searches the class the classifier predicts
    predicted = classifier.predict(images)
    # 3. search exactly the training images it saw
    nearest = find_nearest(images, saw, k, scope, predicted=predicted)
    result = nearest.result
    # 4. judge against the baseline: where real unseen images sit, and whether it looks like the data at all
    base = baseline_distances(saw, scope, classifier)
    searched_whole_split = scope == "whole set" and saw.is_whole_split  # then step 3 searched it already
    measured = likeness(images, saw.dataset, result.rmse[:, 0] if searched_whole_split else None)
    reasons = criteria.unlike_the_data(measured, typical_likeness(saw.dataset, n=len(base)))
    judgements = []
    for q in range(len(images)):
        article, looks = float(result.rmse_article[q, 0]), reasons[q] is None
        row = SearchResult(result.indices[q : q + 1], result.labels[q : q + 1], result.rmse[q : q + 1])
        judgements.append(
            Judgement(
                dataset=saw.dataset,
                searched_what=saw.words,
                scope=scope,
                searched=int(nearest.searched_per_query[q]),
                nearest_index=int(result.indices[q, 0]),
                rmse=float(result.rmse[q, 0]),
                rmse_article=article,
                verdict=threshold_verdict(article) if looks else NOT_LIKE_THE_DATA,
                looks_like_data=looks,
                closer_than=float((base > article).mean()),
                baseline_n=len(base),
                predicted_label=int(nearest.labels[q]),
                confidence=float(nearest.confidences[q]),
                unlike_reason=reasons[q],
                whole_set_fallback=bool(nearest.whole_set_fallback[q]),
                image=images[q],
                neighbours=row,
                neighbour_images=np.stack([saw.image(i) for i in result.indices[q]]),
            )
        )
    return judgements


def neighbours_of(judgements) -> SearchResult:
    """The neighbours of many judgements as one (Q, k) ``SearchResult`` (for a figure over a batch)."""
    return SearchResult(
        *(np.concatenate([getattr(j.neighbours, name) for j in judgements]) for name in ("indices", "labels", "rmse"))
    )
