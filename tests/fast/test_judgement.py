"""judgement.judge and its "looks like the dataset" rule, on real images, real samples and real non-images."""

import dataclasses

import numpy as np
import pytest
import torch

from memlab.data import datasets as data

from memlab import zoo
from memlab.judging.baseline import unseen_images
from memlab.judgement import NOT_LIKE_THE_DATA, judge
from memlab.judging.training_set import whole_split


def unseen_elsewhere(dataset, n=1000):
    """n test images that are NOT among the baseline's 2 000 (seed 0)."""
    test = data.load(dataset, "test")
    baseline = {im.tobytes() for im in unseen_images(dataset, 2000, 0)}
    rows = [i for i in range(len(test)) if test.images[i].tobytes() not in baseline][:n]
    return test.images[rows]


def non_images(dataset):
    rng = np.random.default_rng(3)
    digits = data.load(dataset, "test").images[:100].reshape(100, -1)
    old_one_step = zoo.load(f"{dataset}-diffusion-60000").sample(10, torch.Generator().manual_seed(0), 1,
                                                                 spacing="leading")   # pure noise as x_0
    return {"uniform noise": rng.random((50, 28, 28)).astype(np.float32),
            "blank": np.zeros((1, 28, 28), np.uint8),
            "shuffled pixels": rng.permuted(digits, axis=1).reshape(100, 28, 28),
            "1-step DDIM, old leading spacing": old_one_step}


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_noise_blank_and_pure_noise_samples_do_not_look_like_the_dataset(dataset):
    for kind, images in non_images(dataset).items():
        if kind == "shuffled pixels" and dataset == "fashion":
            continue   # measured below: most, not all, shuffled garments are caught
        judgements = judge(images, whole_split(dataset), scope="whole set")
        unlike = [j for j in judgements if not j.looks_like_data]
        assert len(unlike) == len(judgements), (kind, [j.rmse for j in judgements if j.looks_like_data])
        assert all(j.verdict == NOT_LIKE_THE_DATA and "does not look like the dataset" in j.sentence()
                   for j in unlike)


def test_shuffled_fashion_pictures_are_mostly_caught():
    images = non_images("fashion")["shuffled pixels"]
    judgements = judge(images, whole_split("fashion"), scope="whole set")
    assert np.mean([not j.looks_like_data for j in judgements]) >= 0.5


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_at_least_99_percent_of_1000_real_unseen_images_look_like_the_dataset(dataset):
    judgements = judge(unseen_elsewhere(dataset), whole_split(dataset))
    assert np.mean([j.looks_like_data for j in judgements]) >= 0.99
    assert all(j.verdict != NOT_LIKE_THE_DATA for j in judgements if j.looks_like_data)


@pytest.mark.parametrize("model_id, n", [("mnist-gan-60000", 1000), ("mnist-gan-60000-nodropout", 1000),
                                         ("mnist-diffusion-60000", 100), ("fashion-diffusion-60000", 100)])
def test_at_least_99_percent_of_the_60000_image_models_samples_look_like_the_dataset(model_id, n):
    model = zoo.open(model_id)
    samples = model.sample(n, 1)
    judgements = judge(samples, model)
    assert np.mean([j.looks_like_data for j in judgements]) >= 0.99


def test_a_training_image_is_a_perfect_copy_placed_among_real_images(mnist):
    (j,) = judge(mnist.images[7], zoo.open("mnist-diffusion-60000"), k=3)
    assert j.looks_like_data and j.verdict == "perfect copy" and j.nearest_index == 7 and j.rmse == 0
    assert j.closer_than == 1.0 and j.baseline_n == 2000 and j.scope == "same class"
    assert j.predicted_label == mnist.labels[7] and j.searched == (mnist.labels == j.predicted_label).sum()
    assert j.neighbours.indices.shape == (1, 3) and j.neighbour_images.shape == (3, 28, 28)
    assert (j.nearest_image == mnist.images[7]).all()   # the evidence: no widget fetches it again
    assert "closer to a training image than all 2,000 real unseen digits" in j.sentence()
    # a near-all share is never rounded up to "100 %", nor a near-none down to "0 %"
    assert "than more than 99 % of 2,000 real" in dataclasses.replace(j, closer_than=0.9995).sentence()
    # a small share is said the other way round ("closer than fewer than 1 % of" was garbled)
    assert dataclasses.replace(j, closer_than=0.004).sentence() == (
        "More than 99 % of 2,000 real unseen digits are at least as close to a training image as this one is.")
    assert "than 42% of 2,000 real" in dataclasses.replace(j, closer_than=0.42).sentence()


def test_a_same_class_search_that_had_to_search_every_class_says_so(mnist):
    # mnist-diffusion-10 saw 10 images, at most two of a class: five neighbours "of the same class" do not
    # exist, so the search compares all ten, and the words must not say "same class only"
    subset = zoo.card("mnist-diffusion-10")["subset_indices"]
    (j,) = judge(mnist.images[subset[0]], zoo.open("mnist-diffusion-10"), k=5)
    assert j.scope == "same class" and j.whole_set_fallback and j.searched == 10
    assert j.search_words().startswith("every class") and "all 10 of its training images" in j.search_words()
    assert f"class {j.class_name}" in j.search_words()
    (one,) = judge(mnist.images[subset[0]], zoo.open("mnist-diffusion-10"), k=1)
    assert not one.whole_set_fallback and one.search_words() == "same class only" and one.searched < 10
    (whole,) = judge(mnist.images[subset[0]], zoo.open("mnist-diffusion-10"), k=5, scope="whole set")
    assert not whole.whole_set_fallback and whole.search_words() == "whole set (every class)"


def test_an_unknown_scope_is_refused():
    with pytest.raises(ValueError, match="scope must be one of"):
        judge(np.zeros((28, 28), np.uint8), whole_split("mnist"), scope="class")


def test_a_copy_by_the_threshold_that_unseen_images_often_reach_is_no_evidence(mnist_test):
    """An unseen test digit the demo's threshold calls a "near copy": the headline says it is no evidence
    of copying, and the demo's word stays visible beside it; a real copy keeps its headline."""
    from memlab.judgement import NO_EVIDENCE
    from memlab.dashboard.widgets.tiles import verdict_html

    judgements = judge(mnist_test.images[:60], whole_split("mnist"))
    near = next(j for j in judgements if j.verdict == "near copy")
    assert near.as_close_share >= 0.01 and near.headline == NO_EVIDENCE
    panel = verdict_html(near, "your upload")
    assert f"Verdict: <b style='color:#1b7f3b'>{NO_EVIDENCE}</b>" in panel
    assert "The original demo would say “near copy”" in panel and "ordinary resemblance" in panel
    copy = dataclasses.replace(near, verdict="perfect copy", closer_than=1.0)
    assert copy.headline == "perfect copy" and "The original demo would say" not in verdict_html(copy)


def test_no_class_is_named_for_an_image_unlike_the_dataset():
    from memlab.dashboard.widgets.tiles import verdict_html

    noise = np.random.default_rng(0).integers(0, 256, (28, 28)).astype(np.uint8)
    (j,) = judge(noise, whole_split("mnist"))
    assert j.verdict == NOT_LIKE_THE_DATA and "Predicted class" not in verdict_html(j)
