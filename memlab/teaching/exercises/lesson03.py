"""Checks for lesson 03 (sampling). Each returns a ``Feedback`` with a hint; none raises."""

import numpy as np

from memlab.judging import metrics
from memlab.sampling.schedule import NoiseSchedule
from memlab.teaching.exercises import feedback
from memlab.teaching.exercises.answers import as_array, as_number, matches

STEP_CHOICES = (1, 2, 5, 10, 20)  # the DDIM step counts exercise 2 compares with 50 steps
SETTLED_RMSE = 0.06  # "the same picture": RMSE on 0..1 to the 50-step image below this


def check_ddim_step(answer, pred_x0, eps, prev_t: int):
    """Exercise 1: one deterministic DDIM step, x_prev = sqrt(abar_prev) x_0 + sqrt(1 - abar_prev) eps."""
    pred_x0, eps = np.asarray(pred_x0, dtype=np.float64), np.asarray(eps, dtype=np.float64)
    value = as_array(answer, pred_x0.shape)
    if not isinstance(value, np.ndarray):
        return value
    abar = NoiseSchedule().alphas_cumprod.astype(np.float64)
    prev = abar[prev_t] if prev_t >= 0 else 1.0
    expected = np.sqrt(prev) * pred_x0 + np.sqrt(1 - prev) * eps
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
            "You used alpha-bar of the current timestep t. The step lands on the *next* "
            "(smaller) timestep: use alphas_cumprod[prev_t].",
        )
    if matches(value, prev * pred_x0 + (1 - prev) * eps):
        return feedback(False, "", "The weights are square roots: sqrt(alpha-bar_prev) and sqrt(1 − alpha-bar_prev).")
    return feedback(
        False,
        "",
        "abar_prev = schedule.alphas_cumprod[prev_t]; then "
        "np.sqrt(abar_prev) * pred_x0 + np.sqrt(1 - abar_prev) * eps.",
    )


def settle_distances(model, seed: int = 0) -> dict:
    """RMSE (0-1) between the DDIM image at each of ``STEP_CHOICES`` steps and at 50 steps, same seed."""

    def draw(steps):
        return model.sample(1, seed, steps=steps, sampler="ddim")

    reference = draw(50)
    return {steps: float(metrics.rmse(draw(steps), reference)[0]) for steps in STEP_CHOICES}


def check_fewest_steps(answer, model, seed: int = 0):
    """Exercise 2: the fewest DDIM steps among ``STEP_CHOICES`` whose image (same seed) is within
    ``SETTLED_RMSE`` of the 50-step image."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    if value not in STEP_CHOICES:
        return feedback(False, "", f"Choose one of {STEP_CHOICES}: compare each with the 50-step image.")
    distances = settle_distances(model, seed)
    settled = [steps for steps, d in distances.items() if d < SETTLED_RMSE]
    truth = settled[0] if settled else None
    said = f"{int(value)} steps: RMSE {distances[int(value)]:.3f} to the 50-step image"
    table = ", ".join(f"{s}: {d:.3f}" for s, d in distances.items())
    if truth is not None and value == truth:
        return feedback(
            True,
            f"{said}. All of them: {table}. DDIM's path is deterministic, so fewer steps "
            "approximate the same picture; below that, it blurs.",
            "",
        )
    if distances[int(value)] >= SETTLED_RMSE:
        return feedback(False, "", f"{said}, not below {SETTLED_RMSE}: it has not settled yet. Try more steps.")
    return feedback(False, "", f"{said}: settled, but fewer steps may do. Try the next smaller choice.")
