"""Reading a student's answer before checking it: a blank, a wrong type or a wrong shape gets a hint; and
comparing it with an answer stored only as a hash."""

import hashlib

import numpy as np
import torch

from memlab.teaching.exercises import Feedback

BLANK = Feedback(False, "Replace the `...` with your answer, then run the cell again.")


def as_number(answer) -> float | Feedback:
    """The answer as a float, or a ``Feedback`` saying why it is not one."""
    if answer is None or answer is Ellipsis:
        return BLANK
    if isinstance(answer, (torch.Tensor, np.ndarray)) and np.asarray(answer).size == 1:
        answer = np.asarray(answer).item()
    try:
        return float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"The answer should be one number, got {type(answer).__name__}: {answer!r:.60}.")


def as_array(answer, shape) -> np.ndarray | Feedback:
    """The answer as a float64 array of ``shape`` (a tensor or array), or a ``Feedback`` saying why not."""
    if answer is None or answer is Ellipsis:
        return BLANK
    if isinstance(answer, torch.Tensor):
        answer = answer.detach().cpu().numpy()
    if not isinstance(answer, np.ndarray):
        return Feedback(False, f"The answer should be a tensor or array, got {type(answer).__name__}.")
    if answer.shape != tuple(shape):
        return Feedback(False, f"The answer has shape {answer.shape}; it should be {tuple(shape)}, like the inputs.")
    return answer.astype(np.float64)


def matches(answer, expected, tolerance: float = 1e-4) -> bool:
    """Equal within ``tolerance`` (relative to the expected values' size), for numbers or arrays."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(float(np.abs(expected).max()), 1e-12)
    return bool(np.abs(np.asarray(answer, dtype=np.float64) - expected).max() <= tolerance * scale)


def digest(exercise: str, answer) -> str:
    """A SHA-256 hash of ``answer`` (its ``str``), salted with the exercise's name: what a check stores
    instead of an answer that is fixed data, so that reading the check does not give the answer away."""
    return hashlib.sha256(f"memlab {exercise}: {answer}".encode()).hexdigest()
