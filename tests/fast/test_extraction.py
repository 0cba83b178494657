"""Extraction by generate-and-filter on the real 100-image model and real MNIST (memlab.analyses.extraction)."""

import numpy as np
import pytest

from memlab.analyses import extraction as ex

N = 100  # samples: about 15 s of DDIM-50 on 2 idle cores, kept on disk (the CLI test reuses them)


@pytest.fixture(scope="module")
def hundred():
    return ex.extract("mnist-diffusion-100", N, seed=0)


def test_groups_are_connected_components():
    a, b = np.zeros((28, 28)), np.ones((28, 28))
    images = np.stack([a, a + 0.01, b, b - 0.01, b - 0.02, np.full((28, 28), 0.5)])
    found = ex.groups(images)
    assert [list(g) for g in found] == [[2, 3, 4], [0, 1]]  # largest first; the lone grey image is no group


def test_hundred_image_model_is_extracted(hundred):
    s = hundred.summary()
    assert s["groups"] >= 10
    assert s["precision"] == 1.0
    assert s["training_images_recovered"] >= 10
    # each recovered group's medoid really lies within GROUP_RMSE of that training image
    from memlab.data import datasets as data

    train = data.load("mnist", "train").images
    m = hundred.medoids[0]
    rmse = np.sqrt(((hundred.samples[m] - train[hundred.nearest_index[0]] / 255.0) ** 2).mean())
    assert rmse == pytest.approx(hundred.nearest_rmse[0], abs=1e-4)


def test_null_on_test_images_finds_no_group(hundred):
    assert hundred.summary()["null_groups"] == 0


def test_grouping_can_fail_on_duplicates():
    # the same test images twice: every image becomes a group of two, the check is not a constant
    from memlab.judging.baseline import unseen_images

    images = unseen_images("mnist", 50, 0)
    assert len(ex.groups(np.concatenate([images, images]))) == 50


def test_seeded_samples_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMLAB_CACHE", str(tmp_path))
    a = ex.samples_of("mnist-diffusion-10", 2, seed=1)
    monkeypatch.setenv("MEMLAB_CACHE", str(tmp_path / "other"))
    assert np.array_equal(a, ex.samples_of("mnist-diffusion-10", 2, seed=1))


def test_bad_input():
    with pytest.raises(ValueError, match="from 2 to 10000"):
        ex.extract("mnist-diffusion-100", 1)
    with pytest.raises(ValueError, match="classifier"):
        ex.extract("mnist-classifier", 10)
