"""What every exercise check does, whatever the lesson: it answers a student with a hint, fails an nbgrader
test cell with the same hint, and gives no answer away (issue 38).

* outside nbgrader a check returns ``Feedback`` and never raises; under nbgrader (``NBGRADER_EXECUTION`` set,
  as ``nbgrader autograde`` and ``nbgrader validate`` set it) a wrong or blank answer raises ``NotYet`` with
  the hint, and a right one prints its message and returns nothing (nbgrader would read a returned value as
  partial credit);
* a lesson's check module exports only its checks (and the exercise's givens): no function that returns an
  answer, no table of answers;
* no string in a check module (hint, message, docstring) writes the code of a solution.

The checks' hints for each lesson's classic mistakes are tested beside each lesson (test_lessons_*.py,
test_lesson07.py); the round trip through nbgrader itself in test_nbgrader.py.
"""

import ast
import importlib
import inspect

import pytest

from memlab.teaching import exercises
from memlab.teaching.exercises import NotYet, lesson02

MODULES = [importlib.import_module(f"memlab.teaching.exercises.lesson0{n}") for n in range(1, 8)]
# Answers by name, as the checks once exported them (issue 38): none may come back
REMOVED = {
    "first_non_perfect_sigma",
    "half_signal_step",
    "settle_distances",
    "closer_in_whole_set",
    "calibrated_threshold",
    "near_copy_excess",
    "tpr_at_one_percent",
    "ANSWERS",
}
# code that would be (part of) an exercise's solution if a hint wrote it
SOLUTION_CODE = [
    "np.quantile",
    "np.argmax",
    "np.argmin",
    "np.sqrt(",
    "np.sort(",
    "astype(",
    ".mean()",
    "alphas_cumprod[",
    "seen[",
    "[k - 1]",
    "metrics.rmse(",
    "d[:, 0] / d[:, 1]",
    "rmse[:, 0] / rmse[:, 1]",
    "- row[",
]
HALF_SIGNAL = 368  # lesson 02, exercise 2 (the check keeps only its hash)


def test_a_check_returns_its_hint_to_a_student(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    blank, wrong, right = (lesson02.check_half_signal(v) for v in (..., HALF_SIGNAL - 1, HALF_SIGNAL))
    assert not blank.correct and "`...`" in blank.message
    assert not wrong.correct and "look later" in wrong.message
    assert right.correct and str(right).startswith("✅ Correct!")


def test_under_nbgrader_a_wrong_or_blank_answer_fails_with_its_hint(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(NotYet, match="look later"):
        lesson02.check_half_signal(HALF_SIGNAL - 1)
    with pytest.raises(NotYet, match="`...`"):
        lesson02.check_half_signal(...)
    with pytest.raises(AssertionError):  # what nbgrader's test cells conventionally raise
        lesson02.check_half_signal("soon")
    assert lesson02.check_half_signal(HALF_SIGNAL) is None  # a right answer: printed, nothing returned
    assert "Correct!" in capsys.readouterr().out


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_a_check_module_exports_checks_only(module):
    assert not REMOVED & set(vars(module)), f"{module.__name__} exports an answer: {REMOVED & set(vars(module))}"
    functions = [
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
    ]
    assert functions and all(name.startswith("check_") for name in functions), functions
    for name in functions:  # each is wrapped by @check, so nbgrader's test cell fails on a wrong answer
        assert getattr(module, name).__wrapped__.__module__ == module.__name__, f"{name} is not an @check"
    assert exercises.check.__module__ == "memlab.teaching.exercises"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_no_hint_writes_a_solution(module):
    tree = ast.parse(inspect.getsource(module))
    strings = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    written = [(code, text) for text in strings for code in SOLUTION_CODE if code in text]
    assert not written, f"{module.__name__}: a string writes solution code: {written}"
