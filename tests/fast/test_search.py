"""The exact search (memlab.judging.search) against a brute-force reference, on real images (the large
brute-force comparisons are in tests/slow/test_search_slow.py)."""

import numpy as np
import pytest
from search_reference import brute_force, index, queries  # noqa: F401 (fixtures)

from memlab.judging.search import SearchIndex


def test_result_does_not_depend_on_block_size(index, queries):
    a = index.search(queries, k=3, block=1)
    b = index.search(queries, k=3, block=64)
    c = index.search(queries, k=3, block=1000)
    for other in (b, c):
        np.testing.assert_array_equal(a.indices, other.indices)
        np.testing.assert_array_equal(a.rmse, other.rmse)


def test_same_class_search_never_returns_another_class(index, mnist, queries):
    classes = np.arange(len(queries)) % 10
    result = index.search(queries, k=4, classes=classes)
    assert (result.labels == classes[:, None]).all()
    rows, dists = brute_force(mnist.images, mnist.labels, queries[:40], 4, classes[:40])
    np.testing.assert_array_equal(result.indices[:40], rows)


def test_training_image_is_its_own_nearest_at_distance_zero(index, mnist):
    result = index.search(mnist.images[[7, 1234, 59999]], k=1)
    np.testing.assert_array_equal(result.indices[:, 0], [7, 1234, 59999])
    assert (result.rmse == 0).all() and (result.rmse_article == 0).all()


def test_subset_index_reports_dataset_indices(mnist):
    subset = np.array([5, 17, 40000])
    index = SearchIndex(mnist.images[subset], mnist.labels[subset], subset)
    result = index.search(mnist.images[[40000, 17]], k=3)
    assert sorted(result.indices[0].tolist()) == sorted(subset.tolist())
    assert result.indices[0, 0] == 40000 and result.indices[1, 0] == 17


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((2, 28, 27), np.float32), "shape"),
        (np.zeros((0, 28, 28), np.float32), "no images"),
        (np.full((1, 28, 28), np.nan, np.float32), "NaN"),
        (np.full((1, 28, 28), 3.0, np.float32), "0..1"),
        (np.full((1, 28, 28), 300, np.int32), "0..255"),
        (np.array([["a"] * 28] * 28), "dtype"),
    ],
)
def test_bad_queries_are_refused_with_a_clear_message(index, bad, message):
    with pytest.raises(ValueError, match=message):
        index.search(bad)


def test_k_larger_than_the_searched_set_is_refused(mnist):
    index = SearchIndex(mnist.images[:10], mnist.labels[:10])
    with pytest.raises(ValueError, match="k=11"):
        index.search(mnist.images[0], k=11)
    with pytest.raises(ValueError, match="k must be"):
        index.search(mnist.images[0], k=0)


def test_subset_of_an_index_equals_an_index_built_on_the_subset(index, mnist, queries):
    subset = np.random.default_rng(2).choice(len(mnist.images), 3000, replace=False)
    shared = index.subset(subset)  # reuses the parent's sketch
    own = SearchIndex(mnist.images[subset], mnist.labels[subset], subset)
    a, b = shared.search(queries, k=2), own.search(queries, k=2)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.rmse, b.rmse)
    assert set(a.indices.ravel()) <= set(subset.tolist())
    np.testing.assert_array_equal(shared.image(int(subset[5])), mnist.images[subset[5]] / np.float32(255))
    with pytest.raises(ValueError, match="not in"):
        index.subset([70000])


def test_float_images_are_searched_like_uint8(mnist, queries):
    as_float = SearchIndex(mnist.images[:2000] / np.float32(255), mnist.labels[:2000])
    as_uint8 = SearchIndex(mnist.images[:2000], mnist.labels[:2000])
    np.testing.assert_array_equal(as_float.search(queries, k=2).indices, as_uint8.search(queries, k=2).indices)


def test_ties_go_to_the_lower_dataset_index_even_when_every_image_ties(mnist):
    images = np.repeat(mnist.images[:1], 5000, axis=0)  # 5 000 identical images: all tie
    images[[10, 4000]] = mnist.images[1]
    index = SearchIndex(images, np.zeros(5000, np.int64), indices=np.arange(5000) + 7)
    result = index.search(np.stack([mnist.images[0], mnist.images[1]]), k=3, block=1)
    np.testing.assert_array_equal(result.indices, [[7, 8, 9], [17, 4007, 7]])
    assert result.rmse[0].max() == 0 and result.rmse[1, :2].max() == 0
