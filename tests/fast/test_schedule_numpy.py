"""The NumPy sampling loop (what the ONNX Runtime engine runs) against the PyTorch one, step by step.

A dummy network, ``x * t / (t + 1)`` as in diffusers' scheduler tests, stands in for the UNet, so every
schedule, prediction type, sampler and spacing is checked in milliseconds; ``tests/test_onnx.py``
checks the real networks.
"""

import numpy as np
import pytest
import torch

from memlab.sampling import noise

from memlab.sampling import loop as sampling

from memlab.sampling import loop_numpy as sampling_numpy
from memlab.sampling.schedule import NoiseSchedule, ScheduleConfig
from memlab.sampling.schedule_numpy import SPACINGS, NumpySchedule

CONFIGS = [ScheduleConfig(), ScheduleConfig(beta_schedule="cosine"), ScheduleConfig(num_train_timesteps=200),
           ScheduleConfig(prediction="sample")]


class Dummy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.unused = torch.nn.Parameter(torch.zeros(1))   # sample_diffusion reads the device from it

    def forward(self, x, t):
        return x * (t / (t + 1)).view(-1, 1, 1, 1)


def dummy_numpy(x, t):
    return x * (t / (t + 1)).astype(np.float32).reshape(-1, 1, 1, 1)


@pytest.mark.parametrize("cfg", CONFIGS)
def test_betas_and_alphas_match(cfg):
    ours, theirs = NumpySchedule(cfg), NoiseSchedule(cfg)
    np.testing.assert_allclose(ours.betas, theirs.betas.numpy(), rtol=1e-6, atol=0)
    np.testing.assert_allclose(ours.alphas_cumprod, theirs.alphas_cumprod.numpy(), rtol=1e-5, atol=0)


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize("sampler, eta, steps", [("ddpm", 0.0, 50), ("ddpm", 0.0, 2), ("ddim", 0.0, 50),
                                                 ("ddim", 1.0, 20), ("ddim", 0.0, 1)])
def test_every_step_matches_the_pytorch_loop(cfg, spacing, sampler, eta, steps):
    seen = {"torch": [], "numpy": []}
    a = sampling.sample_diffusion(Dummy(), NoiseSchedule(cfg), 3, noise.stream(5), steps, sampler, eta,
                                  lambda t, x, x0: seen["torch"].append((t, x.numpy(), x0.numpy())), spacing)
    b = sampling_numpy.sample_diffusion(dummy_numpy, NumpySchedule(cfg), 3, noise.stream(5), steps, sampler,
                                        eta, lambda t, x, x0: seen["numpy"].append((t, x, x0)), spacing)
    assert b.dtype == np.float32 and b.shape == (3, 1, 28, 28)
    for (t_a, x_a, x0_a), (t_b, x_b, x0_b) in zip(seen["torch"], seen["numpy"], strict=True):
        assert t_a == t_b
        np.testing.assert_allclose(x_b, x_a, atol=1e-4, rtol=0)
        np.testing.assert_allclose(x0_b, x0_a, atol=1e-4, rtol=0)
    np.testing.assert_allclose(b, a.numpy(), atol=1e-4, rtol=0)


def test_a_seed_is_an_int_or_a_numpy_generator():
    assert np.array_equal(noise.normal(noise.stream(3), (2, 2)), noise.normal(np.random.default_rng(3), (2, 2)))
    assert noise.normal(noise.stream(3), (4,)).dtype == np.float32
    with pytest.raises(TypeError, match="seed"):
        noise.stream(torch.Generator())
