"""On a GPU: sampling and training run, and the same seed gives the same images as on the CPU (a seed's
noise is drawn from its NumPy stream, ``memlab.sampling.noise``, then moved to the network's device).

Skipped where PyTorch sees no CUDA device (CI, laptops). On a lent GPU machine (the `device` tool):
    bash scripts/device_test_gpu.sh
"""

import numpy as np
import pytest
import torch

from memlab.models import store
from memlab.models.registry import get_spec
from memlab.training.loop import train

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture
def on_gpu():
    """A model moved to the GPU for one test, and back to the CPU after (the store caches its models).
    TF32 is off meanwhile, so the GPU computes in float32 as the CPU does."""
    moved, tf32 = [], torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False

    def move(model_id):
        model = store.load(model_id)
        model.to("cuda")
        moved.append(model)
        return model

    yield move
    for model in moved:
        model.to("cpu")
    torch.backends.cudnn.allow_tf32 = tf32


@pytest.mark.parametrize("sampler, eta", [("ddpm", 0.0), ("ddim", 0.0), ("ddim", 1.0)])
def test_diffusion_sampling_on_the_gpu_matches_the_cpu(sampler, eta, on_gpu):
    cpu = store.load("mnist-diffusion-60000").sample(8, 0, 20, sampler=sampler, eta=eta)
    gpu = on_gpu("mnist-diffusion-60000").sample(8, 0, 20, sampler=sampler, eta=eta)
    assert gpu.shape == cpu.shape == (8, 28, 28)
    # the same noise on both devices; only the order of floating-point sums differs
    assert np.abs(gpu - cpu).mean() < 0.02, f"mean |GPU - CPU| pixel {np.abs(gpu - cpu).mean():.4f}"


def test_one_image_model_copies_its_image_on_the_gpu(on_gpu):
    images = on_gpu("mnist-diffusion-1").sample(4, 0, 50, sampler="ddpm")
    cpu = store.load("mnist-diffusion-1").sample(1, 0, 50, sampler="ddim")
    assert np.abs(images - cpu[0]).mean() < 0.05


def test_gan_sampling_on_the_gpu_matches_the_cpu(on_gpu):
    cpu = store.load("mnist-gan-60000").sample(8, 0)
    gpu = on_gpu("mnist-gan-60000").sample(8, 0)
    assert np.abs(gpu - cpu).max() < 0.01


def test_training_runs_and_resumes_on_the_gpu(tmp_path):
    spec = get_spec("mnist-diffusion-10")
    straight = train(spec, tmp_path / "straight", steps=200, device="cuda", progress=False)
    train(spec, tmp_path / "resumed", steps=200, max_minutes=0, device="cuda", progress=False)  # stops at step 1
    resumed = train(spec, tmp_path / "resumed", steps=200, resume=True, device="cuda", progress=False)
    assert straight["steps"] == resumed["steps"] == 200
    assert "GPU" in straight["machine"]
    # same draws in the same order: the loss logs agree up to the GPU's non-deterministic reductions
    assert np.allclose(straight["loss_per_100_steps"], resumed["loss_per_100_steps"], rtol=0.05)
