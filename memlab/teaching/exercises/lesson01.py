"""Checks for lesson 01 (data and the question). Each returns a ``Feedback`` with a hint; none raises."""

import numpy as np

from memlab.data.pixels import as_unit_images
from memlab.judging import metrics
from memlab.teaching.exercises import feedback
from memlab.teaching.exercises.answers import as_number, matches
from memlab.teaching.lessons import add_grey_noise

MAX_SIGMA = 80


def check_rmse_article(answer, a, b):
    """Exercise 1: the article-scale RMSE between images ``a`` and ``b`` (uint8 grey levels)."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    expected = float(metrics.rmse_article(a, b)[0])
    unit = expected / metrics.ARTICLE_PER_UNIT  # RMSE on 0..1
    grey = unit * 255  # RMSE in grey levels
    a8, b8 = np.asarray(a), np.asarray(b)
    wrap = "uint8 arithmetic wraps around (3 − 5 gives 254, not −2). Convert first: a.astype(float) − b.astype(float)."
    hints = [
        (
            unit,
            "That is the RMSE on the 0–1 scale. The article's scale is grey levels divided by 4095: "
            "multiply by 255 / 4095.",
        ),
        (grey, "That is the RMSE in grey levels. One step is missing: divide by 4095."),
        (expected**2, "That looks like a squared distance: did you forget the square root?"),
        (grey**2 / 4095, "Take the square root of the mean before dividing by 4095."),
        (np.sqrt(np.mean((a8 - b8).astype(np.float64) ** 2)) / 4095, wrap),  # a - b wrapped around in uint8
        (np.sqrt(np.mean((a8 - b8) ** 2)) / 4095, wrap),  # and its square too
    ]
    if matches(value, expected):
        return feedback(True, f"{value:.5f} on the article's scale, i.e. {grey:.1f} grey levels of RMSE.", "")
    for wrong, hint in hints:
        if matches(value, wrong, 1e-3) and not matches(wrong, expected, 1e-3):
            return feedback(False, "", hint)
    return feedback(
        False,
        "",
        "Recipe: subtract as floats, square, take the mean over all 784 "
        "pixels, take the square root (grey levels), then divide by 4095.",
    )


def first_non_perfect_sigma(image, seed: int = 0) -> int:
    """The smallest whole sigma (grey levels) at which ``image`` plus noise is no longer a perfect copy."""
    original = as_unit_images(image, "image")
    for sigma in range(MAX_SIGMA + 1):
        distance = metrics.rmse_article(original, add_grey_noise(image, sigma, seed))[0]
        if metrics.verdict(distance) != "perfect copy":
            return sigma
    return MAX_SIGMA + 1


def check_first_non_perfect_sigma(answer, image, seed: int = 0):
    """Exercise 2: the smallest whole sigma at which ``add_grey_noise(image, sigma, seed)`` stops being
    a "perfect copy" of ``image``."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    if value != int(value) or value < 0:
        return feedback(False, "", "Give a whole number of grey levels, 0 or more (try sigma = 0, 1, 2, ...).")
    sigma, truth = int(value), first_non_perfect_sigma(image, seed)
    if sigma == truth:
        before = metrics.rmse_article(image, add_grey_noise(image, sigma - 1, seed))[0]
        at = metrics.rmse_article(image, add_grey_noise(image, sigma, seed))[0]
        return feedback(
            True,
            f"At σ = {sigma - 1} the distance is {before:.5f}, at σ = {sigma} it is {at:.5f}: "
            f"it crosses the 'perfect copy' threshold {metrics.PERFECT_COPY}. A few grey levels "
            "of noise, invisible to the eye, already end a 'perfect copy'.",
            "",
        )
    distance = metrics.rmse_article(image, add_grey_noise(image, sigma, seed))[0]
    said = metrics.verdict(distance)
    if said == "perfect copy":
        return feedback(
            False,
            "",
            f"At σ = {sigma} the distance is {distance:.5f} (< {metrics.PERFECT_COPY}): "
            "still a perfect copy. Try larger values.",
        )
    return feedback(
        False,
        "",
        f"At σ = {sigma} it is already '{said}' ({distance:.5f}), but is it the first? "
        "Try smaller values, one at a time.",
    )
