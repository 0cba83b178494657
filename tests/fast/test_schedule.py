"""The schedule's arithmetic, cross-checked against diffusers' schedulers on the same inputs."""

import pytest
import torch

from memlab.sampling.loop import sample_diffusion
from memlab.sampling.schedule import SPACINGS, NoiseSchedule, ScheduleConfig, inference_timesteps
from memlab.nets.unet import UNet, UNetConfig

diffusers = pytest.importorskip("diffusers")


def reference(kind, cfg, **options):
    cls = diffusers.DDPMScheduler if kind == "ddpm" else diffusers.DDIMScheduler
    beta_schedule = "linear" if cfg.beta_schedule == "linear" else "squaredcos_cap_v2"
    return cls(num_train_timesteps=cfg.num_train_timesteps, beta_start=cfg.beta_start,
               beta_end=cfg.beta_end, beta_schedule=beta_schedule, prediction_type=cfg.prediction, **options)


CONFIGS = [ScheduleConfig(), ScheduleConfig(beta_schedule="cosine"), ScheduleConfig(num_train_timesteps=200),
           ScheduleConfig(prediction="sample")]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_betas_alphas_and_add_noise_match_diffusers(cfg):
    ours, theirs = NoiseSchedule(cfg), reference("ddpm", cfg)
    torch.testing.assert_close(ours.betas, theirs.betas)
    torch.testing.assert_close(ours.alphas_cumprod, theirs.alphas_cumprod)
    g = torch.Generator().manual_seed(0)
    x0, noise = torch.rand((4, 1, 28, 28), generator=g) * 2 - 1, torch.randn((4, 1, 28, 28), generator=g)
    t = torch.tensor([0, 10, cfg.num_train_timesteps // 2, cfg.num_train_timesteps - 1])
    torch.testing.assert_close(ours.add_noise(x0, noise, t), theirs.add_noise(x0, noise, t))
    expected = {"epsilon": noise, "sample": x0}
    torch.testing.assert_close(ours.target(x0, noise, t), expected[cfg.prediction])


@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize("steps", [1, 2, 3, 7, 10, 50, 333, 1000])
def test_inference_timesteps_match_diffusers(spacing, steps):
    for kind in ("ddpm", "ddim"):
        theirs = reference(kind, ScheduleConfig(), timestep_spacing=spacing)
        theirs.set_timesteps(steps)
        torch.testing.assert_close(inference_timesteps(1000, steps, spacing), theirs.timesteps.long())


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("spacing", SPACINGS)
@pytest.mark.parametrize("sampler, eta, steps", [("ddpm", 0.0, 1000), ("ddpm", 0.0, 50), ("ddpm", 0.0, 2),
                                                 ("ddim", 0.0, 50), ("ddim", 0.5, 20), ("ddim", 0.0, 1)])
def test_every_step_matches_diffusers(cfg, spacing, sampler, eta, steps):
    steps = min(steps, cfg.num_train_timesteps)
    ours, theirs = NoiseSchedule(cfg), reference(sampler, cfg, timestep_spacing=spacing)
    theirs.set_timesteps(steps)
    timesteps = inference_timesteps(cfg.num_train_timesteps, steps, spacing).tolist()
    g = torch.Generator().manual_seed(1)
    x = torch.randn((2, 1, 28, 28), generator=g)
    for i in sorted({*range(0, steps, max(1, steps // 7)), steps - 1}):
        t, prev_t = timesteps[i], (timesteps + [-1])[i + 1]
        output = x * t / (t + 1)  # diffusers' dummy model: sample * t / (t + 1)
        kwargs = {"eta": eta} if sampler == "ddim" else {}
        expected = theirs.step(output, t, x, generator=torch.Generator().manual_seed(t), **kwargs)
        step = getattr(ours, f"{sampler}_step")
        prev, pred_x0 = step(output, t, prev_t, x, generator=torch.Generator().manual_seed(t), **kwargs)
        torch.testing.assert_close(prev, expected.prev_sample)
        torch.testing.assert_close(pred_x0, expected.pred_original_sample)


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
        sample_diffusion(UNet(UNetConfig()), NoiseSchedule(), 1, sampler="euler")


@pytest.mark.parametrize("sampler, eta", [("ddpm", 0.0), ("ddim", 1.0)])
def test_step_noise_is_drawn_on_the_generators_device(sampler, eta, monkeypatch):
    # Every caller passes a CPU generator; on a GPU, torch.randn(device="cuda", generator=<CPU>) raises.
    # With no GPU here, record where each draw happens while x_t lives on another device ("meta").
    draws, real_randn = [], torch.randn

    def recording_randn(*args, generator=None, device=None, **kwargs):
        draws.append((torch.device(device or "cpu"), generator.device))
        return real_randn(*args, generator=generator, device=device, **kwargs)

    monkeypatch.setattr(torch, "randn", recording_randn)
    step = getattr(NoiseSchedule(), f"{sampler}_step")
    x_t = torch.zeros((2, 1, 28, 28), device="meta")
    prev, _ = step(x_t, 900, 800, x_t, generator=torch.Generator().manual_seed(0), **({"eta": eta} if eta else {}))
    assert draws and all(where == generator for where, generator in draws), draws
    assert prev.device == x_t.device
