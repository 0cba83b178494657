"""The natural baseline: how close real images the models never saw already sit to the training set.

For test images (never used in training) we find the nearest training image, exactly as for a
generated sample. If a threshold flags many of *these* as copies, it flags ordinary resemblance,
not memorization.
"""

import functools

import numpy as np

from . import data
from .metrics import NEAR_COPY, PERFECT_COPY
from .pipeline import training_index

QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9)


@functools.lru_cache(maxsize=32)
def baseline_distances(dataset: str, n: int = 2000, seed: int = 0, whole_set: bool = False,
                       model_id: str | None = None) -> np.ndarray:
    """Article-scale RMSE from ``n`` seeded test images to their nearest training image.

    Searched among the whole train split, or among exactly the images ``model_id`` was trained on
    (so that a model's samples and the baseline are measured against the same set). Same-class
    search (by the test image's true label) unless ``whole_set``; a test image whose class is not in
    a model's subset is searched over the whole subset.
    """
    test = data.load(dataset, "test")
    if not 1 <= n <= len(test):
        raise ValueError(f"n must be between 1 and {len(test)} test images, got {n}.")
    rows = np.sort(np.random.default_rng(seed).choice(len(test), size=n, replace=False))
    index = training_index(dataset, model_id)
    if whole_set:
        return index.search(test.images[rows], k=1).rmse_article[:, 0]
    labels = test.labels[rows]
    in_subset = np.isin(labels, list(index.rows_of_class))
    distances = np.empty(n)
    if in_subset.any():
        distances[in_subset] = index.search(test.images[rows[in_subset]], k=1,
                                            classes=labels[in_subset]).rmse_article[:, 0]
    if not in_subset.all():
        distances[~in_subset] = index.search(test.images[rows[~in_subset]], k=1).rmse_article[:, 0]
    return distances


def summarize(distances: np.ndarray) -> dict:
    """Quantiles and the shares under the article's thresholds."""
    return {
        "n": int(len(distances)),
        "median": float(np.median(distances)),
        "quantiles": {str(q): float(np.quantile(distances, q)) for q in QUANTILES},
        "perfect_copy_share": float((distances < PERFECT_COPY).mean()),
        "near_copy_share": float((distances < NEAR_COPY).mean()),
    }


def percentile_of(value: float, distances: np.ndarray) -> float:
    """The share of baseline images (0..1) that sit closer to the training set than ``value``."""
    return float((np.asarray(distances) < value).mean())
