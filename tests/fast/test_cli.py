"""The `memlab` command line, run as a user would (a real subprocess for the entry point)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from memlab.cli import build_parser, main

COMMANDS = [
    "train",
    "sample",
    "search",
    "evaluate",
    "dashboard",
    "zoo",
    "audit",
    "curve",
    "prepare",
    "membership",
    "extract",
    "judge",
]


def run(*args):
    return subprocess.run([sys.executable, "-m", "memlab", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", COMMANDS + [None])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(([command] if command else []) + ["--help"])
    assert exit_.value.code == 0
    assert "usage: memlab" in capsys.readouterr().out


def test_all_commands_are_documented():
    subparsers = build_parser()._subparsers._group_actions[0].choices
    assert sorted(subparsers) == sorted(COMMANDS)


def test_judge_is_one_generate_from_the_command_line():
    done = run("judge", "mnist-diffusion-1", "--steps", "20", "--seed", "3", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["headline"] == "perfect copy" and out["searched"].startswith("the 1 MNIST training images")
    assert len(out["neighbours"]) == 1 and out["rmse_article"] < 0.0009
    refused = run("judge", "mnist-gan-60000", "--steps", "5")
    assert refused.returncode != 0 and "takes no --sampler and no --steps" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_search_json_layout_on_real_test_images(tmp_path, mnist_test):
    queries = tmp_path / "q.npy"
    np.save(queries, mnist_test.images[:3])
    done = run("search", str(queries), "--k", "2", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert len(out["queries"]) == 3
    assert out["scope"] == "same class" and out["searched"].endswith("the 60\u00a0000 MNIST training images")
    first = out["queries"][0]
    assert first["predicted_label"] == int(mnist_test.labels[0])
    assert [set(n) for n in first["neighbours"]] == [{"index", "label", "rmse", "rmse_article"}] * 2
    assert all(n["label"] == first["predicted_label"] for n in first["neighbours"])  # same class
    assert first["neighbours"][0]["rmse_article"] == pytest.approx(first["neighbours"][0]["rmse"] * 255 / 4095)


def test_search_a_png_over_a_models_training_subset(tmp_path, mnist):
    from memlab import zoo

    subset = zoo.open("mnist-diffusion-300").subset_indices
    png = tmp_path / "digit.png"
    Image.fromarray(mnist.images[subset[5]]).save(png)
    assert main(["search", str(png), "--model", "mnist-diffusion-300", "--whole-set", "--k", "1"]) == 0
    done = run("search", str(png), "--model", "mnist-diffusion-300", "--json", "--k", "1")
    assert json.loads(done.stdout)["queries"][0]["neighbours"][0] == {
        "index": int(subset[5]),
        "label": int(mnist.labels[subset[5]]),
        "rmse": 0.0,
        "rmse_article": 0.0,
    }


def test_sample_writes_a_png_and_the_same_seed_gives_the_same_image(tmp_path):
    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    for path, seed in ((a, "1"), (b, "1"), (c, "2")):
        assert main(["sample", "mnist-gan-60000", "--n", "4", "--seed", seed, "--out", str(path)]) == 0
    assert np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))
    assert not np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(c)))


@pytest.mark.parametrize(
    "args, message",
    [
        (["sample", "mnist-diffusion-2", "--out", "x.png"], "Unknown model 'mnist-diffusion-2'. Valid model names:"),
        (["evaluate", "mnist-classifier", "--n", "4"], "is a classifier"),
        (["search", "missing.png"], "No file at missing.png"),
    ],
)
def test_bad_input_exits_2_with_a_readable_message(args, message):
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_query_of_the_wrong_shape(tmp_path):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((2, 32, 32), np.float32))
    done = run("search", str(bad))
    assert done.returncode == 2 and "expected (28, 28)" in done.stderr


def test_dataset_choice_is_checked():
    done = run("search", "x.npy", "--dataset", "cifar")
    assert done.returncode == 2 and "invalid choice: 'cifar'" in done.stderr
