"""Checks for lesson 02 (training). Each returns a ``Feedback`` with a hint; none raises."""

import numpy as np

from memlab.sampling.schedule import NoiseSchedule
from memlab.teaching.exercises import feedback
from memlab.teaching.exercises.answers import as_array, as_number, matches


def check_forward(answer, x0, noise, t: int):
    """Exercise 1: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, computed by hand, for one t."""
    x0, noise = np.asarray(x0, dtype=np.float64), np.asarray(noise, dtype=np.float64)
    value = as_array(answer, x0.shape)
    if not isinstance(value, np.ndarray):
        return value
    schedule = NoiseSchedule()
    abar, alpha = float(schedule.alphas_cumprod[t]), float(schedule.alphas[t])
    expected = np.sqrt(abar) * x0 + np.sqrt(1 - abar) * noise
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
            "from x_0 to x_t needs alpha-bar_t, the product of all steps so far: schedule.alphas_cumprod[t].",
        ),
        (abar * x0 + (1 - abar) * noise, "The weights are square roots: sqrt(alpha-bar_t) and sqrt(1 − alpha-bar_t)."),
        (
            np.sqrt(1 - abar) * x0 + np.sqrt(abar) * noise,
            "The weights are swapped: the image gets sqrt(alpha-bar_t), the noise sqrt(1 − alpha-bar_t).",
        ),
    ]
    for wrong, hint in hints:
        if matches(value, wrong):
            return feedback(False, "", hint)
    return feedback(
        False, "", "Take abar = schedule.alphas_cumprod[t], then np.sqrt(abar) * x0 + np.sqrt(1 - abar) * noise."
    )


def half_signal_step(schedule: NoiseSchedule | None = None) -> int:
    """The first timestep t at which the image's weight sqrt(abar_t) falls below one half."""
    abar = (schedule or NoiseSchedule()).alphas_cumprod.astype(np.float64)
    return int(np.argmax(np.sqrt(abar) < 0.5))


def check_half_signal(answer):
    """Exercise 2: the first t at which sqrt(abar_t), the image's weight in x_t, falls below 0.5."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    schedule = NoiseSchedule()
    truth, abar = half_signal_step(schedule), schedule.alphas_cumprod.astype(np.float64)
    if value == truth:
        return feedback(
            True,
            f"From t = {truth} on, less than half of each pixel's value is the image "
            f"(sqrt(alpha-bar) = {np.sqrt(abar[truth]):.4f}); by t = 999 it is "
            f"{np.sqrt(abar[-1]):.4f}.",
            "",
        )
    if value == int(np.argmax(abar < 0.5)):
        return feedback(
            False,
            "",
            "That is where alpha-bar_t itself falls below 0.5. The image's weight in x_t "
            "is its square root, sqrt(alpha-bar_t).",
        )
    if not 0 <= value < len(abar) or value != int(value):
        return feedback(False, "", f"A timestep is a whole number from 0 to {len(abar) - 1}.")
    weight = np.sqrt(abar[int(value)])
    if weight >= 0.5:
        return feedback(False, "", f"At t = {int(value)} the image's weight is still {weight:.4f}: look later.")
    return feedback(
        False,
        "",
        f"At t = {int(value)} the weight is {weight:.4f}, below 0.5, but it fell below "
        "earlier. Find the first such t (np.argmax of a boolean array gives the first True).",
    )
