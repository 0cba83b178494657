"""The natural baseline: how close real images the models never saw already sit to the training set.

For test images (never used in training) we find the nearest training image, exactly as for a
generated sample. If a threshold flags many of *these* as copies, it flags ordinary resemblance,
not memorization.
"""

import functools
from dataclasses import dataclass

import numpy as np

from memlab.data import datasets as data
from memlab.data.disk_cache import load_or_compute
from memlab.data.pixels import as_unit_images
from memlab.judging.metrics import copy_shares
from memlab.judging.nearest import find_nearest
from memlab.judging.search import SKETCH_DIMS
from memlab.judging.training_set import TrainingSet, data_key, whole_split
from memlab.models import store
from memlab.models.registry import classifier_id

QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9)
BASELINE_N = 2000  # unseen test images in the baseline


def unseen_images(dataset: str, n: int, seed: int = 0) -> np.ndarray:
    """``n`` test images (never trained on), chosen by ``seed``, in dataset order: (n, 28, 28) uint8."""
    test = data.load(dataset, "test")
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= len(test):
        raise ValueError(f"n must be between 1 and {len(test)} test images, got {n!r}.")
    return test.images[np.sort(np.random.default_rng(seed).choice(len(test), size=int(n), replace=False))]


def baseline_distances(saw: TrainingSet, scope: str, classifier, n: int = BASELINE_N, seed: int = 0) -> np.ndarray:
    """Article-scale RMSE from ``n`` seeded test images to their nearest training image in ``saw``.

    Args:
        saw: the training images searched: ``zoo.open(id).saw`` (exactly what a model saw) or
            ``training_set.whole_split(dataset)``.
        scope: ``"same class"`` or ``"whole set"``.
        classifier: what picks the class a test image is searched in (``model.classifier``).

    The test images go through exactly the search a generated sample goes through (``find_nearest`` with
    the same training set and scope: the class the classifier *predicts*, never the true label), so a
    sample and the baseline are always measured alike. Kept in memory and on disk (read-only).
    """
    key = (scope, int(n), int(seed))
    if key not in saw.baselines:
        saw.baselines[key] = _baseline_distances(saw, scope, classifier, int(n), int(seed))
    return saw.baselines[key]


def _baseline_distances(saw: TrainingSet, scope, classifier, n, seed) -> np.ndarray:
    def compute():
        nearest = find_nearest(unseen_images(saw.dataset, n, seed), saw, k=1, scope=scope, classifier=classifier)
        return {"distances": nearest.result.rmse_article[:, 0]}

    # kept on disk for every later kernel: naming the class of 2 000 images alone takes ~0.7 s
    key = {
        **data_key(saw.dataset),
        "classifier": _classifier_sha(saw.dataset),
        "n": n,
        "seed": seed,
        "scope": scope,
        "subset": saw.subset_sha,
    }
    distances = np.asarray(load_or_compute(f"baseline-{saw.dataset}", key, compute)["distances"])
    distances.flags.writeable = False  # cached: shared by every caller
    return distances


def _classifier_sha(dataset: str) -> str | None:
    """The weights sha256 of the classifier that picks "same class" (checked against the file on loading)."""
    card = store.card(classifier_id(dataset))
    return card and card.get("weights_sha256")


@dataclass(frozen=True)
class Likeness:
    """Three distances (0-1 RMSE) that say whether images look like a dataset's images at all, one per image."""

    nearest: np.ndarray  # to the nearest image of the whole train split
    blank: np.ndarray  # to an empty (black) picture: what the nearest image must clearly beat
    unexplained: np.ndarray  # the part outside the 96 principal directions along which training images vary


def likeness(images, dataset: str, nearest=None) -> Likeness:
    """Measure ``images`` against the dataset's whole train split (not a model's subset: the question is
    whether they look like the dataset, whoever made them).

    ``nearest``: each image's 0-1 RMSE to the nearest image of the whole split, when a caller has already
    searched it (so it is searched once); otherwise searched here, with no classifier."""
    unit = as_unit_images(images).reshape(-1, 28 * 28)
    index = whole_split(dataset).index
    if nearest is None:
        nearest = index.search(unit.reshape(-1, 28, 28), k=1).rmse[:, 0]
    basis, _ = index.pca.project(unit)  # [z, r]: r is the unexplained length
    return Likeness(np.asarray(nearest), np.sqrt((unit.astype(np.float64) ** 2).mean(axis=1)), basis[:, -1] / 28.0)


@functools.lru_cache(maxsize=4)
def typical_likeness(dataset: str, n: int = BASELINE_N, seed: int = 0) -> Likeness:
    """The ``Likeness`` of the baseline's ``n`` real unseen test images: the range real images reach
    (kept on disk, like the baseline)."""
    key = {**data_key(dataset), "n": n, "seed": seed, "sketch_dims": SKETCH_DIMS}
    arrays = load_or_compute(f"look-{dataset}", key, lambda: vars(likeness(unseen_images(dataset, n, seed), dataset)))
    return Likeness(**arrays)


def summarize(distances: np.ndarray) -> dict:
    """Quantiles and the shares under the article's thresholds."""
    return {
        "n": int(len(distances)),
        "median": float(np.median(distances)),
        "quantiles": {str(q): float(np.quantile(distances, q)) for q in QUANTILES},
        **copy_shares(distances),
    }
