"""Lesson 07 on the real datasets and shipped models: what the notebook computes, that its widget moves,
and that its exercise checks answer wrong answers with the right hint. The notebook runs once per session
in quick mode (tests/helpers/notebook_runner.py); its shape is checked in tests/notebooks/test_notebooks.py."""

import numpy as np
import pytest

from memlab.teaching.exercises import lesson07

pytest.importorskip("nbclient")
from notebook_runner import run_notebook  # noqa: E402

LESSON = "07-what-a-model-remembers-without-copying"


def test_lesson07_membership_separates_small_models_only():
    lesson = run_notebook(LESSON)
    auc = lesson.value("{m: r.roc().auc for m, r in results.items()}")
    assert auc["mnist-diffusion-100"] >= 0.99 and auc["mnist-diffusion-1000"] >= 0.95
    assert 0.6 < auc["mnist-diffusion-3000"] < 0.85
    assert 0.4 < auc["mnist-diffusion-60000"] < 0.6
    # the control matches, calibration helps (numbers read back from the lesson's kernel)
    control, calibrated = lesson.value("[r.roc(against='control').auc, r.roc(calibrated=True).auc]")
    assert abs(control - auc["mnist-diffusion-3000"]) < 0.08 and calibrated > auc["mnist-diffusion-3000"] + 0.1


def test_lesson07_extraction_and_its_null():
    lesson = run_notebook(LESSON)
    # its figures are pictures, not "<Figure size ...>" text: ROC curves, the groups, the leakage curve,
    # and the two threshold widgets' static pictures
    assert lesson.count("image/png") >= 5
    found = lesson.value("{m: [len(e.groups), e.precision, len(e.null_groups)] for m, e in extracted.items()}")
    assert found["mnist-diffusion-100"][0] >= 3 and found["mnist-diffusion-100"][1] == 1.0
    assert found["mnist-diffusion-100"][2] == 0
    assert found["mnist-diffusion-60000"][0] <= 1


def test_lesson07_widget_moves_the_roc_point():
    lesson = run_notebook(LESSON)
    before = lesson.value("[explorer.sentence, list(explorer.rates())]")
    after = lesson.value("(setattr(explorer.position, 'value', 0.1), [explorer.sentence, list(explorer.rates())])[-1]")
    assert after[0] != before[0] and after[1][0] <= before[1][0] and after[1][1] <= before[1][1]
    assert lesson.value("(setattr(explorer.model, 'value', 'mnist-diffusion-60000'), explorer.calibrated.disabled)[-1]")


class FakeResult:
    def __init__(self, members, others):
        self.members, self.others = np.asarray(members, float), np.asarray(others, float)

    def scores(self, which, calibrated=False):
        return self.members if which == "members" else self.others

    def roc(self):
        from memlab.analyses.roc import roc

        return roc(self.members, self.others)

    def summary(self, reps=200):
        auc = self.roc().auc
        return {"plain": {"interval_95": {"auc": [auc - 0.05, auc + 0.05]}}}


def test_lesson07_tpr_check_gives_hints():
    rng = np.random.default_rng(0)
    r = FakeResult(rng.normal(0, 1, 300), rng.normal(1, 1, 300))
    ordered = np.sort(r.others)  # k = 3: the threshold is the 3rd smallest, ordered[2]
    truth = float((r.members <= ordered[2]).mean())
    assert lesson07.check_tpr(truth, r).correct
    off_by_one = lesson07.check_tpr(float((r.members <= ordered[3]).mean()), r)  # sort(others)[k]
    assert not off_by_one.correct and "accuses 4 of the 300" in str(off_by_one)
    assert not lesson07.check_tpr(r.roc().tpr_at(0.01), r).correct  # the same off-by-one, as the legend counts
    assert "percentage" in str(lesson07.check_tpr(100 * truth, r))
    assert "false positive rate" in str(lesson07.check_tpr(float((r.others <= ordered[2]).mean()), r))
    assert "`...`" in str(lesson07.check_tpr(..., r))
    assert not lesson07.check_tpr(0.5, r).correct


class FakeExtraction:
    copy_shares = {"near_copy_share": 0.05}
    baseline_copy_shares = {"near_copy_share": 0.08}


def test_lesson07_copies_or_traces_check():
    rng = np.random.default_rng(1)
    r, e = FakeResult(rng.normal(0, 1, 200), rng.normal(0.8, 1, 200)), FakeExtraction()
    auc = float((r.members[:, None] < r.others[None, :]).mean())  # Step 2's definition, over all pairs
    right = lesson07.check_stores_without_copying({"near_copy_excess": 0.05 - 0.08, "auc": auc}, e, r)
    assert right.correct and "no more near copies" in str(right) and "told apart" in str(right)
    flipped = lesson07.check_stores_without_copying({"near_copy_excess": 0.03, "auc": auc}, e, r)
    assert "sign flipped" in str(flipped)
    upside_down = lesson07.check_stores_without_copying({"near_copy_excess": -0.03, "auc": 1 - auc}, e, r)
    assert "upside down" in str(upside_down)
    rounded = lesson07.check_stores_without_copying({"near_copy_excess": -0.03, "auc": round(auc, 3)}, e, r)
    assert not rounded.correct and "rounded" in str(rounded), "the table's rounded AUC is a lookup, not the exercise"
    assert "`...`" in str(lesson07.check_stores_without_copying(..., e, r))
    assert "`...`" in str(lesson07.check_stores_without_copying({"near_copy_excess": ..., "auc": auc}, e, r))
    assert "a number" in str(lesson07.check_stores_without_copying({"copies": False}, e, r))
