"""Checks for lesson 03 (sampling). Each returns a ``Feedback`` with a hint (``@check``)."""

import numpy as np

from memlab.judging import metrics
from memlab.sampling.schedule import NoiseSchedule
from memlab.teaching.exercises import check, feedback
from memlab.teaching.exercises.answers import as_array, as_number, matches

STEP_CHOICES = (1, 2, 5, 10, 20)  # the DDIM step counts exercise 2 compares with 50 steps
SETTLED_RMSE = 0.06  # "the same picture": RMSE on 0..1 to the 50-step image below this


@check
def check_ddim_step(answer, pred_x0, eps, prev_t: int):
    """Exercise 1: one deterministic DDIM step from ``pred_x0`` and ``eps`` to the timestep ``prev_t``."""
    pred_x0, eps = np.asarray(pred_x0, dtype=np.float64), np.asarray(eps, dtype=np.float64)
    value = as_array(answer, pred_x0.shape)
    if not isinstance(value, np.ndarray):
        return value
    schedule = NoiseSchedule()
    abar = schedule.alphas_cumprod.astype(np.float64)
    # DDIM with eta = 0 puts the predicted image back at prev_t's noise level with the same noise: the
    # forward process that training uses (the clean image itself after the last step, prev_t = -1)
    expected = schedule.add_noise(pred_x0, eps, np.array([prev_t]))[0, 0] if prev_t >= 0 else pred_x0
    if matches(value, expected):
        return feedback(
            True,
            "That is DDIM with eta = 0: put the predicted image back at the noise level of "
            "the next timestep, with the same noise direction. No random number involved.",
            "",
        )
    if prev_t + 1 < len(abar) and any(
        matches(value, np.sqrt(a) * pred_x0 + np.sqrt(1 - a) * eps) for a in abar[prev_t + 1 :]
    ):
        return feedback(
            False,
            "",
            "You used alpha-bar of a later timestep (the one the step starts from?). The step lands on the "
            "*next*, smaller timestep, the one given as prev_t.",
        )
    prev = schedule.abar(prev_t)
    if matches(value, prev * pred_x0 + (1 - prev) * eps):
        return feedback(False, "", "Look at the weights in the formula again: they carry square roots.")
    if matches(value, np.sqrt(1 - prev) * pred_x0 + np.sqrt(prev) * eps):
        return feedback(False, "", "The weights are swapped: which of the two should fade as t falls to 0?")
    return feedback(
        False,
        "",
        "Not x_{t'} yet. Compare your code with the formula term by term: which timestep's alpha-bar, "
        "which weight on the predicted image, which on eps? (Print your two weights: their squares add up to 1.)",
    )


@check
def check_fewest_steps(answer, model, seed: int = 0):
    """Exercise 2: the fewest DDIM steps among ``STEP_CHOICES`` whose image (same seed) is within
    ``SETTLED_RMSE`` of the 50-step image.

    The check draws the student's choice and the choices below it, never the whole table: it verifies
    that the choice has settled and that no smaller one has."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    if value not in STEP_CHOICES:
        return feedback(False, "", f"Choose one of {STEP_CHOICES}: compare each with the 50-step image.")
    steps = int(value)
    reference = model.sample(1, seed, steps=50, sampler="ddim")

    def distance(n_steps):
        return float(metrics.rmse(model.sample(1, seed, steps=n_steps, sampler="ddim"), reference)[0])

    at = distance(steps)
    said = f"{steps} steps: RMSE {at:.3f} to the 50-step image"
    if at >= SETTLED_RMSE:
        return feedback(False, "", f"{said}, not below {SETTLED_RMSE}: it has not settled yet. Try more steps.")
    fewer = {n: distance(n) for n in STEP_CHOICES if n < steps}
    if any(d < SETTLED_RMSE for d in fewer.values()):
        return feedback(False, "", f"{said}: settled, but fewer steps may do. Try the next smaller choice.")
    table = "; fewer steps do not settle (" + ", ".join(f"{n}: {d:.3f}" for n, d in fewer.items()) + ")"
    return feedback(
        True,
        f"{said}{table if fewer else ''}. DDIM's path is deterministic, so fewer steps "
        "approximate the same picture; below that, it blurs.",
        "",
    )
