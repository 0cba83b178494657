"""The natural baseline: how close real images the models never saw already sit to the training set.

For test images (never used in training) we find the nearest training image, exactly as for a
generated sample. If a threshold flags many of *these* as copies, it flags ordinary resemblance,
not memorization.
"""

import functools
from dataclasses import dataclass

import numpy as np

from . import data
from .metrics import copy_shares
from .pipeline import find_nearest, training_index
from .pixels import as_unit_images
from .registry import get_spec

QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9)


def unseen_images(dataset: str, n: int, seed: int = 0) -> np.ndarray:
    """``n`` test images (never trained on), chosen by ``seed``, in dataset order: (n, 28, 28) uint8."""
    test = data.load(dataset, "test")
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= len(test):
        raise ValueError(f"n must be between 1 and {len(test)} test images, got {n!r}.")
    return test.images[np.sort(np.random.default_rng(seed).choice(len(test), size=int(n), replace=False))]


def baseline_distances(dataset: str, n: int = 2000, seed: int = 0, scope: str = "same class",
                       model_id: str | None = None) -> np.ndarray:
    """Article-scale RMSE from ``n`` seeded test images to their nearest training image.

    The test images go through exactly the search a generated sample goes through
    (``pipeline.find_nearest`` with the same ``model_id`` and ``scope``: the class the classifier
    *predicts*, never the true label), so a sample and the baseline are always measured alike.
    """
    if model_id is not None and get_spec(model_id).dataset == dataset and get_spec(model_id).train_size == 60000:
        model_id = None   # every model trained on the whole split searches the same index: one baseline
    return _baseline_distances(dataset, n, seed, scope, model_id)


@functools.lru_cache(maxsize=32)
def _baseline_distances(dataset, n, seed, scope, model_id) -> np.ndarray:
    nearest = find_nearest(unseen_images(dataset, n, seed), dataset, model_id, k=1, scope=scope)
    distances = nearest.result.rmse_article[:, 0]
    distances.flags.writeable = False   # cached: shared by every caller
    return distances


@dataclass(frozen=True)
class Look:
    """Three distances (0-1 RMSE) that say whether images look like a dataset's images at all, one per image."""

    nearest: np.ndarray      # to the nearest image of the whole train split
    blank: np.ndarray        # to an empty (black) picture: what the nearest image must clearly beat
    unexplained: np.ndarray  # the part outside the 96 principal directions along which training images vary


def look(images, dataset: str) -> Look:
    """Measure ``images`` against the dataset's whole train split (not a model's subset: the question is
    whether they look like the dataset, whoever made them)."""
    unit = as_unit_images(images).reshape(-1, 28 * 28)
    nearest = find_nearest(unit.reshape(-1, 28, 28), dataset, k=1, scope="whole set").result.rmse[:, 0]
    sketch, _ = training_index(dataset).sketch.project(unit)      # [z, r]: r is the unexplained length
    return Look(nearest, np.sqrt((unit.astype(np.float64) ** 2).mean(axis=1)), sketch[:, -1] / 28.0)


@functools.lru_cache(maxsize=4)
def typical_look(dataset: str, n: int = 2000, seed: int = 0) -> Look:
    """The ``Look`` of the baseline's ``n`` real unseen test images: the range real images reach."""
    return look(unseen_images(dataset, n, seed), dataset)


def summarize(distances: np.ndarray) -> dict:
    """Quantiles and the shares under the article's thresholds."""
    return {
        "n": int(len(distances)),
        "median": float(np.median(distances)),
        "quantiles": {str(q): float(np.quantile(distances, q)) for q in QUANTILES},
        **copy_shares(distances),
    }


def percentile_of(value: float, distances: np.ndarray) -> float:
    """The share of baseline images (0..1) that sit closer to the training set than ``value``."""
    return float((np.asarray(distances) < value).mean())
