"""Membership inference on the real shipped models and real MNIST (memlab.analyses.membership, memlab.analyses.roc).

Small sets (200 members, 200 test images, t = 100) keep each model to a few seconds of CPU; the
losses are kept on disk, so a second run loads them.
"""

import numpy as np
import pytest

from memlab.analyses import membership as mi
from memlab.analyses.roc import bootstrap, roc

N = 200


@pytest.fixture(scope="module")
def small():
    return mi.membership("mnist-diffusion-100", N, N, reference=False)


@pytest.fixture(scope="module")
def large():
    return mi.membership("mnist-diffusion-60000", N, N, reference=False)


def test_roc_on_known_scores():
    # members all below non-members: AUC 1; reversed: 0; identical: 0.5
    assert roc([0, 1, 2], [3, 4]).auc == 1.0
    assert roc([3, 4], [0, 1, 2]).auc == 0.0
    assert roc([1, 1], [1, 1]).auc == 0.5
    r = roc(np.arange(100), np.arange(100) + 0.5)
    assert r.tpr_at(0.01) == pytest.approx(0.02)  # threshold 0.5 catches members 0 and 1


def test_small_model_tells_members_apart(small):
    figures = small.roc().figures()
    assert figures["auc"] >= 0.99
    assert figures["tpr_at_0.01_fpr"] >= 0.9
    assert len(small.rows["members"]) == 100  # every training image of the 100-image model


def test_shuffled_labels_give_chance(small):
    # the test can fail: the same scores with member labels shuffled give AUC near 0.5
    scores = np.concatenate([small.scores("members"), small.scores("non_members")])
    rng = np.random.default_rng(0)
    aucs = []
    for _ in range(20):
        perm = rng.permutation(len(scores))
        aucs.append(roc(scores[perm[:100]], scores[perm[100:]]).auc)
    assert 0.4 < np.mean(aucs) < 0.6


def test_60000_image_model_is_at_chance(large):
    assert 0.45 <= large.roc().auc <= 0.55
    assert len(large.rows["control"]) == 0  # it used every training image: no control


def test_control_matches_test_images():
    result = mi.membership("mnist-diffusion-1000", N, N, reference=False)
    test_auc, control_auc = result.roc().auc, result.roc(against="control").auc
    assert abs(test_auc - control_auc) < 0.03
    # the control really is unused training images
    assert not np.isin(result.rows["control"], mi.training_rows(mi.open_model("mnist-diffusion-1000"))).any()


def test_seeded_runs_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMLAB_CACHE", str(tmp_path))  # computed twice, not loaded
    model = mi.open_model("mnist-diffusion-100")
    images = mi._set_images("mnist", mi.image_sets(model, 20, 20, seed=3))["non_members"]
    a, b = (mi.denoising_loss(model, images, seed=3) for _ in range(2))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, mi.denoising_loss(model, images, seed=4))


def test_score_of_one_image_matches_the_batch(small):
    model = mi.open_model("mnist-diffusion-100")
    images = mi._set_images("mnist", small.rows)["members"][:3]
    batch = mi.denoising_loss(model, images)
    assert mi.score_image("mnist-diffusion-100", images[1])["plain"] == pytest.approx(batch[1], rel=1e-4)


def test_bootstrap_interval_contains_estimate(small):
    interval = bootstrap(small.scores("members"), small.scores("non_members"), reps=50)
    low, high = interval["auc"]
    assert low <= small.roc().auc <= high + 1e-9


def test_gan_and_bad_input_say_why():
    with pytest.raises(ValueError, match="no denoising loss.*memlab extract"):
        mi.membership("mnist-gan-60000")
    with pytest.raises(ValueError, match="timestep"):
        mi.denoising_loss(mi.open_model("mnist-diffusion-100"), np.zeros((1, 28, 28), np.uint8), t=1000)
    with pytest.raises(ValueError, match="members"):
        mi.membership("mnist-diffusion-100", 0, 10)
