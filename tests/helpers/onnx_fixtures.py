"""Fixtures of the engine tests (tests/fast/test_onnx.py, tests/slow/test_onnx_slow.py): both engines on one
thread, and the shipped models exported once per test session into a temporary cache folder."""

import numpy as np
import pytest
import torch
from conftest import share_onnx_exports

from memlab.models import onnx_export, onnx_models, store
from memlab.models.registry import MODELS


@pytest.fixture(scope="module")
def one_thread():
    """Both engines on one thread, as the dashboard runs them: PyTorch's default two threads on two
    busy cores made a 50-step sample take 10-40 s instead of 1 s."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def cache(tmp_path_factory, onnx_exports):
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("cache")
        share_onnx_exports(folder, onnx_exports)  # exported once per test session (tests/conftest.py)
        patch.setenv("MEMLAB_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="session")
def engines(cache):
    """engines(model_id) -> (the PyTorch model, the ONNX Runtime model), exported on first use."""

    def both(model_id):
        onnx_export.export(model_id)
        return store.load(model_id), onnx_models.open_onnx(model_id)

    return both


def assert_same_network(engines, model_id):
    """The exported network of ``model_id`` computes what the PyTorch one computes (to 1e-4), on three inputs."""
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
