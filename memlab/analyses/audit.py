"""The memorization audit: many seeded samples of a model, every criterion, beside the natural baseline.

``audit(MODEL_ID)`` draws N samples, finds each one's nearest training images among exactly the
images the model was trained on (the whole training set, every class, as Carlini et al. 2023 and
Gu et al. 2023 search it; one rule at every training-set size), applies every criterion of
``memlab.judging.criteria``, and does the same for N real test images the model never saw: the natural
baseline. A criterion that flags many *test* images flags resemblance, not memorization.

``curve()`` runs the audit for the MNIST diffusion models trained on 1 ... 60 000 images.
``memlab audit`` and ``memlab curve`` write the JSON and the figures (``memlab.analyses.plots``).
"""

from dataclasses import dataclass

import numpy as np

from memlab import zoo
from memlab.analyses.evaluate import generate
from memlab.judging import criteria
from memlab.judging.baseline import unseen_images
from memlab.judging.metrics import to_article
from memlab.judging.nearest import find_nearest
from memlab.models import store
from memlab.models.registry import MODELS, get_spec

QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
SCOPE = "whole set"  # every training image the model saw, whatever its class
CURVE_MODELS = [
    m
    for m, s in sorted(MODELS.items(), key=lambda item: item[1].train_size)
    if s.kind == "diffusion" and s.dataset == "mnist"
]


@dataclass
class Searched:
    """Samples (or baseline test images) with their neighbours and criteria."""

    images: np.ndarray  # (N, 28, 28) on 0..1 (samples) or uint8 (test images)
    neighbours: np.ndarray  # (N, k) dataset indices, nearest first
    rmse: np.ndarray  # (N, k) 0-1 RMSE, nearest first
    flags: dict  # criterion -> (N,) bool

    @property
    def nearest_article(self) -> np.ndarray:
        return to_article(self.rmse[:, 0])

    def summary(self) -> dict:
        ratio, calibrated = criteria.nearest_ratio(self.rmse), criteria.calibrated_distance(self.rmse)

        def quantiles(values):
            values = values[np.isfinite(values)]
            return {str(q): float(np.quantile(values, q)) for q in QUANTILES} if len(values) else None

        # a criterion that is NaN for every image does not apply (one training image): no share
        undefined = {"nearest_ratio": np.isnan(ratio).all(), "calibrated_distance": np.isnan(calibrated).all()}
        return {
            "n": len(self.rmse),
            "share": {c: None if undefined.get(c) else float(self.flags[c].mean()) for c in criteria.CRITERIA},
            "nearest_rmse_article_quantiles": quantiles(self.nearest_article),
            "nearest_rmse_unit_quantiles": quantiles(self.rmse[:, 0]),
            "nearest_ratio_quantiles": quantiles(ratio),
            "calibrated_distance_quantiles": quantiles(calibrated),
        }


@dataclass
class Audit:
    model_id: str
    seed: int
    searched: str  # what was searched, in words (nearest.Nearest.what)
    neighbours_searched: int  # k: the 50 nearest, or every training image if the model saw fewer
    samples: Searched
    baseline: Searched

    def summary(self) -> dict:
        return {
            "model": self.model_id,
            "seed": self.seed,
            "training_images": get_spec(self.model_id).train_size,
            "scope": SCOPE,
            "search": self.searched,
            "neighbours_searched": self.neighbours_searched,
            "criteria": criteria.DESCRIPTIONS,
            "samples": self.samples.summary(),
            "baseline": {
                "what": "real test images (never trained on), searched by the same find_nearest call",
                **self.baseline.summary(),
            },
        }


def _searched(images, model, k) -> tuple["Searched", str]:
    nearest = find_nearest(images, model.saw, k=k, scope=SCOPE, classifier=model.classifier)
    result = nearest.result
    return Searched(images, result.indices, result.rmse, criteria.flags(result.rmse)), nearest.what


def audit(model, n: int = 1000, seed: int = 0, progress: bool = True) -> Audit:
    """Audit ``n`` samples of ``model`` (seeded) against ``n`` test images (seeded, at most 10 000),
    both searched over the model's whole training set.

    Args:
        model: a generator of the zoo (``zoo.open(id)``).
        n: samples to draw (and test images for the baseline).
        seed: seeds the samples and the choice of test images.
    """
    if not model.is_generator:
        raise ValueError(f"{model.id} is a classifier; audit a generator ({', '.join(CURVE_MODELS[:2])}, ...).")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"--n must be a positive number of samples, got {n!r}.")
    k = min(criteria.CARLINI_NEIGHBOURS, len(model.saw))
    samples, searched = _searched(generate(model, n, seed, progress=progress), model, k)
    baseline, _ = _searched(unseen_images(model.dataset, min(n, 10000), seed), model, k)
    return Audit(model.id, seed, searched, k, samples, baseline)


def curve_models(models=None) -> tuple[list, list]:
    """The curve's models (default: every MNIST diffusion model) sorted by training-set size, split
    into (trained, untrained)."""
    models = sorted(models or CURVE_MODELS, key=lambda m: get_spec(m).train_size)
    return [m for m in models if store.is_trained(m)], [m for m in models if not store.is_trained(m)]


def curve_from(audits: list, missing=()) -> dict:
    """The curve's table from audits of models trained on different numbers of images."""
    rows = [
        {
            "model": a.model_id,
            "training_images": get_spec(a.model_id).train_size,
            "samples": a.samples.summary()["share"],
            "baseline": a.baseline.summary()["share"],
            "median_nearest_rmse_article": float(np.median(a.samples.nearest_article)),
        }
        for a in audits
    ]
    first = audits[0] if audits else None
    return {
        "n": first.samples.rmse.shape[0] if first else 0,
        "seed": first.seed if first else None,
        "scope": SCOPE,
        "criteria": criteria.DESCRIPTIONS,
        "rows": rows,
        "missing": list(missing),
    }


def curve(n: int = 1000, seed: int = 0, models=None, progress: bool = True) -> dict:
    """The share of memorized samples under each criterion against training-set size: one row per
    trained model, smallest training set first (untrained ones are listed under ``"missing"``)."""
    trained, missing = curve_models(models)
    return curve_from([audit(zoo.open(m), n, seed, progress=progress) for m in trained], missing)
