"""The nearest training images of a query, searched among exactly what a model saw: the one search behind
every verdict, audit, baseline and figure in memlab (``memlab.judgement`` wraps it into a verdict).
"""

from dataclasses import dataclass

import numpy as np

from memlab.data.pixels import as_unit_images
from memlab.judging.search import SearchResult

SCOPES = ("same class", "whole set")


@dataclass(frozen=True)
class Nearest:
    """The nearest training images of a batch of queries, and how they were searched."""

    result: SearchResult  # (Q, k) neighbours, nearest first
    labels: np.ndarray  # (Q,) the class the classifier predicts for each query (both scopes)
    confidences: np.ndarray  # (Q,) the classifier's probability for that class
    scope: str  # "same class" or "whole set"
    searched: int  # training images the search could draw from (the model's whole set)
    searched_per_query: np.ndarray  # (Q,) images actually compared with each query
    whole_set_fallback: np.ndarray  # (Q,) True where "same class" searched the whole set (see find_nearest)
    what: str  # plain words, e.g. "the 300 MNIST training images of MNIST-diffusion-..."


def find_nearest(queries, saw, k: int = 1, scope: str = "same class", classifier=None, predicted=None) -> Nearest:
    """The ``k`` nearest training images of each query among ``saw``, by exact RMSE search.

    Args:
        queries: images (see ``memlab.data.pixels.as_unit_images``).
        saw: what to search, a ``TrainingSet``: ``zoo.open(id).saw`` (exactly a model's training images)
            or ``training_set.whole_split(dataset)``.
        k: neighbours per query (at most the number of images searched).
        scope: ``"whole set"`` searches every training image; ``"same class"`` only those of the class the
            classifier predicts for the query. The same-class rule: where the predicted class has fewer
            than ``k`` images among those searched (absent, in a small subset), that query is searched
            over the whole set instead, and ``whole_set_fallback`` says so.
        classifier: what names each query's class (``model.classifier``, or ``zoo.classifier(dataset)``).
        predicted: ``(labels, confidences)`` already computed by ``classifier.predict(queries)`` (a caller
            that needs them too classifies once); computed here when not given.
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}.")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    queries = as_unit_images(queries)
    index = saw.index
    k = min(int(k), len(index))
    if predicted is None and classifier is None:
        raise ValueError(
            "find_nearest needs the classifier that names each query's class (classifier=...) "
            "or its predictions (predicted=...)."
        )
    labels, confidences = predicted if predicted is not None else classifier.predict(queries)
    class_size = np.array([len(index.rows_of_class.get(int(c), ())) for c in labels], dtype=np.int64)
    same = (class_size >= k) if scope == "same class" else np.zeros(len(queries), bool)
    result = index.search(queries, k=k, classes=labels) if same.all() else index.search(queries, k=k)
    if same.any() and not same.all():  # same class where possible, the whole set for the rest
        part = index.search(queries[same], k=k, classes=labels[same])
        for name in ("indices", "labels", "rmse"):
            getattr(result, name)[same] = getattr(part, name)
    if scope == "whole set":
        what = saw.words
    else:
        what = f"the training images of the predicted class among {saw.words}"
        if not same.all():
            what += (
                f" ({int((~same).sum())} of {len(same)} searched among all of them: their predicted class "
                f"has fewer than {k} images there)"
            )
    fallback = ~same if scope == "same class" else np.zeros(len(same), bool)
    return Nearest(
        result, labels, confidences, scope, len(index), np.where(same, class_size, len(index)), fallback, what
    )
