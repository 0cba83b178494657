"""The ONNX Runtime engine against the PyTorch one, on the real shipped weights and real test images.

Exports are written once per test session into a temporary cache folder (``MEMLAB_CACHE``). One
model of each kind (and of each diffusion prediction type) is checked here; the network check of the
other shipped models is in tests/slow/test_onnx_slow.py (each export takes 5-15 s on two busy cores).
"""

import gc
import json
import os
import subprocess
import sys
import weakref

import numpy as np
import pytest
import torch
from onnx_fixtures import assert_same_network, cache, engines, one_thread  # noqa: F401 (fixtures)

from memlab import zoo
from memlab.data import datasets as data
from memlab.errors import CheckpointError
from memlab.models import onnx_models, store
from memlab.models.registry import MODELS

FAST = ["mnist-diffusion-60000", "mnist-diffusion-1", "mnist-gan-60000", "mnist-classifier"]  # the others: slow/
TRAINED = [m for m in MODELS if store.is_trained(m)]
PIXEL = 1 / 255  # "the same image": no pixel differs by a grey level


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("model_id", [m for m in TRAINED if m in FAST])
def test_the_exported_network_computes_what_pytorch_computes(engines, model_id):
    assert_same_network(engines, model_id)


def test_one_image_at_a_time_works_too(engines):
    """The batch size is symbolic in every export: 1 (a dashboard sample) and odd sizes run."""
    _, model = engines("mnist-diffusion-60000")
    for n in (1, 5):
        assert model.sample(n, seed=0, steps=2).shape == (n, 28, 28)


@pytest.mark.parametrize("model_id", ["mnist-diffusion-60000", "mnist-diffusion-1"])
@pytest.mark.parametrize("sampler,steps", [("ddim", 50), ("ddpm", 50)])
def test_a_seed_gives_the_same_image_in_both_engines(engines, model_id, sampler, steps):
    torch_model, onnx_model = engines(model_id)
    seen = {"torch": [], "onnx": []}
    kept = {name: (lambda t, x_t, x0, name=name: seen[name].append((t, x_t, x0))) for name in seen}
    a = torch_model.sample(2, 7, steps, sampler=sampler, on_step=kept["torch"])
    b = onnx_model.sample(2, 7, steps, sampler=sampler, on_step=kept["onnx"])
    assert a.shape == b.shape == (2, 28, 28) and a.dtype == b.dtype == np.float32
    assert 0 <= b.min() and b.max() <= 1
    assert np.abs(a - b).max() < PIXEL
    # on_step: the same timesteps, NumPy (n, 28, 28) images on 0..1 from both engines
    assert [t for t, _, _ in seen["torch"]] == [t for t, _, _ in seen["onnx"]] and len(seen["onnx"]) == steps
    for (_, xt_a, x0_a), (_, xt_b, x0_b) in zip(seen["torch"], seen["onnx"]):
        assert isinstance(xt_a, np.ndarray) and xt_b.shape == x0_b.shape == (2, 28, 28)
        assert np.abs(xt_a - xt_b).max() < PIXEL and np.abs(x0_a - x0_b).max() < PIXEL
    assert np.array_equal(seen["onnx"][-1][1], b)


def test_the_seed_matters_and_a_numpy_generator_is_a_seed(engines):
    torch_model, onnx_model = engines("mnist-diffusion-60000")
    first = onnx_model.sample(1, 0, 5)
    assert np.abs(first - onnx_model.sample(1, 1, 5)).max() > 0.1
    assert np.array_equal(first, onnx_model.sample(1, np.random.default_rng(0), 5))
    # PyTorch draws from the same NumPy stream: an int and a NumPy generator are the same seed there too
    assert np.array_equal(torch_model.sample(1, 0, 5), torch_model.sample(1, np.random.default_rng(0), 5))
    assert np.abs(torch_model.sample(1, 0, 5) - first).max() < PIXEL
    # a torch.Generator is no seed any more (it would draw other noise than ONNX Runtime): refused, not ignored
    with pytest.raises(TypeError, match="seed must be an int or a numpy.random.Generator"):
        torch_model.sample(1, torch.Generator().manual_seed(0), 5)
    with pytest.raises(TypeError, match="generator"):
        torch_model.sample(1, generator=torch.Generator().manual_seed(0), steps=5)


def test_a_gan_sample_is_the_same_in_both_engines(engines):
    torch_model, onnx_model = engines("mnist-gan-60000")
    a, b = torch_model.sample(4, 3), onnx_model.sample(4, 3)
    assert b.shape == (4, 28, 28) and np.abs(a - b).max() < PIXEL
    assert zoo.open("mnist-gan-60000").options == zoo.open("mnist-gan-60000", "onnx").options == ()
    for model in (torch_model, onnx_model):  # one pass: a GAN takes no steps (nothing is swallowed)
        with pytest.raises(TypeError):
            model.sample(4, 3, steps=10)


def test_the_classifiers_agree_on_1000_test_images(engines):
    torch_model, onnx_model = engines("mnist-classifier")
    images = data.load("mnist", "test").images[:1000]  # uint8, as the dashboard passes them
    (labels_a, conf_a), (labels_b, conf_b) = torch_model.predict(images), onnx_model.predict(images)
    assert labels_b.dtype == np.int64 and conf_b.dtype == np.float32 and labels_b.shape == (1000,)
    assert np.array_equal(labels_a, labels_b)
    np.testing.assert_allclose(conf_b, conf_a, atol=1e-4)


