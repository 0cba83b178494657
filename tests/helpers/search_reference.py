"""The reference the exact search is checked against: every distance computed, nothing pruned."""

import numpy as np
import pytest

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


@pytest.fixture(scope="module")
def index(mnist):
    return SearchIndex(mnist.images, mnist.labels)


@pytest.fixture(scope="module")
def queries(mnist_test, mnist):
    rng = np.random.default_rng(0)
    test = mnist_test.images[:150].astype(np.float32) / 255
    noisy = np.clip(mnist.images[:50] / 255 + rng.normal(0, 0.05, (50, 28, 28)), 0, 1).astype(np.float32)
    return np.concatenate([test, noisy])  # unseen images, and near-copies of training images
