"""The memorization audit and the curve, on shipped models with a few samples each (real data)."""

import json

import numpy as np
import pytest

from memlab import cli, zoo
from memlab.analyses import audit


@pytest.fixture(scope="module")
def one_image():
    return audit.audit(zoo.open("mnist-diffusion-1"), n=10, seed=0, progress=False)


def test_one_image_model_is_all_copies_and_its_baseline_none(one_image):
    s = one_image.summary()
    assert one_image.neighbours_searched == 1
    assert s["samples"]["share"]["perfect_copy"] >= 0.9
    assert s["baseline"]["share"]["perfect_copy"] == 0 and s["baseline"]["share"]["near_copy"] == 0
    # one training image: no second neighbour, so the relative criteria are undefined and flag nothing
    assert s["samples"]["share"]["nearest_ratio"] is None and s["samples"]["nearest_ratio_quantiles"] is None
    assert s["samples"]["share"]["calibrated_distance"] is None
    json.dumps(s)  # the summary is plain JSON


def test_the_same_seed_gives_the_same_audit(one_image):
    again = audit.audit(zoo.open("mnist-diffusion-1"), n=10, seed=0, progress=False)
    np.testing.assert_array_equal(again.samples.images, one_image.samples.images)
    np.testing.assert_array_equal(again.baseline.neighbours, one_image.baseline.neighbours)


def test_audit_searches_the_models_own_training_subset():
    model = zoo.open("mnist-diffusion-300")
    result = audit.audit(model, n=8, seed=1, progress=False)
    subset = set(model.network.subset_indices.tolist())
    assert subset == set(model.subset_indices.tolist())  # the weights' record and the card's agree
    assert result.neighbours_searched == 50
    assert set(result.samples.neighbours.ravel()) <= subset and set(result.baseline.neighbours.ravel()) <= subset
    assert (np.diff(result.samples.rmse, axis=1) >= 0).all()


def test_cli_audit_writes_summary_histogram_and_gallery(tmp_path, capsys):
    assert cli.main(["audit", "mnist-gan-60000", "--n", "12", "--out", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["samples"]["n"] == 12 and set(summary["criteria"]) == set(summary["samples"]["share"])
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    for png in ("histogram.png", "gallery.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"


def test_curve_orders_models_by_training_set_size(tmp_path, capsys):
    code = cli.main(
        ["curve", "--n", "6", "--models", "mnist-diffusion-300", "mnist-diffusion-1", "--out", str(tmp_path)]
    )
    assert code == 0
    result = json.loads((tmp_path / "curve.json").read_text())
    assert [r["training_images"] for r in result["rows"]] == [1, 300]
    assert result["rows"][0]["samples"]["perfect_copy"] >= 0.8 > result["rows"][1]["samples"]["perfect_copy"]
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "mnist-diffusion-300" / "summary.json").read_text())["samples"]["n"] == 6
    assert "share of 6 samples" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["audit", "mnist-classifier", "--n", "5", "--out", "x"], "classifier"),
        (["audit", "mnist-diffusion-1", "--n", "0", "--out", "x"], "positive"),
        (["audit", "no-such-model", "--out", "x"], "Unknown model"),
    ],
)
def test_bad_audit_requests_give_clear_errors(argv, message, capsys):
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
