"""The quality figure can fail: noise, blank and shuffled-pixel "generators" fail it clearly, while the
shipped 60 000-image models pass (real checkpoints, real test images)."""

import numpy as np
import pytest
import torch

from memlab.data import datasets as data

from memlab import zoo
from memlab.analyses.evaluate import QUALITY_PASS, quality

N = 300


def fake_generator(kind: str, dataset: str) -> np.ndarray:
    rng = np.random.default_rng(7)
    if kind == "uniform noise":
        return rng.random((N, 28, 28)).astype(np.float32)
    if kind == "blank":
        return np.zeros((N, 28, 28), np.float32)
    test = data.load(dataset, "test").images[rng.choice(10000, N, replace=False)].reshape(N, -1)
    return rng.permuted(test, axis=1).reshape(N, 28, 28)   # each image's pixels shuffled: same ink, no shape


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
@pytest.mark.parametrize("kind", ["uniform noise", "blank", "shuffled pixels"])
def test_noise_blank_and_shuffled_pixels_fail_clearly(kind, dataset):
    figures = quality(fake_generator(kind, dataset), dataset)
    assert not figures["quality_pass"]
    assert figures["frechet_share_of_scale"] >= 2 * QUALITY_PASS, figures   # clearly: twice the bar or more


@pytest.mark.slow   # 100-300 samples per model: minutes of CPU (the fast tier skips it)
@pytest.mark.parametrize("model_id, n", [("mnist-gan-60000", N), ("mnist-gan-60000-nodropout", N),
                                         ("mnist-diffusion-60000", 100), ("fashion-diffusion-60000", 100)])
def test_the_shipped_60000_image_models_pass(model_id, n):
    model = zoo.load(model_id)
    figures = quality(model.sample(n, torch.Generator().manual_seed(0)), model.spec.dataset)
    assert figures["quality_pass"], figures
    assert figures["frechet_share_of_scale"] <= 0.75 * QUALITY_PASS, figures


def test_a_one_picture_generator_scores_at_least_the_scale():
    """The scale's meaning: zero covariance leaves Tr(S_test), whatever the picture."""
    digit = data.load("mnist", "test").images[:1]
    figures = quality(np.repeat(digit, 50, axis=0), "mnist")
    assert figures["frechet_to_test"] >= figures["frechet_one_picture_scale"] - 1e-6
    assert not figures["quality_pass"]


def test_quality_needs_two_images():
    with pytest.raises(ValueError, match="at least 2"):
        quality(np.zeros((1, 28, 28), np.float32), "mnist")
