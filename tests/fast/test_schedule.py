"""The schedule's arithmetic (NumPy, both engines' one copy), cross-checked against diffusers' schedulers
on the same inputs, and where a seed's noise comes from (``memlab.sampling.noise``)."""

import numpy as np
import pytest
import torch

from memlab.sampling import noise
from memlab.sampling.loop import sample_diffusion
from memlab.sampling.schedule import (
    DDIM,
    DDPM,
    SAMPLERS,
    SPACINGS,
    NoiseSchedule,
    ScheduleConfig,
    inference_timesteps,
    make_sampler,
)

diffusers = pytest.importorskip("diffusers")


def reference(kind, cfg, **options):
    cls = diffusers.DDPMScheduler if kind == "ddpm" else diffusers.DDIMScheduler
    beta_schedule = "linear" if cfg.beta_schedule == "linear" else "squaredcos_cap_v2"
    return cls(
        num_train_timesteps=cfg.num_train_timesteps,
        beta_start=cfg.beta_start,
        beta_end=cfg.beta_end,
        beta_schedule=beta_schedule,
        prediction_type=cfg.prediction,
        **options,
    )


class TorchNoise:
    """A stand-in for the NumPy stream that draws what a torch.Generator draws, so our NumPy steps and
    diffusers' steps (which draw with torch) add the same noise."""

    def __init__(self, generator: torch.Generator):
        self.generator = generator

    def standard_normal(self, shape, dtype=np.float32):
        return torch.randn(shape, generator=self.generator, dtype=torch.float32).numpy().astype(dtype)


def with_tables_of(theirs, schedule: NoiseSchedule) -> NoiseSchedule:
    """``schedule`` with diffusers' tables in place of ours. The tables agree to a few float32 ulps (np.linspace
    and np.cumprod round differently from torch's; test_betas_alphas_and_add_noise_match_diffusers checks
    them), and a step amplifies an ulp where it subtracts nearly equal numbers (1 - abar_t / abar_prev near
    t = 0): with the same tables, the step's arithmetic itself is compared to float32 precision."""
    schedule.betas, schedule.alphas, schedule.alphas_cumprod = (
        getattr(theirs, name).numpy() for name in ("betas", "alphas", "alphas_cumprod")
    )
    return schedule


def close(ours: np.ndarray, theirs: torch.Tensor, atol: float = 1e-5):
    assert isinstance(ours, np.ndarray) and ours.dtype == np.float32, type(ours)
    torch.testing.assert_close(torch.from_numpy(ours.copy()), theirs, rtol=1.3e-6, atol=atol)


