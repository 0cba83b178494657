"""judgement.judge and its "looks like the dataset" rule, on real images, real samples and real non-images."""

import dataclasses

import numpy as np
import pytest

from memlab import zoo
from memlab.data import datasets as data
from memlab.judgement import NOT_LIKE_THE_DATA, judge
from memlab.judging.baseline import unseen_images
from memlab.judging.training_set import whole_split


def unseen_elsewhere(dataset, n=1000):
    """n test images that are NOT among the baseline's 2 000 (seed 0)."""
    test = data.load(dataset, "test")
    baseline = {im.tobytes() for im in unseen_images(dataset, 2000, 0)}
    rows = [i for i in range(len(test)) if test.images[i].tobytes() not in baseline][:n]
    return test.images[rows]


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_at_least_99_percent_of_1000_real_unseen_images_look_like_the_dataset(dataset):
    judgements = judge(unseen_elsewhere(dataset), whole_split(dataset), zoo.classifier(dataset))
    assert np.mean([j.looks_like_data for j in judgements]) >= 0.99
    assert all(j.verdict != NOT_LIKE_THE_DATA for j in judgements if j.looks_like_data)


def test_a_training_image_is_a_perfect_copy_placed_among_real_images(mnist):
    (j,) = zoo.open("mnist-diffusion-60000").judge(mnist.images[7], k=3)
    assert j.looks_like_data and j.verdict == "perfect copy" and j.nearest_index == 7 and j.rmse == 0
    assert j.closer_than == 1.0 and j.baseline_n == 2000 and j.scope == "same class"
    assert j.predicted_label == mnist.labels[7] and j.searched == (mnist.labels == j.predicted_label).sum()
    assert j.neighbours.indices.shape == (1, 3) and j.neighbour_images.shape == (3, 28, 28)
    assert (j.nearest_image == mnist.images[7]).all()  # the evidence: no widget fetches it again
    assert "closer to a training image than all 2\u00a0000 real unseen digits" in j.sentence()
    # a near-all share is never rounded up to "100 %", nor a near-none down to "0 %"
    assert "than more than 99\u00a0% of 2\u00a0000 real" in dataclasses.replace(j, closer_than=0.9995).sentence()
    # a small share is said the other way round ("closer than fewer than 1 % of" was garbled)
    assert dataclasses.replace(j, closer_than=0.004).sentence() == (
        "More than 99\u00a0% of 2\u00a0000 real unseen digits are at least as close to a training image as this one is."
    )
    assert "than 42\u00a0% of 2\u00a0000 real" in dataclasses.replace(j, closer_than=0.42).sentence()


def test_a_same_class_search_that_had_to_search_every_class_says_so(mnist):
    # mnist-diffusion-10 saw 10 images, at most two of a class: five neighbours "of the same class" do not
    # exist, so the search compares all ten, and the words must not say "same class only"
    model = zoo.open("mnist-diffusion-10")
    subset = model.card["subset_indices"]
    (j,) = model.judge(mnist.images[subset[0]], k=5)
    assert j.scope == "same class" and j.whole_set_fallback and j.searched == 10
    assert j.search_words().startswith("every class") and "all 10 of its training images" in j.search_words()
    assert f"class {j.class_name}" in j.search_words()
    (one,) = model.judge(mnist.images[subset[0]], k=1)
    assert not one.whole_set_fallback and one.search_words() == "same class only" and one.searched < 10
    (whole,) = model.judge(mnist.images[subset[0]], k=5, scope="whole set")
    assert not whole.whole_set_fallback and whole.search_words() == "whole set (every class)"


def test_an_unknown_scope_is_refused():
    with pytest.raises(ValueError, match="scope must be one of"):
        judge(np.zeros((28, 28), np.uint8), whole_split("mnist"), zoo.classifier("mnist"), scope="class")


def test_a_copy_by_the_threshold_that_unseen_images_often_reach_is_no_evidence(mnist_test):
    """An unseen test digit the demo's threshold calls a "near copy": the headline says it is no evidence
    of copying, and the demo's word stays visible beside it; a real copy keeps its headline."""
    from memlab.dashboard.widgets.tiles import verdict_html
    from memlab.judgement import NO_EVIDENCE

    judgements = judge(mnist_test.images[:60], whole_split("mnist"), zoo.classifier("mnist"))
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
    (j,) = judge(noise, whole_split("mnist"), zoo.classifier("mnist"))
    assert j.verdict == NOT_LIKE_THE_DATA and "Predicted class" not in verdict_html(j)
