"""Criteria for "this generated image is a copy of a training image", as the research uses them.

Each takes the distances from a sample to its nearest training images (RMSE on the 0-1 scale,
nearest first, shape (N, k)) and says, per sample, whether the criterion calls it memorized.
RMSE is the l2 distance divided by sqrt(H * W * C) = 28 for these images, so ratios of RMSE are
ratios of l2 distances.

* ``perfect_copy`` / ``near_copy``: the original demo's fixed thresholds on the article scale
  (``memlab.judging.metrics``: 0.0009 and 0.006, i.e. 0.0145 and 0.0964 on the 0-1 scale).
* ``nearest_ratio``: distance to the nearest over distance to the second nearest, memorized below 1/3
  (Yoon et al. 2023, "Diffusion probabilistic models generalize when they fail to memorize";
  Gu et al. 2023, "On Memorization in Diffusion Models", with l2 normalised by sqrt(H * W * C)).
  A copy sits much closer to one training image than to any other; a new image that merely
  resembles the data sits about as close to several.
* ``calibrated_distance``: in the spirit of Carlini et al. 2023, "Extracting Training Data from
  Diffusion Models" (Sec. 5): l2 to the nearest divided by ``alpha`` times the mean l2 to the
  ``n`` nearest, with ``n = 50`` and ``alpha = 0.5`` as in that paper; memorized below 1, i.e. when the
  nearest image is closer than half the typical distance to the sample's 50 nearest. Where a
  model's training set (or the searched class) holds fewer than 50 images, the mean runs over all
  of them. (The threshold 1 is memlab's choice, stated here; the paper tunes its own per model.)

Both relative criteria need a second training image: for a model trained on one image they are
undefined (NaN), and never flag anything. That is one of the disagreements the audit shows.
"""

import numpy as np

from memlab.judging.metrics import copy_flags, to_article

# "Does it look like the dataset at all?" (before asking whether it is a copy), against real unseen images
BLANK_SHARE = 0.95  # the nearest training image must be closer than 0.95 x an empty picture
UNEXPLAINED_MARGIN = 1.2  # unexplained part at most 1.2 x the largest among real unseen images
UNLIKE_REASONS = ("far", "empty", "unstructured")

RATIO_THRESHOLD = 1 / 3  # nearest / second nearest (Yoon et al. 2023; Gu et al. 2023)
CARLINI_NEIGHBOURS = 50  # n: neighbours averaged in the calibration (Carlini et al. 2023)
CARLINI_ALPHA = 0.5  # alpha (Carlini et al. 2023)
CARLINI_THRESHOLD = 1.0  # memorized below this calibrated distance (memlab's choice)

CRITERIA = ("perfect_copy", "near_copy", "nearest_ratio", "calibrated_distance")
DESCRIPTIONS = {
    "perfect_copy": "article-scale RMSE < 0.0009 (the original demo)",
    "near_copy": "article-scale RMSE < 0.006 (the original demo)",
    "nearest_ratio": "distance to nearest / to second nearest < 1/3 (Yoon et al. 2023; Gu et al. 2023)",
    "calibrated_distance": f"distance to nearest / ({CARLINI_ALPHA} x mean distance to the {CARLINI_NEIGHBOURS} "
    f"nearest) < {CARLINI_THRESHOLD:g} (after Carlini et al. 2023)",
}


def _distances(rmse) -> np.ndarray:
    d = np.asarray(rmse, dtype=np.float64)
    if d.ndim == 1:
        d = d[None]
    if d.ndim != 2 or d.shape[1] < 1:
        raise ValueError(f"Distances must be shaped (N, k), nearest first; got shape {np.shape(rmse)}.")
    if not np.isfinite(d).all() or (d < 0).any() or (d > 1).any():
        raise ValueError("Distances must be finite RMSE values on the 0-1 scale (0 <= d <= 1).")
    if (np.diff(d, axis=1) < 0).any():
        raise ValueError("Distances must be sorted, nearest first (as SearchResult.rmse is).")
    return d


def nearest_ratio(rmse) -> np.ndarray:
    """Nearest / second-nearest distance per sample; NaN where there is no second neighbour.
    0 / 0 (two identical training images, and a sample equal to both) counts as 0: a copy."""
    d = _distances(rmse)
    if d.shape[1] < 2:
        return np.full(len(d), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d[:, 1] > 0, d[:, 0] / np.where(d[:, 1] > 0, d[:, 1], 1), 0.0)


def calibrated_distance(rmse, n: int = CARLINI_NEIGHBOURS, alpha: float = CARLINI_ALPHA) -> np.ndarray:
    """Distance to the nearest / (alpha x mean distance to the n nearest); NaN with one neighbour."""
    d = _distances(rmse)
    if d.shape[1] < 2:
        return np.full(len(d), np.nan)
    scale = alpha * d[:, :n].mean(axis=1)
    return np.where(scale > 0, d[:, 0] / np.where(scale > 0, scale, 1), 0.0)


def flags(rmse) -> dict:
    """For each criterion, a boolean array: which samples it calls memorized (NaN never flags)."""
    d = _distances(rmse)
    return {
        **copy_flags(to_article(d[:, 0])),  # the demo's thresholds (article scale)
        "nearest_ratio": nearest_ratio(d) < RATIO_THRESHOLD,
        "calibrated_distance": calibrated_distance(d) < CARLINI_THRESHOLD,
    }


def unlike_the_data(look, typical) -> list:
    """Why each image does not look like the dataset ("far", "empty" or "unstructured"), or None when it does.

    ``look`` and ``typical`` are ``memlab.judging.baseline.Look``s: the images', and those of the natural
    baseline's real unseen test images (2 000). Measured on MNIST and Fashion-MNIST (tests/fast/test_judgement.py):

    * "far": farther from every training image than ANY of the real unseen images is (the largest of
      theirs, no margin). Catches uniform noise, a white picture and pure-noise sampler output.
    * "empty": the nearest training image is not clearly closer than an empty (black) picture:
      distance >= 0.95 x the distance to black. Real unseen MNIST digits reach at most 0.92; a blank
      picture is infinitely far (0 / 0), and MNIST digits with their pixels shuffled reach 0.98 or more.
    * "unstructured": its part outside the main directions along which training images vary is over
      1.2 x the largest among the real unseen images (classical PCA novelty detection). Catches noise
      that the first test misses by little (Fashion-MNIST: noise 0.29-0.32, real images at most 0.24).
    """
    far = look.nearest > typical.nearest.max()
    empty = look.nearest >= BLANK_SHARE * look.blank
    unstructured = look.unexplained > UNEXPLAINED_MARGIN * typical.unexplained.max()
    return [
        "far" if f else "empty" if e else "unstructured" if u else None for f, e, u in zip(far, empty, unstructured)
    ]
