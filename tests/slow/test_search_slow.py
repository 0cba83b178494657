"""The exact search (memlab.judging.search) equals brute force: thousands of real queries on both datasets,
and every distance over the whole MNIST train split (moved from tests/fast/test_search.py: each compares
with a float64 reference over 60 000 images, seconds to a minute of CPU)."""

import numpy as np
import pytest
from search_reference import brute_force, index, queries  # noqa: F401 (fixtures)

from memlab.data import datasets as data
from memlab.judging.search import SearchIndex


def brute_force_fast(train_images, queries, k):
    """The same reference for thousands of queries: every distance from one float64 matrix product,
    then every candidate within 1e-6 of the k-th re-scored pixel by pixel (float64) and sorted by
    (distance, index). The product's rounding error is ~1e-12 here, so nothing can be missed."""
    x = (train_images.reshape(len(train_images), -1) / np.float32(255)).astype(np.float32).astype(np.float64)
    q = queries.reshape(len(queries), -1).astype(np.float64)
    x_norms = (x * x).sum(axis=1)
    rows = []
    for start in range(0, len(q), 500):
        block = q[start : start + 500]
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
    queries = np.concatenate(
        [
            test.images[rng.choice(len(test), 1500, replace=False)] / np.float32(255),
            np.clip(unit[picks[:300, 0]] + rng.normal(0, 0.1, (300, 28, 28)), 0, 1),
            (unit[picks[300:, 0]] + unit[picks[300:, 1]]) / 2,  # halfway between two training images
            unit[rng.choice(len(train), 100)],  # exact copies
            np.zeros((1, 28, 28)),
            np.ones((1, 28, 28)),
        ]
    ).astype(np.float32)
    index = SearchIndex(train.images, train.labels)
    result = index.search(queries, k=3)
    np.testing.assert_array_equal(result.indices, brute_force_fast(train.images, queries, 3))


def test_whole_set_search_equals_brute_force(index, mnist, queries):
    result = index.search(queries, k=5)
    rows, dists = brute_force(mnist.images, mnist.labels, queries, 5)
    np.testing.assert_array_equal(result.indices, rows)
    np.testing.assert_allclose(result.rmse, dists, rtol=1e-12)
    np.testing.assert_array_equal(result.labels, mnist.labels[rows])
    # the noisy copies find the image they were made from
    np.testing.assert_array_equal(result.indices[150:, 0], np.arange(50))
