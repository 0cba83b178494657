import numpy as np
import pytest

from memlab.data import datasets as data
from memlab.judging.search import SearchIndex


def brute_force(train_images, train_labels, queries, k, classes=None):
    """The reference: every distance in float64 (of the float32 0..1 pixels), sorted by (distance, index)."""
    x = (train_images.reshape(len(train_images), -1) / np.float32(255)).astype(np.float32).astype(np.float64)
    q = queries.reshape(len(queries), -1).astype(np.float64)
    rows, dists = [], []
    for i, query in enumerate(q):
        d2 = ((x - query) ** 2).sum(axis=1)
        allowed = np.arange(len(x)) if classes is None else np.flatnonzero(train_labels == classes[i])
        order = allowed[np.lexsort((allowed, d2[allowed]))][:k]
        rows.append(order)
        dists.append(np.sqrt(d2[order] / 784))
    return np.array(rows), np.array(dists)


def brute_force_fast(train_images, queries, k):
    """The same reference for thousands of queries: every distance from one float64 matrix product,
    then every candidate within 1e-6 of the k-th re-scored pixel by pixel (float64) and sorted by
    (distance, index). The product's rounding error is ~1e-12 here, so nothing can be missed."""
    x = (train_images.reshape(len(train_images), -1) / np.float32(255)).astype(np.float32).astype(np.float64)
    q = queries.reshape(len(queries), -1).astype(np.float64)
    x_norms = (x * x).sum(axis=1)
    rows = []
    for start in range(0, len(q), 500):
        block = q[start:start + 500]
        d2 = (block * block).sum(axis=1)[:, None] + x_norms[None, :] - 2 * block @ x.T
        kth = np.partition(d2, k - 1, axis=1)[:, k - 1]
        for i, query in enumerate(block):
            cand = np.flatnonzero(d2[i] <= kth[i] + 1e-6)
            exact = ((x[cand] - query) ** 2).sum(axis=1)
            rows.append(cand[np.lexsort((cand, exact))][:k])
    return np.array(rows)


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
def test_search_equals_brute_force_on_thousands_of_real_queries(dataset):
    """Real test images, noisy and blended copies of training images, blank and saturated images."""
    train, test = data.load(dataset, "train"), data.load(dataset, "test")
    rng = np.random.default_rng(1)
    unit = train.images / np.float32(255)
    picks = rng.choice(len(train), (600, 2))
    queries = np.concatenate([
        test.images[rng.choice(len(test), 1500, replace=False)] / np.float32(255),
        np.clip(unit[picks[:300, 0]] + rng.normal(0, 0.1, (300, 28, 28)), 0, 1),
        (unit[picks[300:, 0]] + unit[picks[300:, 1]]) / 2,            # halfway between two training images
        unit[rng.choice(len(train), 100)],                             # exact copies
        np.zeros((1, 28, 28)), np.ones((1, 28, 28)),
    ]).astype(np.float32)
    index = SearchIndex(train.images, train.labels)
    result = index.search(queries, k=3)
    np.testing.assert_array_equal(result.indices, brute_force_fast(train.images, queries, 3))


@pytest.fixture(scope="module")
def index(mnist):
    return SearchIndex(mnist.images, mnist.labels)


@pytest.fixture(scope="module")
def queries(mnist_test, mnist):
    rng = np.random.default_rng(0)
    test = mnist_test.images[:150].astype(np.float32) / 255
    noisy = np.clip(mnist.images[:50] / 255 + rng.normal(0, 0.05, (50, 28, 28)), 0, 1).astype(np.float32)
    return np.concatenate([test, noisy])   # unseen images, and near-copies of training images


def test_whole_set_search_equals_brute_force(index, mnist, queries):
    result = index.search(queries, k=5)
    rows, dists = brute_force(mnist.images, mnist.labels, queries, 5)
    np.testing.assert_array_equal(result.indices, rows)
    np.testing.assert_allclose(result.rmse, dists, rtol=1e-12)
    np.testing.assert_array_equal(result.labels, mnist.labels[rows])
    # the noisy copies find the image they were made from
    np.testing.assert_array_equal(result.indices[150:, 0], np.arange(50))


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


@pytest.mark.parametrize("bad, message", [
    (np.zeros((2, 28, 27), np.float32), "shape"),
    (np.zeros((0, 28, 28), np.float32), "no images"),
    (np.full((1, 28, 28), np.nan, np.float32), "NaN"),
    (np.full((1, 28, 28), 3.0, np.float32), "0..1"),
    (np.full((1, 28, 28), 300, np.int32), "0..255"),
    (np.array([["a"] * 28] * 28), "dtype"),
])
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
    shared = index.subset(subset)                       # reuses the parent's sketch
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
    images = np.repeat(mnist.images[:1], 5000, axis=0)          # 5 000 identical images: all tie
    images[[10, 4000]] = mnist.images[1]
    index = SearchIndex(images, np.zeros(5000, np.int64), indices=np.arange(5000) + 7)
    result = index.search(np.stack([mnist.images[0], mnist.images[1]]), k=3, block=1)
    np.testing.assert_array_equal(result.indices, [[7, 8, 9], [17, 4007, 7]])
    assert result.rmse[0].max() == 0 and result.rmse[1, :2].max() == 0
