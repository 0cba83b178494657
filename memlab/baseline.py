"""The natural baseline: how close real images the models never saw already sit to the training set.

For test images (never used in training) we find the nearest training image, exactly as for a
generated sample. If a threshold flags many of *these* as copies, it flags ordinary resemblance,
not memorization.
"""

import functools
import time
from dataclasses import dataclass

import numpy as np

from . import data, zoo
from .disk_cache import remembered
from .metrics import copy_shares
from .pipeline import data_key, find_nearest, training_index
from .pixels import as_unit_images
from .registry import classifier_id, get_spec
from .search import SKETCH_DIMS

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
    def compute():
        nearest = find_nearest(unseen_images(dataset, n, seed), dataset, model_id, k=1, scope=scope)
        return {"distances": nearest.result.rmse_article[:, 0]}

    # kept on disk for every later kernel: naming the class of 2 000 images alone takes ~0.7 s
    key = {**data_key(dataset), "classifier": _classifier_sha(dataset), "n": n, "seed": seed, "scope": scope,
           "subset": None if model_id is None else data.indices_sha256(zoo.load(model_id).subset_indices)}
    distances = remembered(f"baseline-{dataset}", key, compute)["distances"]
    distances.flags.writeable = False   # cached: shared by every caller
    return distances


def _classifier_sha(dataset: str) -> str | None:
    """The weights sha256 of the classifier that picks "same class" (``zoo.load`` checks it against the file)."""
    card = zoo.card(classifier_id(dataset))
    return card and card.get("weights_sha256")


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
    """The ``Look`` of the baseline's ``n`` real unseen test images: the range real images reach
    (kept on disk, like the baseline)."""
    key = {**data_key(dataset), "n": n, "seed": seed, "sketch_dims": SKETCH_DIMS}
    arrays = remembered(f"look-{dataset}", key, lambda: vars(look(unseen_images(dataset, n, seed), dataset)))
    return Look(**arrays)


def prepare(dataset: str) -> dict[str, float]:
    """Build (or load) everything a first judgement on ``dataset`` needs: the index of its whole train split,
    the baseline in both scopes and the typical look; kept on disk (``memlab.disk_cache``), so that every
    later kernel on this machine finds them. Returns the seconds each part took."""
    from .pipeline import SCOPES
    from .registry import GENERATORS, MODELS

    subsets = [m for m in GENERATORS if MODELS[m].dataset == dataset and MODELS[m].train_size < 60000
               and zoo.is_trained(m)]     # each searches its own training images: a baseline of its own
    seconds, start = {}, time.perf_counter()
    for what, build in [("search index", lambda: training_index(dataset)),
                        *[(f"baseline ({scope})", lambda scope=scope: baseline_distances(dataset, scope=scope))
                          for scope in SCOPES],
                        ("typical look", lambda: typical_look(dataset)),
                        (f"{len(subsets)} small models' baselines",
                         lambda: [baseline_distances(dataset, scope=scope, model_id=m) for m in subsets
                                  for scope in SCOPES])]:
        build()
        seconds[what], start = time.perf_counter() - start, time.perf_counter()
    return seconds


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
