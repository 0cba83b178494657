"""The questions memlab answers, end to end: generate an image, name its class, find its nearest
training images, judge whether it is a copy. The CLI, the app and the benchmarks all call these.
"""

import functools
import time
from dataclasses import dataclass

import numpy as np
import torch

from . import zoo
from .data import check_dataset_name
from .errors import CheckpointError
from .metrics import verdict
from .pixels import as_unit_images
from .registry import classifier_id, get_spec
from .search import SearchIndex, SearchResult


@functools.lru_cache(maxsize=None)
def _dataset_index(dataset: str) -> SearchIndex:
    return SearchIndex.from_dataset(dataset)


@functools.lru_cache(maxsize=32)
def _subset_index(model_id: str) -> SearchIndex:
    model = zoo.load(model_id)
    what = f"{len(model.subset_indices)}-image {model.spec.dataset} training subset of {model_id}"
    return _dataset_index(model.spec.dataset).subset(model.subset_indices, what)


def training_index(dataset: str, model_id: str | None = None) -> SearchIndex:
    """The search index over a dataset's train split, or over exactly what ``model_id`` was trained on."""
    check_dataset_name(dataset)
    if model_id is None:
        return _dataset_index(dataset)
    spec = get_spec(model_id)
    if spec.dataset != dataset:
        raise ValueError(f"Model {model_id!r} was trained on {spec.dataset}, not {dataset}.")
    if spec.train_size == 60000:
        return _dataset_index(dataset)   # one shared index for every model trained on the whole split
    return _subset_index(model_id)


def classify(images, dataset: str):
    """Predicted class ids and confidences from the dataset's classifier."""
    try:
        classifier = zoo.load(classifier_id(dataset))
    except CheckpointError as err:
        raise CheckpointError(f"A same-class search needs the {dataset} classifier. {err} "
                              "Or search the whole set instead (--whole-set).") from err
    return classifier.predict(images)


def find_nearest(queries, dataset: str, model_id=None, k=1, whole_set=False):
    """Nearest training images of each query.

    Args:
        queries: images (see ``memlab.pixels.as_unit_images``).
        dataset: ``"mnist"`` or ``"fashion"``.
        model_id: search only that model's training subset (default: the whole train split).
        k: neighbours per query (at most the number of images searched).
        whole_set: search every class; otherwise only the class the classifier predicts. A query whose
            predicted class has fewer than k images in a model's subset is searched over the whole subset.

    Returns:
        ``(predicted_labels or None, confidences or None, SearchResult)``.
    """
    queries = as_unit_images(queries)
    index = training_index(dataset, model_id)
    k = min(k, len(index))
    labels = confidences = None
    if whole_set:
        return labels, confidences, index.search(queries, k=k)
    labels, confidences = classify(queries, dataset)
    searchable = np.array([len(index.rows_of_class.get(int(c), ())) >= k for c in labels])
    if searchable.all():
        return labels, confidences, index.search(queries, k=k, classes=labels)
    result = index.search(queries, k=k)  # whole set for all, then same class where possible
    if searchable.any():
        same = index.search(queries[searchable], k=k, classes=labels[searchable])
        for name in ("indices", "labels", "rmse"):
            getattr(result, name)[searchable] = getattr(same, name)
    return labels, confidences, result


@dataclass
class Generation:
    """One generated image and everything the dashboard shows about it."""

    model_id: str
    seed: int
    image: np.ndarray          # (28, 28) on 0..1
    predicted_label: int | None
    confidence: float | None
    neighbours: SearchResult   # top-k, shape (1, k)
    nearest_image: np.ndarray  # (28, 28) uint8, the top-1 training image
    verdict: str
    seconds: float             # generate + classify + search


def generate_and_search(model_id: str, seed: int = 0, steps=None, k: int = 5, whole_set=False,
                        on_step=None, sampler=None) -> Generation:
    """Sample one image from ``model_id`` with ``seed`` and search the model's own training images.

    ``steps`` and ``sampler`` (``"ddim"`` or ``"ddpm"``) default to the model's; GANs ignore both."""
    spec = get_spec(model_id)
    start = time.perf_counter()
    model = zoo.load(model_id)
    sample_kwargs = {"on_step": on_step} if on_step is not None else {}
    if sampler is not None:
        sample_kwargs["sampler"] = sampler
    image = model.sample(1, torch.Generator().manual_seed(int(seed)), steps, **sample_kwargs)
    labels, confidences, result = find_nearest(image, spec.dataset, model_id, k, whole_set)
    seconds = time.perf_counter() - start
    nearest = training_index(spec.dataset, model_id).image(int(result.indices[0, 0]))
    return Generation(model_id, int(seed), image[0],
                      None if labels is None else int(labels[0]),
                      None if confidences is None else float(confidences[0]),
                      result, np.round(nearest * 255).astype(np.uint8),
                      verdict(float(result.rmse_article[0, 0])), seconds)
