"""Checks for lesson 01 (data and the question). Each returns a ``Feedback`` with a hint (``@check``)."""

import numpy as np

from memlab.judging import metrics
from memlab.teaching.exercises import check, feedback
from memlab.teaching.exercises.answers import as_number, matches
from memlab.teaching.lessons import add_grey_noise

MAX_SIGMA = 80  # exercise 2: the slider's range of sigma, in grey levels


@check
def check_rmse_article(answer, a, b):
    """Exercise 1: the article-scale RMSE between images ``a`` and ``b`` (uint8 grey levels), by hand."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    expected = float(metrics.rmse_article(a, b)[0])  # the library's value, which the student recomputes
    unit = expected / metrics.ARTICLE_PER_UNIT  # RMSE on 0..1
    grey = unit * 255  # RMSE in grey levels
    if matches(value, expected):
        return feedback(True, f"{value:.5f} on the article's scale, i.e. {grey:.1f} grey levels of RMSE.", "")
    a8, b8 = np.asarray(a), np.asarray(b)
    wrap = (
        "`a` and `b` are uint8, and uint8 arithmetic wraps around (3 − 5 gives 254, not −2): "
        "turn them into a type with negative numbers before you subtract."
    )
    hints = [
        (
            unit,
            "That is the RMSE on the 0–1 scale; the article's scale is another one (Step 3 converts between the two).",
        ),
        (grey, "That is the RMSE in grey levels: one step of the article's scale is still missing."),
        (expected**2, "That looks like a squared distance: the R of RMSE is still missing."),
        (grey**2 / 4095, "That looks like a squared distance: the R of RMSE is still missing."),
        (np.sqrt(np.mean((a8 - b8).astype(np.float64) ** 2)) / 4095, wrap),  # a - b wrapped around in uint8
        (np.sqrt(np.mean((a8 - b8) ** 2)) / 4095, wrap),  # and its square too
    ]
    for wrong, hint in hints:
        if matches(value, wrong, 1e-3) and not matches(wrong, expected, 1e-3):
            return feedback(False, "", hint)
    return feedback(
        False,
        "",
        f"{value:.5g} is not it. Go through the name from right to left (error, squared, mean, root) and "
        "then the scale, printing what each step gives: the distance of an image to itself must be 0.",
    )


def _distance(image, sigma: int, seed: int) -> float:
    """Article-scale RMSE between ``image`` and ``image`` plus noise of ``sigma`` grey levels."""
    return float(metrics.rmse_article(image, add_grey_noise(image, sigma, seed))[0])


@check
def check_first_non_perfect_sigma(answer, image, seed: int = 0):
    """Exercise 2: the smallest whole sigma at which ``add_grey_noise(image, sigma, seed)`` stops being
    a "perfect copy" of ``image``.

    The check verifies the student's sigma, never searches for the answer: with one seed the noise only
    grows with sigma, so sigma is the first when it is no "perfect copy" and sigma - 1 still is."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    if value != int(value) or not 0 <= value <= MAX_SIGMA:
        return feedback(False, "", f"Give a whole number of grey levels from 0 to {MAX_SIGMA}.")
    sigma = int(value)
    at = _distance(image, sigma, seed)
    said = metrics.verdict(at)
    if said == "perfect copy":
        return feedback(
            False,
            "",
            f"At σ = {sigma} the distance is {at:.5f} (< {metrics.PERFECT_COPY}): still a perfect copy. "
            "Try larger values.",
        )
    before = _distance(image, sigma - 1, seed) if sigma > 0 else None
    if before is not None and metrics.verdict(before) == "perfect copy":
        return feedback(
            True,
            f"At σ = {sigma - 1} the distance is {before:.5f}, at σ = {sigma} it is {at:.5f}: "
            f"it crosses the 'perfect copy' threshold {metrics.PERFECT_COPY}. A few grey levels "
            "of noise, invisible to the eye, already end a 'perfect copy'.",
            "",
        )
    return feedback(
        False,
        "",
        f"At σ = {sigma} it is already '{said}' ({at:.5f}), but is it the first? Try smaller values, one at a time.",
    )
