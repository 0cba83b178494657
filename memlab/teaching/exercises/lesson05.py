"""Checks for lesson 05 (does the model store its training data?). Each returns a ``Feedback`` (``@check``)."""

import numpy as np

from memlab.judging import criteria
from memlab.judging.metrics import ARTICLE_PER_UNIT
from memlab.teaching.exercises import check, feedback
from memlab.teaching.exercises.answers import as_number, matches

ALLOWED_SHARE = 0.01  # exercise 2: the threshold may flag at most 1 % of unseen test images


@check
def check_ratio_share(answer, rmse):
    """Exercise 1: the share (0..1) of samples whose nearest / second-nearest distance is below 1/3,
    from ``rmse``, the samples' distances to their nearest training images (N, k), nearest first."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    d = np.asarray(rmse, dtype=np.float64)
    ratio = criteria.nearest_ratio(d)
    expected = float((ratio < criteria.RATIO_THRESHOLD).mean())
    if matches(value, expected, 1e-6) or abs(value - expected) < 1e-9:
        return feedback(
            True,
            f"{expected:.0%} of these samples sit three times closer to one training image than "
            f"to any other (median ratio {np.nanmedian(ratio):.2f}).",
            "",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        hints = [
            (100 * expected, "That looks like a percentage: give a share between 0 and 1 (e.g. 0.25, not 25)."),
            (
                float((d[:, 1] / d[:, 0] < criteria.RATIO_THRESHOLD).mean()),
                "The ratio is upside down: nearest / second nearest is at most 1, since the nearest is the smaller.",
            ),
            (
                float((d[:, 0] / d[:, 2] < criteria.RATIO_THRESHOLD).mean()),
                "That divides by the third-nearest distance: which column holds the second nearest, counting from 0?",
            ),
            (float((ratio <= criteria.RATIO_THRESHOLD).mean()), "Count the ratios strictly below 1/3."),
            (float((ratio < criteria.RATIO_THRESHOLD).sum()), "That is a count: divide by the number of samples."),
        ]
    for wrong, hint in hints:
        if np.isfinite(wrong) and abs(value - wrong) < 1e-9 and abs(wrong - expected) > 1e-9:
            return feedback(False, "", hint)
    return feedback(
        False,
        "",
        f"{value:.4g} is not the share. Check the steps on a few samples by hand: one ratio per sample "
        "(which two columns, in which order?), then the share of samples below 1/3.",
    )


@check
def check_calibrated_threshold(answer, unseen, samples=None):
    """Exercise 2: an article-scale threshold that flags at most 1 % of the unseen test images' distances
    ``unseen``, and not much less (within 10 % of the largest such threshold).

    The check verifies the student's threshold and never computes the best one: ``value`` flags at most
    1 % of ``unseen``, and ``value / 0.9`` (10 % higher) would flag more."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    unseen = np.asarray(unseen, dtype=np.float64)
    share = float((unseen < value).mean())
    if value > 0.5:
        return feedback(
            False, "", "Give the threshold on the article's scale, where distances are around 0.001 to 0.02."
        )
    if share > ALLOWED_SHARE:
        unit = (
            ""
            if value < 0.05
            else (f" (is it on the 0-1 scale? Multiply by {ARTICLE_PER_UNIT:.4f} for the article's scale)")
        )
        return feedback(
            False,
            "",
            f"{value:.5f} flags {share:.1%} of the unseen test images, more than 1 %{unit}. Go lower.",
        )
    if float((unseen < value / 0.9).mean()) <= ALLOWED_SHARE:
        return feedback(
            False,
            "",
            f"{value:.5f} flags {share:.1%} of the unseen images: safe, but you can go higher (by more than 10 %) "
            "before 1 % of them are flagged. Which threshold lets exactly 1 % of them fall below it?",
        )
    flagged = (
        ""
        if samples is None
        else (
            f" It calls {float((np.asarray(samples) < value).mean()):.0%} of the "
            "model's samples copies: those are closer to a training image than "
            "99 % of real unseen images ever get."
        )
    )
    return feedback(
        True,
        f"{value:.5f} flags {share:.1%} of the unseen test images.{flagged} A threshold set "
        "from the natural baseline has a known false-alarm rate; the demo's fixed one does not.",
        "",
    )
