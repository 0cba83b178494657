"""Shared fixtures. Tests use the real datasets from $MEMLAB_DATA (CI: ../shared/data)."""

import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from memlab.models import registry
from memlab.nets.unet import UNetConfig

REPO = Path(__file__).resolve().parents[1]
if not os.environ.get("MEMLAB_DATA") and (REPO.parent / "shared" / "data").is_dir():
    os.environ["MEMLAB_DATA"] = str(REPO.parent / "shared" / "data")
if os.environ.get("MEMLAB_DATA"):  # absolute, so subprocesses and notebook kernels in other folders find it
    os.environ["MEMLAB_DATA"] = str(Path(os.environ["MEMLAB_DATA"]).resolve())


# A test's tier is the folder it lives in (README, "Tests"): `make check` runs tests/fast; `make test` runs
# every folder. Each folder below fast/ adds its marker, so `-m "not browser"` and the like still work.
TIERS = {
    "slow": "trains a model or searches for seven seconds or more",
    "server": "starts a real dashboard server on loopback",
    "browser": "drives Chromium against a real server",
    "notebooks": "executes notebooks",
    "replay": "replays the Binder build",
}
sys.path.insert(0, str(Path(__file__).parent / "helpers"))  # the tests' shared helpers: servers, browsers


def pytest_collection_modifyitems(items):
    for item in items:
        tier = item.path.parent.name
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session")
def onnx_exports(tmp_path_factory):
    """One folder of ONNX exports for the test session: a test that points MEMLAB_CACHE at a fresh folder
    links its ``onnx/`` here, so each shipped model is exported once per session, not once per test
    module (~90 s for all of them on 2 cores)."""
    return tmp_path_factory.mktemp("onnx-exports")


def share_onnx_exports(cache: Path, exports: Path):
    """Make ``cache/onnx`` the session's exports folder (``onnx_exports``)."""
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "onnx").symlink_to(exports, target_is_directory=True)


@pytest.fixture(scope="session")
def mnist():
    from memlab.data import datasets as data

    return data.load("mnist", "train")


@pytest.fixture(scope="session")
def mnist_test():
    from memlab.data import datasets as data

    return data.load("mnist", "test")


def tiny_spec(model_id="mnist-diffusion-300", steps=6, **train):
    """A registry spec shrunk to seconds of CPU: a 2-level UNet with 8 channels (or the spec's GAN)."""
    spec = registry.get_spec(model_id)
    network = spec.network
    if spec.kind == "diffusion":
        network = UNetConfig(base_channels=8, channel_mults=(1, 2), attention_at_bottom=False, time_dim=16)
    train_cfg = replace(spec.train, steps=steps, batch_size=8, checkpoint_every=3, **train)
    return replace(spec, network=network, train=train_cfg, default_steps=5)
