"""The questions memlab answers, end to end: generate an image, name its class, find its nearest
training images, judge whether it is a copy. The CLI, the app and the benchmarks all call these.
"""

import functools
import time
from dataclasses import dataclass

import numpy as np
import torch

from . import data, zoo
from .data import check_dataset_name
from .disk_cache import fingerprint, remembered
from .errors import CheckpointError
from .metrics import verdict
from .pixels import as_unit_images
from .registry import classifier_id, get_spec
from .search import SKETCH_DIMS, SearchIndex, SearchResult


@functools.lru_cache(maxsize=None)
def data_key(dataset: str) -> dict:
    """What a dataset's derived arrays depend on: the sha256 of its train and test images and labels."""
    train, test = data.load(dataset, "train"), data.load(dataset, "test")
    return {"dataset": dataset, "train": fingerprint(train.images, train.labels),
            "test": fingerprint(test.images, test.labels)}


@functools.lru_cache(maxsize=None)
def _dataset_index(dataset: str) -> SearchIndex:
    """The whole train split's index, its sketch built once per machine (``memlab.disk_cache``)."""
    built = []

    def build():
        built.append(SearchIndex.from_dataset(dataset))
        return built[0].prepared_arrays()

    prepared = remembered(f"index-{dataset}", {**data_key(dataset), "sketch_dims": SKETCH_DIMS}, build)
    if built:
        return built[0]
    train = data.load(dataset, "train")
    return SearchIndex(train.images, train.labels, None, f"{dataset} training set", prepared=prepared)


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
        raise CheckpointError(f"Naming the class of an image needs the {dataset} classifier. {err}") from err
    return classifier.predict(images)


SCOPES = ("same class", "whole set")
DATASET_WORDS = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}


@dataclass(frozen=True)
class Nearest:
    """The nearest training images of a batch of queries, and how they were searched."""

    result: SearchResult       # (Q, k) neighbours, nearest first
    labels: np.ndarray         # (Q,) the class the classifier predicts for each query (both scopes)
    confidences: np.ndarray    # (Q,) the classifier's probability for that class
    scope: str                 # "same class" or "whole set"
    searched: int              # training images the search could draw from (the model's whole set)
    searched_per_query: np.ndarray  # (Q,) images actually compared with each query
    whole_set_fallback: np.ndarray  # (Q,) True where "same class" searched the whole set (see find_nearest)
    what: str                  # plain words, e.g. "the 300 MNIST training images of MNIST-diffusion-..."


def _pool_words(dataset: str, model_id) -> str:
    name = DATASET_WORDS[dataset]
    if model_id is None:
        return f"the {len(training_index(dataset)):,} {name} training images"
    spec = get_spec(model_id)
    return f"the {len(training_index(dataset, model_id)):,} {name} training images of {spec.label}"


def find_nearest(queries, dataset: str, model_id=None, k: int = 1, scope: str = "same class") -> Nearest:
    """The ``k`` nearest training images of each query, by exact RMSE search: the one search behind every
    verdict, audit, baseline and figure in memlab.

    Args:
        queries: images (see ``memlab.pixels.as_unit_images``).
        dataset: ``"mnist"`` or ``"fashion"``.
        model_id: search exactly that model's training images (default: the whole train split).
        k: neighbours per query (at most the number of images searched).
        scope: ``"whole set"`` searches every training image; ``"same class"`` only those of the class the
            classifier predicts for the query. The same-class rule: where the predicted class has fewer
            than ``k`` images among those searched (absent, in a small subset), that query is searched
            over the whole set instead, and ``whole_set_fallback`` says so.

    Returns:
        a ``Nearest``; the classifier's prediction is computed for both scopes.
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}.")
    queries = as_unit_images(queries)
    index = training_index(dataset, model_id)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    k = min(int(k), len(index))
    labels, confidences = classify(queries, dataset)
    class_size = np.array([len(index.rows_of_class.get(int(c), ())) for c in labels], dtype=np.int64)
    same = (class_size >= k) if scope == "same class" else np.zeros(len(queries), bool)
    result = index.search(queries, k=k, classes=labels) if same.all() else index.search(queries, k=k)
    if same.any() and not same.all():  # same class where possible, the whole set for the rest
        part = index.search(queries[same], k=k, classes=labels[same])
        for name in ("indices", "labels", "rmse"):
            getattr(result, name)[same] = getattr(part, name)
    pool = _pool_words(dataset, model_id)
    if scope == "whole set":
        what = pool
    else:
        what = f"the training images of the predicted class among {pool}"
        if not same.all():
            what += (f" ({int((~same).sum())} of {len(same)} searched among all of them: their predicted class "
                     f"has fewer than {k} images there)")
    fallback = ~same if scope == "same class" else np.zeros(len(same), bool)
    return Nearest(result, labels, confidences, scope, len(index), np.where(same, class_size, len(index)),
                   fallback, what)


@dataclass
class Generation:
    """One generated image and everything the dashboard shows about it."""

    model_id: str
    seed: int
    image: np.ndarray          # (28, 28) on 0..1
    nearest: Nearest           # its k nearest training images, scope and predicted class
    nearest_image: np.ndarray  # (28, 28) uint8, the top-1 training image
    verdict: str
    seconds: float             # generate + classify + search

    @property
    def predicted_label(self) -> int:
        return int(self.nearest.labels[0])

    @property
    def confidence(self) -> float:
        return float(self.nearest.confidences[0])

    @property
    def neighbours(self) -> SearchResult:
        return self.nearest.result


def generate_and_search(model_id: str, seed: int = 0, steps=None, k: int = 5, scope: str = "same class",
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
    nearest = find_nearest(image, spec.dataset, model_id, k, scope)
    seconds = time.perf_counter() - start
    top = training_index(spec.dataset, model_id).image(int(nearest.result.indices[0, 0]))
    return Generation(model_id, int(seed), image[0], nearest, np.round(top * 255).astype(np.uint8),
                      verdict(float(nearest.result.rmse_article[0, 0])), seconds)
