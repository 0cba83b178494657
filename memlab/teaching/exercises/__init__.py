"""Checks for the lessons' "Your turn" exercises: each answers with a hint, never a bare AssertionError.

One file per lesson. A check returns (and prints, in a notebook) a ``Feedback``; it never raises on a
wrong answer, so a student's notebook keeps running.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Feedback:
    """The answer to one check: right or not, and what to try next."""

    correct: bool
    message: str

    def __str__(self):
        return ("✅ Correct! " if self.correct else "❌ Not yet. ") + self.message

    def _repr_html_(self):
        colour = "#1b7f3b" if self.correct else "#b00020"
        return f"<p style='color:{colour}'><b>{'Correct!' if self.correct else 'Not yet.'}</b> {self.message}</p>"


def feedback(correct: bool, right: str, hint: str) -> Feedback:
    """``Feedback`` with the ``right`` message when correct, else the ``hint``."""
    return Feedback(bool(correct), right if correct else hint)
