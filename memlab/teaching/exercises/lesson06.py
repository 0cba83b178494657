"""Checks for lesson 06 (copies, copyright and evidence). Each returns a ``Feedback`` (``@check``)."""

import numpy as np

from memlab.teaching.exercises import Feedback, check, feedback
from memlab.teaching.exercises.answers import BLANK, digest

# Exercise 1: which measurement answers which question? Each question is a case with numbers to reason
# about, not a definition to match word for word (tests/notebooks/test_lessons_04_06.py checks that matching words
# gets at most one right).
QUESTIONS = {
    "A": "A generated digit is 0.0005 (article scale) from training image #4. A lawyer asks: is it that very "
    "picture, whatever the other training images look like?",
    "B": "A generated '1' is 0.0040 (article scale) from its closest training image and 0.0042 from the "
    "runner-up. Did one particular picture of the training set shape it, or did many alike?",
    "C": "A generated shirt is 0.003 from its closest training image, while the pictures around it in the "
    "training set typically lie three times farther. Is it unusually close for its neighbourhood?",
    "D": "A newspaper reports that 8 % of a model's images fall under the demo's 0.006. Is that more than "
    "chance resemblance would give?",
}
# The right choice for each question, kept only as a hash (answers.digest): reading this file does not answer it.
ANSWER_DIGESTS = {
    "A": "00409fd31bd9c45a3749477852816eeee5225da499fbfb4131e9601814f901cc",
    "B": "68d77a573cf86a6fdd0348299f77dbd36f23a38665ac45f9f7ec5f0723ddb216",
    "C": "692c4c01c93cd046b7545a2074923394b7390d8444731544755d2cb09f416706",
    "D": "6cc4771e18a133914c9d30c2904f0425c953fae23b4e2c0b15c1b3738c2e834c",
}
CHOICES = ("perfect_copy", "near_copy", "nearest_ratio", "calibrated_distance", "natural baseline")
WHY = {
    "perfect_copy": "a fixed distance so small (under 3.7 grey levels of RMSE) that nothing but a copy gets there",
    "near_copy": "a fixed distance; ordinary resemblance gets under it too",
    "nearest_ratio": "nearest / second-nearest distance: one training image stands out from the next",
    "calibrated_distance": "the nearest distance measured against the sample's own 50 nearest (Carlini et al.)",
    "natural baseline": "the same measurement on real unseen test images, which nobody copied",
}


@check
def check_which_criterion(answer):
    """Exercise 1: ``{"A": choice, ...}`` for the four questions of ``QUESTIONS``; choices in ``CHOICES``."""
    if answer is None or answer is Ellipsis:
        return BLANK
    if not isinstance(answer, dict):
        return Feedback(False, f"Give a dict like {{'A': 'perfect_copy', ...}}, got {type(answer).__name__}.")
    missing = [q for q in QUESTIONS if answer.get(q) in (None, Ellipsis)]
    if missing:
        return feedback(False, "", f"Answer every question: {', '.join(missing)} still open.")
    unknown = [f"{q}: {answer[q]!r}" for q in QUESTIONS if answer[q] not in CHOICES]
    if unknown:
        return feedback(False, "", f"Pick each answer from {', '.join(CHOICES)} ({'; '.join(unknown)}).")
    wrong = [q for q in QUESTIONS if digest(f"lesson06 question {q}", answer[q]) != ANSWER_DIGESTS[q]]
    if not wrong:
        return feedback(
            True, "Each measurement answers its own question, and only the baseline tells resemblance from copying.", ""
        )
    q = wrong[0]
    return feedback(
        False,
        "",
        f"{len(wrong)} of 4 not yet right. Question {q}: '{answer[q]}' measures "
        f'{WHY[answer[q]]}. Which one fits "{QUESTIONS[q]}"?',
    )


@check
def check_excess(answer, curve: dict):
    """Exercise 2: ``{training images: near-copy share of samples - near-copy share of unseen images}``
    for every row of ``curve`` (the result of ``memlab.analyses.audit.curve``), shares on 0..1."""
    if answer is None or answer is Ellipsis:
        return BLANK
    if not isinstance(answer, dict):
        return Feedback(False, f"Give a dict {{training images: excess}}, got {type(answer).__name__}.")
    expected = {
        row["training_images"]: row["samples"]["near_copy"] - row["baseline"]["near_copy"] for row in curve["rows"]
    }
    missing = sorted(set(expected) - set(answer))
    if missing:
        return feedback(
            False,
            "",
            f"One entry per row of the curve: {', '.join(map(str, missing))} missing "
            "(keys are row['training_images']).",
        )
    try:
        given = {size: float(answer[size]) for size in expected}
    except (TypeError, ValueError):
        return feedback(False, "", "Each value should be one number: samples' share minus unseen images' share.")
    sizes = list(expected)
    values, truth = np.array([given[s] for s in sizes]), np.array([expected[s] for s in sizes])
    if np.allclose(values, truth, atol=1e-9):
        last = sizes[-1]
        return feedback(
            True,
            f"With {sizes[0]:,} training image(s) the excess is {truth[0]:+.0%}; with {last:,} it "
            f"is {truth[-1]:+.0%}. Near zero means: the samples are no closer to the training set "
            "than real unseen images are, so the threshold is measuring resemblance.",
            "",
        )
    if np.allclose(values, -truth, atol=1e-9):
        return feedback(False, "", "The sign is flipped: samples' share minus the unseen images' share.")
    if np.allclose(values, 100 * truth, atol=1e-6):
        return feedback(False, "", "Those look like percentage points: keep shares between 0 and 1.")
    samples_only = np.array([row["samples"]["near_copy"] for row in curve["rows"]])
    if np.allclose(values, samples_only, atol=1e-9):
        return feedback(False, "", "That is the samples' share alone: subtract row['baseline']['near_copy'].")
    return feedback(
        False,
        "",
        "Not the excess yet. Check one row by hand: which two shares does the excess compare, and which comes first?",
    )
