"""The optional FAISS backend's approximate kinds against the exact search (runs where faiss-cpu is
installed; moved from tests/fast/test_search_faiss.py: building IVF and HNSW indexes over 60 000 images
takes tens of seconds)."""

import pytest

from memlab.judging.search import SearchIndex

pytest.importorskip("faiss")
from memlab.judging.search_faiss import FaissIndex  # noqa: E402


@pytest.fixture(scope="module")
def queries(mnist_test):
    return mnist_test.images[:500]


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_backends_mostly_find_the_true_nearest(mnist, queries, kind):
    exact = SearchIndex(mnist.images, mnist.labels).search(queries, k=1)
    approx = FaissIndex(mnist.images, mnist.labels, kind=kind, lists=256, probe=8).search(queries, k=1)
    recall = (approx.indices[:, 0] == exact.indices[:, 0]).mean()
    assert recall > 0.9, recall
    # never closer than the true nearest: an approximate search can only miss, not invent
    assert (approx.rmse[:, 0] >= exact.rmse[:, 0] - 1e-12).all()
