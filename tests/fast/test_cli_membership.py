"""`memlab membership` and `memlab extract`, run as a user would, on the real small models."""

import json

import pytest

from memlab.cli import main


def test_membership_json_on_the_100_image_model(capsys):
    assert main(["membership", "mnist-diffusion-100", "--members", "200", "--non-members", "200", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["members"] == 100 and out["non_members"] == 200
    assert out["plain"]["auc"] >= 0.99
    assert out["reference"] == "mnist-diffusion-60000" and out["calibrated"]["auc"] >= 0.99


def test_membership_text_names_the_figures(capsys):
    assert main(["membership", "mnist-diffusion-60000", "--members", "200", "--non-members", "200"]) == 0
    out = capsys.readouterr().out
    assert "AUC" in out and "TPR@1% FPR" in out and "lower denoising loss = member" in out
    assert "minus" not in out  # no reference for the model that saw every training image


def test_extract_json(capsys):
    assert main(["extract", "mnist-diffusion-100", "--n", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["precision"] == 1.0 and out["null_groups"] == 0 and out["groups"] >= 10


@pytest.mark.parametrize(
    "args, message",
    [
        (["membership", "mnist-diffusion-9"], "Unknown model 'mnist-diffusion-9'"),
        (["membership", "mnist-gan-60000"], "A GAN has no denoising loss"),
        (["membership", "mnist-classifier"], "is a classifier"),
        (["membership", "mnist-diffusion-100", "--t", "1000"], "timestep"),
        (["membership", "mnist-diffusion-100", "--members", "0"], "number of members"),
        (["extract", "mnist-diffusion-100", "--n", "1"], "from 2 to 10000"),
        (["extract", "nope"], "Unknown model 'nope'"),
    ],
)
def test_bad_input_exits_2_with_a_plain_message(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("memlab: error: ") and message in err and "Traceback" not in err
