"""nearest.find_nearest: the one search behind every verdict, audit, baseline and figure (real data)."""

import numpy as np
import pytest

from memlab import zoo
from memlab.judging.nearest import find_nearest
from memlab.judging.search import SearchIndex
from memlab.judging.training_set import whole_split


def test_whole_set_search_still_names_the_predicted_class(mnist_test):
    queries = mnist_test.images[:20]
    nearest = find_nearest(queries, whole_split("mnist"), k=3, scope="whole set", classifier=zoo.classifier("mnist"))
    assert nearest.result.indices.shape == (20, 3) and nearest.scope == "whole set"
    assert (nearest.labels == mnist_test.labels[:20]).mean() >= 0.95  # the classifier, for both scopes
    assert ((nearest.confidences > 0) & (nearest.confidences <= 1)).all()
    assert nearest.searched == 60000 and (nearest.searched_per_query == 60000).all()
    assert not nearest.whole_set_fallback.any()
    assert nearest.what == "the 60\u00a0000 MNIST training images"
    # equals brute force over every training image
    brute = SearchIndex(whole_split("mnist").index.pixels.reshape(-1, 28, 28), np.zeros(60000)).search(queries, k=3)
    np.testing.assert_allclose(nearest.result.rmse, brute.rmse)


def test_same_class_searches_only_the_predicted_class(mnist_test):
    nearest = find_nearest(mnist_test.images[:30], whole_split("mnist"), k=2, classifier=zoo.classifier("mnist"))
    assert nearest.scope == "same class"
    assert (nearest.result.labels == nearest.labels[:, None]).all()
    class_sizes = np.bincount(whole_split("mnist").index.labels, minlength=10)
    np.testing.assert_array_equal(nearest.searched_per_query, class_sizes[nearest.labels])
    assert "predicted class" in nearest.what


def test_same_class_falls_back_to_the_whole_subset_where_the_class_is_too_small_and_says_so():
    # mnist-diffusion-10 saw 10 images: with k = 2, classes 0-7 hold fewer than 2 of them
    model = zoo.open("mnist-diffusion-10")
    subset = model.saw.index
    per_class = np.bincount(subset.labels, minlength=10)
    queries = np.stack([subset.image(int(i)) for i in subset.indices])
    nearest = find_nearest(queries, model.saw, k=2, classifier=model.classifier)
    small = per_class[nearest.labels] < 2
    assert small.any() and not small.all(), per_class
    np.testing.assert_array_equal(nearest.whole_set_fallback, small)
    np.testing.assert_array_equal(nearest.searched_per_query, np.where(small, 10, per_class[nearest.labels]))
    assert (nearest.result.labels[~small] == nearest.labels[~small, None]).all()
    assert f"{small.sum()} of 10 searched among all of them" in nearest.what
    assert (nearest.result.rmse[:, 0] == 0).all()  # each training image finds itself
    assert "MNIST-diffusion" in nearest.what and "10 MNIST training images" in nearest.what


def test_k_is_capped_at_the_images_searched_and_the_search_stays_in_the_models_subset():
    model = zoo.open("mnist-diffusion-1")
    nearest = find_nearest(
        np.zeros((2, 28, 28), np.uint8), model.saw, k=5, scope="whole set", classifier=model.classifier
    )
    assert nearest.result.indices.shape == (2, 1)
    assert set(nearest.result.indices.ravel()) == set(model.subset_indices.tolist())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scope": "same-class"}, "scope must be one of"),
        ({"k": 0}, "k must be a positive integer"),
        ({"classifier": None}, "needs the classifier that names each query's class"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message(kwargs, message, mnist_test):
    with pytest.raises(ValueError, match=message):
        find_nearest(mnist_test.images[:1], whole_split("mnist"), **{"classifier": zoo.classifier("mnist"), **kwargs})


def test_predictions_given_are_used_instead_of_asking_the_classifier(mnist_test):
    queries = mnist_test.images[:10]
    classifier = zoo.classifier("mnist")
    asked = find_nearest(queries, whole_split("mnist"), k=2, classifier=classifier)
    given = find_nearest(queries, whole_split("mnist"), k=2, predicted=classifier.predict(queries))
    np.testing.assert_array_equal(given.result.indices, asked.result.indices)
    np.testing.assert_array_equal(given.labels, asked.labels)
