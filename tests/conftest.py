"""Shared fixtures. Tests use the real datasets from $MEMLAB_DATA (CI: ../shared/data)."""

import os
from dataclasses import replace
from pathlib import Path

import pytest

from memlab import registry
from memlab.unet import UNetConfig

REPO = Path(__file__).resolve().parents[1]
if not os.environ.get("MEMLAB_DATA") and (REPO.parent / "shared" / "data").is_dir():
    os.environ["MEMLAB_DATA"] = str(REPO.parent / "shared" / "data")
if os.environ.get("MEMLAB_DATA"):  # absolute, so subprocesses and notebook kernels in other folders find it
    os.environ["MEMLAB_DATA"] = str(Path(os.environ["MEMLAB_DATA"]).resolve())


# The two tiers (README): `make check` runs what is neither a browser test, nor a notebook run, nor a heavy or
# training of a minute or more, nor the Binder replay; `make test` runs everything (CI).
BROWSER = {"test_binder_replay", "test_browser", "test_dashboard_items", "test_public_server", "test_public_pool",
           "test_serve"}
NOTEBOOKS = {"test_lessons_01_03", "test_lessons_04_06", "test_lesson07", "test_notebooks", "test_versions"}


# Tests of 7 s or more each on 2 cores (`--durations`): in `make test` only, so that `make check` stays
# under 3 minutes. Every module keeps faster tests of the same code in the fast tier.
HEAVY = {"test_whole_set_search_equals_brute_force", "test_search_equals_brute_force_on_thousands_of_real_queries",
         "test_noise_blank_and_pure_noise_samples_do_not_look_like_the_dataset",
         "test_at_least_99_percent_of_the_60000_image_models_samples_look_like_the_dataset",
         "test_shuffled_fashion_pictures_are_mostly_caught", "test_gan_and_classifier_train_save_and_load",
         "test_noise_blank_and_shuffled_pixels_fail_clearly", "test_fifty_generate_clicks_keep_memory_flat",
         "test_approximate_backends_mostly_find_the_true_nearest"}


def pytest_collection_modifyitems(items):
    for item in items:
        module = item.path.stem
        if module in BROWSER or module.endswith("_browser"):
            item.add_marker(pytest.mark.browser)
        if module in NOTEBOOKS:
            item.add_marker(pytest.mark.notebooks)
        if item.originalname in HEAVY:
            item.add_marker(pytest.mark.slow)


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
    from memlab import data

    return data.load("mnist", "train")


@pytest.fixture(scope="session")
def mnist_test():
    from memlab import data

    return data.load("mnist", "test")


def tiny_spec(model_id="mnist-diffusion-300", steps=6, **train):
    """A registry spec shrunk to seconds of CPU: a 2-level UNet with 8 channels (or the spec's GAN)."""
    spec = registry.get_spec(model_id)
    network = spec.network
    if spec.kind == "diffusion":
        network = UNetConfig(base_channels=8, channel_mults=(1, 2), attention_at_bottom=False, time_dim=16)
    train_cfg = replace(spec.train, steps=steps, batch_size=8, checkpoint_every=3, **train)
    return replace(spec, network=network, train=train_cfg, default_steps=5)
