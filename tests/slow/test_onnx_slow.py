"""The ONNX Runtime engine against the PyTorch one: the network check of every shipped model that
tests/fast/test_onnx.py leaves out (its ``FAST`` four are checked there), on the real shipped weights.
Each export takes 5-15 s on two busy cores; exports are shared with the session (tests/conftest.py).
"""

import pytest
from onnx_fixtures import assert_same_network, cache, engines, one_thread  # noqa: F401 (fixtures)

from memlab.models import store
from memlab.models.registry import MODELS

FAST = ["mnist-diffusion-60000", "mnist-diffusion-1", "mnist-gan-60000", "mnist-classifier"]  # checked in fast/
SLOW = [m for m in MODELS if store.is_trained(m) and m not in FAST]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("model_id", SLOW)
def test_the_exported_network_computes_what_pytorch_computes(engines, model_id):
    assert_same_network(engines, model_id)