def test_the_runtime_imports_no_pytorch(engines):
    engines("mnist-diffusion-1")  # exported into the session's cache, opened below
    code = (
        "import sys; from memlab.models import onnx_models; m = onnx_models.open_onnx('mnist-diffusion-1'); "
        "m.sample(1, 0, 2); import json; print(json.dumps('torch' in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) is False, out.stderr


def test_an_export_of_other_weights_is_never_used(engines, monkeypatch):
    engines("mnist-diffusion-1")
    real_card, real_export = store.card("mnist-diffusion-1"), onnx_models.export_path("mnist-diffusion-1")
    # 1. the checkpoint changed: its sha256 names another file, which does not exist yet
    monkeypatch.setattr(store, "card", lambda model_id: {**real_card, "weights_sha256": "0" * 64})
    with pytest.raises(CheckpointError, match="memlab prepare"):
        onnx_models.open_onnx("mnist-diffusion-1")
    # 2. a file under that name made from other weights (its metadata says so) is refused too
    onnx_models.export_path("mnist-diffusion-1").write_bytes(real_export.read_bytes())
    with pytest.raises(CheckpointError, match="other weights"):
        onnx_models.open_onnx("mnist-diffusion-1")


def test_an_unknown_model_lists_the_known_ones(cache):
    with pytest.raises(KeyError, match="mnist-diffusion-60000"):
        onnx_models.open_onnx("no-such-model")


def test_a_kernel_keeps_only_the_most_recent_sessions_open(engines, monkeypatch):
    """A visitor who tries every model does not keep every network in memory: the least recently used
    session is closed, and the model still gives the same image when it is used again."""
    models = [engines(m)[1] for m in ("mnist-diffusion-1", "mnist-diffusion-60000", "mnist-gan-60000")]
    monkeypatch.setattr(onnx_models, "MAX_OPEN_SESSIONS", 2)
    monkeypatch.setattr(onnx_models, "_open_sessions", type(onnx_models._open_sessions)())
    first = models[0].sample(1, 5, steps=3)
    closed = weakref.ref(onnx_models._open_sessions[models[0].path])
    models[1].sample(1, 5, steps=3)
    models[2].sample(1, 5)
    assert list(onnx_models._open_sessions) == [models[1].path, models[2].path]
    gc.collect()
    assert closed() is None  # really released, not only forgotten
    assert np.array_equal(models[0].sample(1, 5, steps=3), first)  # reopened: the same image
    assert list(onnx_models._open_sessions) == [models[2].path, models[0].path]


def test_warming_a_model_costs_a_new_kernel_well_under_a_cpu_second(engines, cache):
    """The dashboard's warm-up opens what a click reads (network, index, classifier, baselines) and searches
    nothing: measured in a fresh process on a machine whose cache is filled (the first run fills it)."""
    engines("mnist-diffusion-60000"), engines("mnist-classifier")
    code = (
        "import json, os, sys, time; "
        "from memlab.dashboard.widgets import warm; warm.import_engine('onnx'); start = time.process_time(); "
        "warm.warm_model('mnist-diffusion-60000', 'onnx'); "
        "print(json.dumps([time.process_time() - start, ('mnist-diffusion-60000', 'onnx') in warm._warmed, "
        "'torch' in sys.modules]))"
    )
    for _purpose in ("fills the cache", "a new kernel"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        cpu_s, warmed, torch_imported = json.loads(out.stdout.strip().splitlines()[-1])
    assert warmed and not torch_imported
    assert cpu_s < 0.4, f"warming took {cpu_s:.2f} CPU-s in a new kernel"


# ONNX Runtime keeps quiet by itself on CI machines (it looks for these variables, found in its library):
# the child runs as on a teacher's server, where nothing else turns it off.
NOT_A_SERVER = {
    "ORT_DISABLE_TELEMETRY",
    "XDG_CACHE_HOME",
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "JENKINS_URL",
    "BUILDKITE",
    "CIRCLECI",
    "CODEBUILD_BUILD_ID",
    "TF_BUILD",
    "TRAVIS",
    "TEAMCITY_VERSION",
}


def test_onnx_runtime_reports_nothing_and_leaves_no_device_id(engines, tmp_path):
    """ONNX Runtime's Linux telemetry (on by default since 1.29) writes a device id and an upload queue
    under ~/.cache/Microsoft: a kernel that runs a model through memlab leaves neither. The same run with
    the operator's explicit ORT_DISABLE_TELEMETRY=0 shows that this check sees the telemetry when it is on."""
    engines("mnist-diffusion-1")
    code = "from memlab.models import onnx_models; onnx_models.open_onnx('mnist-diffusion-1').sample(1, 0, 2)"

    def telemetry_files(home, **env):
        environment = {k: v for k, v in os.environ.items() if k not in NOT_A_SERVER}
        subprocess.run(
            [sys.executable, "-c", code],
            env={**environment, "HOME": str(home), **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return sorted(str(p.relative_to(home)) for p in home.rglob("*") if "Microsoft" in str(p))

    (tmp_path / "off").mkdir(), (tmp_path / "on").mkdir()
    assert telemetry_files(tmp_path / "off") == []
    assert telemetry_files(tmp_path / "on", ORT_DISABLE_TELEMETRY="0"), "the check sees no telemetry at all"
