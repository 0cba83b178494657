"""judgement.judge's "looks like the dataset" rule on many real non-images and many real samples (moved from
tests/fast/test_judgement.py: each searches hundreds of images over a whole train split)."""

import numpy as np
import pytest

from memlab import zoo
from memlab.data import datasets as data
from memlab.judgement import NOT_LIKE_THE_DATA, judge
from memlab.judging.training_set import whole_split


def non_images(dataset):
    rng = np.random.default_rng(3)
    digits = data.load(dataset, "test").images[:100].reshape(100, -1)
    network = zoo.open(f"{dataset}-diffusion-60000").network  # the PyTorch model: it takes a spacing
    old_one_step = network.sample(10, 0, 1, spacing="leading")  # pure noise as x_0
    return {
        "uniform noise": rng.random((50, 28, 28)).astype(np.float32),
        "blank": np.zeros((1, 28, 28), np.uint8),
        "shuffled pixels": rng.permuted(digits, axis=1).reshape(100, 28, 28),
        "1-step DDIM, old leading spacing": old_one_step,
    }


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_noise_blank_and_pure_noise_samples_do_not_look_like_the_dataset(dataset):
    for kind, images in non_images(dataset).items():
        if kind == "shuffled pixels" and dataset == "fashion":
            continue  # measured below: most, not all, shuffled garments are caught
        judgements = judge(images, whole_split(dataset), zoo.classifier(dataset), scope="whole set")
        unlike = [j for j in judgements if not j.looks_like_data]
        assert len(unlike) == len(judgements), (kind, [j.rmse for j in judgements if j.looks_like_data])
        assert all(j.verdict == NOT_LIKE_THE_DATA and "does not look like the dataset" in j.sentence() for j in unlike)


def test_shuffled_fashion_pictures_are_mostly_caught():
    images = non_images("fashion")["shuffled pixels"]
    judgements = judge(images, whole_split("fashion"), zoo.classifier("fashion"), scope="whole set")
    assert np.mean([not j.looks_like_data for j in judgements]) >= 0.5


@pytest.mark.parametrize(
    "model_id, n",
    [
        ("mnist-gan-60000", 1000),
        ("mnist-gan-60000-nodropout", 1000),
        ("mnist-diffusion-60000", 100),
        ("fashion-diffusion-60000", 100),
    ],
)
def test_at_least_99_percent_of_the_60000_image_models_samples_look_like_the_dataset(model_id, n):
    model = zoo.open(model_id)
    samples = model.sample(n, 1)
    judgements = model.judge(samples)
    assert np.mean([j.looks_like_data for j in judgements]) >= 0.99
