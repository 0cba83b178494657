"""Checks for lesson 07 (what a model remembers without copying). Each returns a ``Feedback`` (``@check``)."""

import numpy as np

from memlab.teaching.exercises import Feedback, check, feedback
from memlab.teaching.exercises.answers import BLANK, as_number


@check
def check_tpr(answer, result):
    """Exercise 1: the TPR at 1 % FPR of ``result`` (a ``memlab.analyses.membership.Membership``), on 0..1:
    the share of members scoring at most the k-th smallest non-member score, k = 1 % of the non-members
    (at least 1)."""
    value = as_number(answer)
    if isinstance(value, Feedback):
        return value
    members, others = np.asarray(result.scores("members"), float), np.sort(result.scores("non_members"))
    k = max(int(0.01 * len(others)), 1)

    def share_at(position):  # the share of members at or below the non-member score at ``position``
        return float((members <= others[position]).mean())

    if abs(value - share_at(k - 1)) < 1e-9:
        return feedback(
            True,
            f"TPR {value:.1%} at {k / len(others):.1%} FPR ({k} of {len(others)} unseen images accused), while "
            f"the AUC is {result.roc().auc:.3f}. A high AUC can hide an attack that catches almost nobody with "
            "confidence.",
            "",
        )
    if abs(value - 100 * share_at(k - 1)) < 1e-6:
        return feedback(False, "", "That looks like a percentage: give a share between 0 and 1.")
    if k < len(others) and abs(value - share_at(k)) < 1e-9:
        return feedback(
            False,
            "",
            f"Your threshold accuses {k + 1} of the {len(others)} non-members, one more than 1 % of them "
            "allows. Which position in the sorted array holds the k-th smallest, when positions count from 0?",
        )
    if abs(value - float((others <= others[k - 1]).mean())) < 1e-9:
        return feedback(False, "", "That is the false positive rate of your threshold; count the *members* below it.")
    if abs(value - float((members >= others[k - 1]).mean())) < 1e-9:
        return feedback(False, "", "Lower loss means 'member': count members whose score is at most the threshold.")
    return feedback(
        False,
        "",
        f"Not {value:.4g}. Print your threshold and how many non-members lie at or below it: it should be 1 % "
        "of them (at least one). Then count members, not non-members.",
    )


@check
def check_stores_without_copying(answer, extracted, result):
    """Exercise 2: ``{"near_copy_excess": ..., "auc": ...}`` for one model: the share of its samples that are
    near copies minus the share of unseen test images that are (``extracted``, a
    ``memlab.analyses.extraction`` result), and the AUC computed by hand from ``result``'s scores (the chance
    that a member's loss is below a non-member's)."""
    if answer is None or answer is Ellipsis:
        return BLANK
    if not isinstance(answer, dict) or set(answer) != {"near_copy_excess", "auc"}:
        return Feedback(False, "Give a dict {'near_copy_excess': a number, 'auc': a number}.")
    given = {key: as_number(value) for key, value in answer.items()}
    for value in given.values():
        if isinstance(value, Feedback):
            return value
    excess = extracted.copy_shares["near_copy_share"] - extracted.baseline_copy_shares["near_copy_share"]
    roc = result.roc()
    excess_right, auc_right = abs(given["near_copy_excess"] - excess) < 1e-9, abs(given["auc"] - roc.auc) < 1e-6
    if excess_right and auc_right:
        low, high = result.summary(reps=200)["plain"]["interval_95"]["auc"]
        copies = "more" if excess > 0 else "no more"
        return feedback(
            True,
            f"Excess {excess:+.1%}: its samples are {copies} near copies than unseen images are. AUC "
            f"{roc.auc:.3f} (95 % interval {low:.3f}–{high:.3f}): "
            + ("above a coin's 0.5, so its members are told apart. " if low > 0.5 else "not surely above 0.5. ")
            + "Copying and storing are two questions, and each needs its own test.",
            "",
        )
    if not excess_right:
        if abs(given["near_copy_excess"] + excess) < 1e-9:
            return feedback(False, "", "The excess has its sign flipped: the samples' share comes first.")
        if abs(given["near_copy_excess"] - 100 * excess) < 1e-6:
            return feedback(False, "", "That excess looks like percentage points: keep shares between 0 and 1.")
        return feedback(
            False, "", "The excess compares two near-copy shares: the samples' and the unseen images'. Which two?"
        )
    if abs(given["auc"] - (1 - roc.auc)) < 1e-6:
        return feedback(False, "", "Your AUC is upside down: lower loss means 'member'.")
    if abs(given["auc"] - roc.auc) < 6e-4:
        return feedback(False, "", "That is the table's AUC, rounded: compute it from the two arrays of scores.")
    return feedback(
        False,
        "",
        "Not the AUC yet. Step 2 defines it as a chance over pairs: one member and one non-member. "
        "Over how many pairs is the share taken?",
    )
