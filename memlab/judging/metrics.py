"""Distances between images, on the two scales memlab reports, and the copy thresholds.

* **0-1 scale**: RMSE of pixels on 0..1, ``sqrt(mean((a - b)^2))``; 0 = identical, 1 = black vs white.
* **article scale**: what the original demo reported: RMSE in grey levels (0..255) divided by
  4095, i.e. image-similarity-measures' ``rmse`` with its default ``max_p=4095`` (a 12-bit
  maximum applied to 8-bit images). ``article = rmse_0_1 * 255 / 4095``.

The demo's thresholds are on the article scale. On the 0-1 scale they are 16 times larger:

=================  =============  ==================
verdict            article scale  0-1 scale
=================  =============  ==================
perfect copy       < 0.0009       < 0.01445 (3.7 grey levels)
near copy          < 0.006        < 0.09635 (24.6 grey levels)
=================  =============  ==================
"""

import numpy as np

from memlab.data.pixels import as_unit_images

ARTICLE_MAX_P = 4095
ARTICLE_PER_UNIT = 255.0 / ARTICLE_MAX_P  # article-scale RMSE per unit of 0-1 RMSE

PERFECT_COPY = 0.0009  # article scale: "perfect copy" below this
NEAR_COPY = 0.006  # article scale: "near copy" below this
PERFECT_COPY_UNIT = PERFECT_COPY / ARTICLE_PER_UNIT  # = 0.014453 on the 0-1 scale
NEAR_COPY_UNIT = NEAR_COPY / ARTICLE_PER_UNIT  # = 0.096353 on the 0-1 scale

VERDICTS = ("perfect copy", "near copy", "novel")


def to_article(rmse_unit):
    """0-1 RMSE -> the article's scale (grey-level RMSE / 4095)."""
    return np.asarray(rmse_unit) * ARTICLE_PER_UNIT


def rmse(a, b) -> np.ndarray:
    """RMSE on the 0-1 scale between image sets ``a`` and ``b`` (pairwise by position).

    Both may be uint8 grey levels or floats on 0..1, shaped (28, 28) or (N, 28, 28); a single
    image broadcasts against a set.
    """
    a, b = as_unit_images(a, "first image set"), as_unit_images(b, "second image set")
    if len(a) != len(b) and 1 not in (len(a), len(b)):
        raise ValueError(f"Cannot pair {len(a)} images with {len(b)}; give equal counts or one image.")
    diff = a.astype(np.float64) - b.astype(np.float64)
    return np.sqrt((diff**2).mean(axis=(1, 2)))


def rmse_article(a, b) -> np.ndarray:
    """RMSE on the article's scale (grey levels / 4095)."""
    return to_article(rmse(a, b))


def copy_flags(rmse_article) -> dict:
    """The demo's two thresholds, applied to article-scale distances (any shape): the one place they are
    tested. ``near_copy`` counts perfect copies too (everything under 0.006)."""
    article = np.asarray(rmse_article, dtype=np.float64)
    return {"perfect_copy": article < PERFECT_COPY, "near_copy": article < NEAR_COPY}


def copy_shares(rmse_article) -> dict:
    """Share (0..1) of distances under each threshold: ``perfect_copy_share``, ``near_copy_share``."""
    return {f"{name}_share": float(flag.mean()) for name, flag in copy_flags(rmse_article).items()}


def verdict(rmse_article_value: float) -> str:
    """The demo's verdict for one distance on the article scale."""
    if not np.isfinite(rmse_article_value):
        raise ValueError("A distance must be a finite number.")
    flags = copy_flags(rmse_article_value)
    return "perfect copy" if flags["perfect_copy"] else "near copy" if flags["near_copy"] else "novel"
