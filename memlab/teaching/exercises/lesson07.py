"""Checks for lesson 07 (what a model remembers without copying). Each returns a ``Feedback``; none raises."""

import numpy as np

from memlab.analyses.roc import roc
from memlab.teaching.exercises import Feedback, feedback
from memlab.teaching.exercises.answers import BLANK, as_number


def tpr_at_one_percent(member_scores, non_member_scores) -> float:
    """The share of members whose score is at most the k-th smallest non-member score, k = 1 % of the
    non-members (the threshold that calls 1 % of them 'member'; at least one)."""
    others = np.sort(np.asarray(non_member_scores, float))
    threshold = others[max(int(0.01 * len(others)), 1) - 1]
    return float((np.asarray(member_scores, float) <= threshold).mean())


def check_tpr(answer, result):
    """Exercise 1: the TPR at 1 % FPR of ``result`` (a ``memlab.analyses.membership.Membership``), on 0..1."""
    value = as_number(answer)
    if isinstance(value, Feedback):
        return value
    members, others = result.scores("members"), result.scores("non_members")
    truth = tpr_at_one_percent(members, others)
    # memlab.analyses.roc's figure may also count members between that threshold and the next non-member: both right
    if abs(value - truth) < 1e-9 or abs(value - roc(members, others).tpr_at(0.01)) < 1e-9:
        auc = result.roc().auc
        return feedback(
            True,
            f"TPR {truth:.1%} at 1 % FPR, while the AUC is {auc:.3f}. A high AUC can hide an "
            "attack that catches almost nobody with confidence.",
            "",
        )
    if abs(value - 100 * truth) < 1e-6:
        return feedback(False, "", "That looks like a percentage: give a share between 0 and 1.")
    threshold = np.sort(others)[max(int(0.01 * len(others)), 1) - 1]
    if abs(value - float((others <= threshold).mean())) < 1e-9:
        return feedback(False, "", "That is the false positive rate of your threshold; count the *members* below it.")
    if abs(value - float((members >= threshold).mean())) < 1e-9:
        return feedback(False, "", "Lower loss means 'member': count members whose score is at most the threshold.")
    return feedback(
        False,
        "",
        f"Not {value:.4g}. Sort the non-members' scores, take the threshold that calls 1 % of "
        "them 'member' (the k-th smallest, k = 1 % of their number), and count the share of "
        "members at or below it.",
    )


def check_stores_without_copying(answer, summary: dict):
    """Exercise 2: ``{"copies": bool, "members_told_apart": bool}`` for the 3 000-image model, read from
    ``summary`` (its near-copy excess over the baseline, and its membership AUC's 95 % interval)."""
    if answer is None or answer is Ellipsis:
        return BLANK
    if not isinstance(answer, dict) or set(answer) != {"copies", "members_told_apart"}:
        return Feedback(False, "Give a dict {'copies': True or False, 'members_told_apart': True or False}.")
    if any(v is Ellipsis for v in answer.values()):
        return BLANK
    if any(not isinstance(v, (bool, np.bool_)) for v in answer.values()):
        return Feedback(False, "Each value should be True or False.")
    copies = summary["near_copy"] > summary["near_copy_baseline"]
    told_apart = summary["auc_interval"][0] > 0.5
    if answer["copies"] == copies and answer["members_told_apart"] == told_apart:
        return feedback(
            True,
            "Its samples are no closer to the training set than unseen images are (no copies), "
            "yet its losses tell members from unseen images better than a coin: it stores "
            "something about each training image without reproducing it.",
            "",
        )
    if answer["copies"] != copies:
        return feedback(
            False,
            "",
            f"Copies: compare the samples' near-copy share ({summary['near_copy']:.1%}) with "
            f"the unseen images' ({summary['near_copy_baseline']:.1%}).",
        )
    return feedback(
        False,
        "",
        f"Members told apart: does the AUC's 95 % interval "
        f"({summary['auc_interval'][0]:.3f}-{summary['auc_interval'][1]:.3f}) lie above 0.5?",
    )
