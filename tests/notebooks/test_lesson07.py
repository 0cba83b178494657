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


def test_lesson07_tpr_check_gives_hints():
    rng = np.random.default_rng(0)
    r = FakeResult(rng.normal(0, 1, 300), rng.normal(1, 1, 300))
    truth = lesson07.tpr_at_one_percent(r.members, r.others)
    assert lesson07.check_tpr(truth, r).correct
    assert "percentage" in str(lesson07.check_tpr(100 * truth, r))
    threshold = np.sort(r.others)[2]
    assert "false positive rate" in str(lesson07.check_tpr(float((r.others <= threshold).mean()), r))
    assert "`...`" in str(lesson07.check_tpr(..., r))
    assert not lesson07.check_tpr(0.5, r).correct


def test_lesson07_copies_or_traces_check():
    facts = {"near_copy": 0.05, "near_copy_baseline": 0.08, "auc_interval": [0.68, 0.74]}
    assert lesson07.check_stores_without_copying({"copies": False, "members_told_apart": True}, facts).correct
    assert "near-copy share" in str(
        lesson07.check_stores_without_copying({"copies": True, "members_told_apart": True}, facts)
    )
    assert "interval" in str(
        lesson07.check_stores_without_copying({"copies": False, "members_told_apart": False}, facts)
    )
    assert "`...`" in str(lesson07.check_stores_without_copying({"copies": ..., "members_told_apart": True}, facts))
    assert "True or False" in str(
        lesson07.check_stores_without_copying({"copies": "no", "members_told_apart": True}, facts)
    )
