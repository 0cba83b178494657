"""The optional FAISS backend (runs where faiss-cpu is installed; the [dev] extra installs it). The
approximate backends' recall: tests/slow/test_search_faiss_slow.py."""

import numpy as np
import pytest

from memlab.judging.search import SearchIndex

pytest.importorskip("faiss")
from memlab.judging.search_faiss import FaissIndex  # noqa: E402


@pytest.fixture(scope="module")
def queries(mnist_test):
    return mnist_test.images[:500]


def test_flat_backend_gives_the_exact_answer(mnist, queries):
    exact = SearchIndex(mnist.images, mnist.labels).search(queries, k=3)
    flat = FaissIndex(mnist.images, mnist.labels).search(queries, k=3)
    np.testing.assert_array_equal(flat.indices, exact.indices)
    np.testing.assert_allclose(flat.rmse, exact.rmse, rtol=1e-12)


def test_faiss_backend_refuses_bad_requests(mnist):
    index = FaissIndex(mnist.images[:50], mnist.labels[:50])
    with pytest.raises(ValueError, match="k must be"):
        index.search(mnist.images[0], k=51)
    with pytest.raises(ValueError, match="per class"):
        index.search(mnist.images[0], classes=[3])
    with pytest.raises(ValueError, match="kind"):
        FaissIndex(mnist.images[:50], mnist.labels[:50], kind="lsh")
