"""Checks for the lessons' "Your turn" exercises: each answers with a hint, never a bare AssertionError.

One file per lesson; each check is wrapped in ``@check``. A check never holds an exercise's answer where a
student can import it: where the answer is fixed data it is stored as a hash (``answers.digest``), and
elsewhere the check verifies what the question asks of the student's own value, or compares it, within a
tolerance, with what one of memlab's library functions computes. Hints name the mistake, not the code.

Two ways to run a check:

* **a student's notebook**: the check returns a ``Feedback`` (shown as "Correct!" or "Not yet." with a
  hint) and never raises, so "Run All" reaches the end whatever the answers;
* **nbgrader** (``nbgrader autograde`` and ``nbgrader validate`` set the environment variable
  ``NBGRADER_EXECUTION``): a wrong or blank answer raises ``NotYet`` with the hint as its message, so the
  test cell fails and scores 0; a right one prints its message and the cell scores its points (nbgrader
  would read a returned value as partial credit, so nothing is returned there).
"""

import functools
import os
from dataclasses import dataclass


@dataclass(frozen=True, repr=False)
class Feedback:
    """The answer to one check: right or not, and what to try next."""

    correct: bool
    message: str

    def __str__(self):
        return ("✅ Correct! " if self.correct else "❌ Not yet. ") + self.message

    __repr__ = __str__  # what a plain-text view of the notebook (or a console) shows

    def _repr_html_(self):
        colour = "#1b7f3b" if self.correct else "#b00020"
        return f"<p style='color:{colour}'><b>{'Correct!' if self.correct else 'Not yet.'}</b> {self.message}</p>"


class NotYet(AssertionError):
    """Raised by a check under nbgrader when the answer is not right; the message is the hint."""


def feedback(correct: bool, right: str, hint: str) -> Feedback:
    """``Feedback`` with the ``right`` message when correct, else the ``hint``."""
    return Feedback(bool(correct), right if correct else hint)


def grading() -> bool:
    """True while nbgrader executes the notebook (autograde or validate)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def check(function):
    """Wrap a check that returns ``Feedback``: under nbgrader, a wrong answer raises ``NotYet`` and a right
    one is printed (nothing returned); anywhere else the ``Feedback`` is returned as it is."""

    @functools.wraps(function)
    def checked(*args, **kwargs):
        said = function(*args, **kwargs)
        if not grading():
            return said
        if not said.correct:
            raise NotYet(said.message)
        print(said)
        return None

    return checked
