"""The ONNX Runtime engine against the PyTorch one: the network check of every shipped model that
tests/fast/test_onnx.py leaves out (its ``FAST`` four are checked there), on the real shipped weights.
Each export takes 5-15 s on two busy cores; exports are shared with the session (tests/conftest.py).
"""

import numpy as np
import pytest
import torch
from onnx_fixtures import cache, engines, one_thread  # noqa: F401 (fixtures)

from memlab.models import store
from memlab.models.registry import MODELS

FAST = ["mnist-diffusion-60000", "mnist-diffusion-1", "mnist-gan-60000", "mnist-classifier"]   # checked in fast/
SLOW = [m for m in MODELS if store.is_trained(m) and m not in FAST]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("model_id", SLOW)
def test_the_exported_network_computes_what_pytorch_computes(engines, model_id):
    torch_model, onnx_model = engines(model_id)
    rng = np.random.default_rng(0)
    kind = MODELS[model_id].kind
    with torch.no_grad():
        if kind == "diffusion":
            x, t = rng.standard_normal((3, 1, 28, 28), dtype=np.float32), np.array([999, 500, 0])
            expected = torch_model.net(torch.from_numpy(x), torch.from_numpy(t)).numpy()
            got = onnx_model.session.run(None, {"x": x, "t": t})[0]
        elif kind == "gan":
            z = rng.standard_normal((3, MODELS[model_id].network.noise_dim), dtype=np.float32)
            expected = torch_model.net(torch.from_numpy(z)).numpy()
            got = onnx_model.session.run(None, {"z": z})[0]
        else:
            images = rng.random((3, 28, 28), dtype=np.float32)
            expected, got = torch_model.features(images), onnx_model.features(images)
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)
