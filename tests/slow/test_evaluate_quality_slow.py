"""The quality figure can fail: noise, blank and shuffled-pixel "generators" fail it clearly, while the
shipped 60 000-image models pass (real checkpoints, real test images). Minutes of CPU: 100-300 samples
per model, and six fake generators' features."""

import numpy as np
import pytest

from memlab import zoo
from memlab.analyses.evaluate import QUALITY_PASS, quality
from memlab.data import datasets as data

N = 300


def fake_generator(kind: str, dataset: str) -> np.ndarray:
    rng = np.random.default_rng(7)
    if kind == "uniform noise":
        return rng.random((N, 28, 28)).astype(np.float32)
    if kind == "blank":
        return np.zeros((N, 28, 28), np.float32)
    test = data.load(dataset, "test").images[rng.choice(10000, N, replace=False)].reshape(N, -1)
    return rng.permuted(test, axis=1).reshape(N, 28, 28)  # each image's pixels shuffled: same ink, no shape


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
@pytest.mark.parametrize("kind", ["uniform noise", "blank", "shuffled pixels"])
def test_noise_blank_and_shuffled_pixels_fail_clearly(kind, dataset):
    figures = quality(fake_generator(kind, dataset), dataset)
    assert not figures["quality_pass"]
    assert figures["frechet_share_of_scale"] >= 2 * QUALITY_PASS, figures  # clearly: twice the bar or more


@pytest.mark.parametrize(
    "model_id, n",
    [
        ("mnist-gan-60000", N),
        ("mnist-gan-60000-nodropout", N),
        ("mnist-diffusion-60000", 100),
        ("fashion-diffusion-60000", 100),
    ],
)
def test_the_shipped_60000_image_models_pass(model_id, n):
    model = zoo.open(model_id)
    figures = quality(model.sample(n, 0), model.dataset)
    assert figures["quality_pass"], figures
    assert figures["frechet_share_of_scale"] <= 0.75 * QUALITY_PASS, figures
