"""Checks for lesson 02 (training). Each returns a ``Feedback`` with a hint (``@check``)."""

import numpy as np

from memlab.sampling.schedule import NoiseSchedule
from memlab.teaching.exercises import check, feedback
from memlab.teaching.exercises.answers import as_array, as_number, digest, matches

# Exercise 2's answer is fixed by the noise schedule: only its hash is kept here.
HALF_SIGNAL_DIGEST = "83267dba5eb926ac35e547d24e4b72d77b097299d41c9be028279e2398dc54eb"


@check
def check_forward(answer, x0, noise, t: int):
    """Exercise 1: x_t from x_0 and one noise draw by the closed form, computed by hand, for one t."""
    x0, noise = np.asarray(x0, dtype=np.float64), np.asarray(noise, dtype=np.float64)
    value = as_array(answer, x0.shape)
    if not isinstance(value, np.ndarray):
        return value
    schedule = NoiseSchedule()
    expected = schedule.add_noise(x0, noise, np.array([t]))[0, 0]  # what training uses, which the student redoes
    abar, alpha = float(schedule.alphas_cumprod[t]), float(schedule.alphas[t])
    if matches(value, expected):
        return feedback(
            True,
            f"At t = {t} the image keeps a weight of {np.sqrt(abar):.3f} and the noise gets "
            f"{np.sqrt(1 - abar):.3f}: one multiplication, no loop over the {t} steps.",
            "",
        )
    hints = [
        (
            np.sqrt(alpha) * x0 + np.sqrt(1 - alpha) * noise,
            "You used alpha_t = 1 − β_t, what one step keeps of the image (β_t is that step's noise). The jump "
            "from x_0 to x_t needs alpha-bar_t, what all the steps up to t keep together.",
        ),
        (abar * x0 + (1 - abar) * noise, "Look at the weights in the formula again: they carry square roots."),
        (
            np.sqrt(1 - abar) * x0 + np.sqrt(abar) * noise,
            "The weights are swapped: at t = 300 the image should still weigh more than the noise.",
        ),
    ]
    for wrong, hint in hints:
        if matches(value, wrong):
            return feedback(False, "", hint)
    return feedback(
        False,
        "",
        f"Not x_{t} yet. Compare your code with the formula term by term: which alpha-bar, which weight on x0, "
        "which on the noise? (Print your two weights: their squares add up to 1.)",
    )


@check
def check_half_signal(answer):
    """Exercise 2: the first t at which sqrt(abar_t), the image's weight in x_t, falls below 0.5."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    abar = NoiseSchedule().alphas_cumprod.astype(np.float64)
    if value != int(value) or not 0 <= value < len(abar):
        return feedback(False, "", f"A timestep is a whole number from 0 to {len(abar) - 1}.")
    t = int(value)
    weight = np.sqrt(abar[t])
    if digest("lesson02 half signal", t) == HALF_SIGNAL_DIGEST:
        return feedback(
            True,
            f"From t = {t} on, less than half of each pixel's value is the image "
            f"(sqrt(alpha-bar) = {weight:.4f}); by t = {len(abar) - 1} it is {np.sqrt(abar[-1]):.4f}.",
            "",
        )
    if abar[t] < 0.5 <= abar[t - 1]:
        return feedback(
            False,
            "",
            "That is where alpha-bar_t itself falls below 0.5. The image's weight in x_t is not alpha-bar_t.",
        )
    if weight >= 0.5:
        return feedback(False, "", f"At t = {t} the image's weight is still {weight:.4f}: look later.")
    return feedback(
        False,
        "",
        f"At t = {t} the weight is {weight:.4f}, below 0.5, but it was already below 0.5 at an earlier "
        "step. The question asks for the first such t.",
    )