CONFIGS = [
    ScheduleConfig(),
    ScheduleConfig(beta_schedule="cosine"),
    ScheduleConfig(num_train_timesteps=200),
    ScheduleConfig(prediction="sample"),
]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_betas_alphas_and_add_noise_match_diffusers(cfg):
    ours, theirs = NoiseSchedule(cfg), reference("ddpm", cfg)
    close(ours.betas, theirs.betas)
    close(ours.alphas, theirs.alphas)
    close(ours.alphas_cumprod, theirs.alphas_cumprod)
    g = torch.Generator().manual_seed(0)
    x0, eps = torch.rand((4, 1, 28, 28), generator=g) * 2 - 1, torch.randn((4, 1, 28, 28), generator=g)
    t = torch.tensor([0, 10, cfg.num_train_timesteps // 2, cfg.num_train_timesteps - 1])
    expected = theirs.add_noise(x0, eps, t)
    torch.testing.assert_close(ours.add_noise(x0, eps, t), expected)  # tensors (training)
    close(ours.add_noise(x0.numpy(), eps.numpy(), t.numpy()), expected)  # NumPy arrays
    wanted = {"epsilon": eps, "sample": x0}[cfg.prediction]
    torch.testing.assert_close(ours.target(x0, eps, t), wanted)
    close(ours.target(x0.numpy(), eps.numpy(), t.numpy()), wanted)


def test_the_tables_are_float32_and_read_only():
    schedule = NoiseSchedule()
    for table in (schedule.betas, schedule.alphas, schedule.alphas_cumprod):
        assert table.dtype == np.float32 and table.shape == (1000,)
        with pytest.raises(ValueError, match="read-only"):
            table[0] = 0
    assert schedule.abar(-1) == 1 and schedule.abar(999) == schedule.alphas_cumprod[999]


@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize("steps", [1, 2, 3, 7, 10, 50, 333, 1000])
def test_inference_timesteps_match_diffusers(spacing, steps):
    ours = inference_timesteps(1000, steps, spacing)
    assert ours.dtype == np.int64
    for kind in ("ddpm", "ddim"):
        theirs = reference(kind, ScheduleConfig(), timestep_spacing=spacing)
        theirs.set_timesteps(steps)
        torch.testing.assert_close(torch.from_numpy(ours), theirs.timesteps.long())


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize(
    "sampler, eta, steps",
    [("ddpm", 0.0, 1000), ("ddpm", 0.0, 50), ("ddpm", 0.0, 2), ("ddim", 0.0, 50), ("ddim", 0.5, 20), ("ddim", 0.0, 1)],
)
def test_every_step_matches_diffusers(cfg, spacing, sampler, eta, steps):
    steps = min(steps, cfg.num_train_timesteps)
    schedule, theirs = NoiseSchedule(cfg), reference(sampler, cfg, timestep_spacing=spacing)
    ours = make_sampler(sampler, with_tables_of(theirs, schedule), eta)
    theirs.set_timesteps(steps)
    timesteps = inference_timesteps(cfg.num_train_timesteps, steps, spacing).tolist()
    x = torch.randn((2, 1, 28, 28), generator=torch.Generator().manual_seed(1))
    for i in sorted({*range(0, steps, max(1, steps // 7)), steps - 1}):
        t, prev_t = timesteps[i], (timesteps + [-1])[i + 1]
        output = x * t / (t + 1)  # diffusers' dummy model: sample * t / (t + 1)
        kwargs = {"eta": eta} if sampler == "ddim" else {}
        expected = theirs.step(output, t, x, generator=torch.Generator().manual_seed(t), **kwargs)
        prev, pred_x0 = ours.step(output.numpy(), t, prev_t, x.numpy(), TorchNoise(torch.Generator().manual_seed(t)))
        # float32's default tolerance, plus one rounding of a square root (NumPy's sqrt is correctly rounded,
        # torch's x ** 0.5 is not always) scaled by the division by sqrt(abar_t): 157x at t = 999, where
        # diffusers' dummy model makes x_t - sqrt(1 - abar_t) * output cancel to ~0.1 % of x_t
        atol = 1e-5 + 2 * np.finfo(np.float32).eps * float(output.abs().max()) / float(np.sqrt(schedule.abar(t)))
        close(prev, expected.prev_sample, atol)
        close(pred_x0, expected.pred_original_sample, atol)


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize(
    "sampler, eta, steps", [("ddpm", 0.0, 50), ("ddpm", 0.0, 2), ("ddim", 0.0, 50), ("ddim", 1.0, 20), ("ddim", 0.0, 1)]
)
def test_the_sampling_loop_matches_a_diffusers_loop(cfg, spacing, sampler, eta, steps):
    # The one loop both engines run, with a dummy network and our own tables, against diffusers' loop
    # drawing the same noise in the same order (the start, then each step's)
    def dummy(x, t):
        assert isinstance(x, np.ndarray) and x.dtype == np.float32
        return x * np.float32(t / (t + 1))

    seen = []
    ours = sample_diffusion(
        dummy,
        NoiseSchedule(cfg),
        3,
        TorchNoise(torch.Generator().manual_seed(5)),
        steps,
        sampler,
        eta,
        lambda t, x, x0: seen.append((t, x, x0)),
        spacing,
    )
    assert ours.dtype == np.float32 and ours.shape == (3, 1, 28, 28)
    theirs, g = reference(sampler, cfg, timestep_spacing=spacing), torch.Generator().manual_seed(5)
    theirs.set_timesteps(steps)
    x = torch.randn((3, 1, 28, 28), generator=g)
    kwargs = {"eta": eta} if sampler == "ddim" else {}
    for t, (t_ours, x_ours, x0_ours) in zip(theirs.timesteps.tolist(), seen, strict=True):
        out = theirs.step(x * t / (t + 1), t, x, generator=g, **kwargs)
        x = out.prev_sample
        assert t_ours == t
        np.testing.assert_allclose(x_ours, x.numpy(), atol=1e-4, rtol=0)
        np.testing.assert_allclose(x0_ours, out.pred_original_sample.numpy(), atol=1e-4, rtol=0)
    np.testing.assert_allclose(ours, x.numpy(), atol=1e-4, rtol=0)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="beta_schedule"):
        NoiseSchedule(ScheduleConfig(beta_schedule="quadratic"))
    with pytest.raises(ValueError, match="prediction 'noise'; use one of epsilon, sample"):
        NoiseSchedule(ScheduleConfig(prediction="noise"))
    with pytest.raises(ValueError, match="spacing 'linspace'; use one of leading, trailing"):
        inference_timesteps(1000, 10, "linspace")
    with pytest.raises(ValueError, match="between 1 and 1000"):
        inference_timesteps(1000, 0)
    with pytest.raises(ValueError, match="sampler 'euler'"):
        sample_diffusion(lambda x, t: x, NoiseSchedule(), 1, noise.stream(0), sampler="euler")
    with pytest.raises(ValueError, match="eta must be between 0 and 1"):
        make_sampler("ddim", NoiseSchedule(), eta=1.5)
    assert SAMPLERS == {"ddim": DDIM, "ddpm": DDPM}
    assert isinstance(make_sampler("ddpm", NoiseSchedule()), DDPM)


@pytest.mark.parametrize("sampler, eta, draws", [("ddpm", 0.0, 1), ("ddim", 1.0, 1), ("ddim", 0.0, 0)])
def test_a_step_draws_its_noise_from_the_stream_it_is_given(sampler, eta, draws):
    # The noise of a step comes from the seed's one NumPy stream (memlab.sampling.noise): DDPM draws
    # fresh noise at every step but the last, DDIM only when eta > 0. The same stream state, the same step.
    step = make_sampler(sampler, NoiseSchedule(), eta).step
    x_t = noise.normal(noise.stream(0), (2, 1, 28, 28))
    rng = noise.stream(3)
    prev, _ = step(x_t, 900, 800, x_t, rng)
    again, _ = step(x_t, 900, 800, x_t, noise.stream(3))
    np.testing.assert_array_equal(prev, again)
    following = noise.stream(3)
    for _ in range(draws):
        noise.normal(following, x_t.shape)
    assert rng.bit_generator.state == following.bit_generator.state  # drew exactly `draws` noises
    if sampler == "ddpm":  # the last step (t = 0) adds no noise, so it draws none
        last = noise.stream(3)
        step(x_t, 0, -1, x_t, last)
        assert last.bit_generator.state == noise.stream(3).bit_generator.state


def test_a_seed_is_an_int_or_a_numpy_generator():
    assert np.array_equal(noise.normal(noise.stream(3), (2, 2)), noise.normal(np.random.default_rng(3), (2, 2)))
    assert noise.normal(noise.stream(3), (4,)).dtype == np.float32
    held = np.random.default_rng(4)
    assert noise.stream(held) is held
    with pytest.raises(TypeError, match="seed"):
        noise.stream(torch.Generator())
