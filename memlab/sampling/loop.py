"""The sampling loops: reverse diffusion (DDPM or DDIM) and a GAN's single forward pass.

Both return images on the model scale (-1..1), shaped (N, 1, 28, 28). Pass a generator to make a
sample reproducible: a ``numpy.random.Generator`` (``memlab.sampling.noise.stream(seed)``: the ONNX Runtime
engine's loop, ``memlab.sampling.loop_numpy``, draws the same numbers) or a ``torch.Generator``.
"""

import functools

import torch

from memlab.data.pixels import SIZE
from memlab.sampling.schedule import DEFAULT_SPACING, SAMPLERS, NoiseSchedule, draw_noise, inference_timesteps


@torch.no_grad()
def sample_diffusion(unet, schedule: NoiseSchedule, n: int, generator=None, steps: int = 50,
                     sampler: str = "ddim", eta: float = 0.0, on_step=None,
                     spacing: str = DEFAULT_SPACING) -> torch.Tensor:
    """Draw ``n`` images from a diffusion model.

    Args:
        unet: the network; it predicts the noise or the clean image, as the schedule's config says.
        schedule: the noise schedule it was trained with.
        n: number of images.
        generator: a NumPy or torch generator for the starting noise (and DDPM's per-step noise).
        steps: number of reverse steps.
        sampler: ``"ddim"`` (deterministic with eta=0) or ``"ddpm"``.
        eta: DDIM's noise level (0 deterministic, 1 behaves like DDPM).
        on_step: optional ``on_step(t, x_t, pred_x0)`` called after every step (for step-through views).
        spacing: which timesteps the steps visit (``memlab.sampling.schedule.inference_timesteps``).
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"Unknown sampler {sampler!r}; use one of {', '.join(SAMPLERS)}.")
    device = next(unet.parameters()).device
    timesteps = inference_timesteps(schedule.cfg.num_train_timesteps, steps, spacing).tolist()
    step = schedule.ddpm_step if sampler == "ddpm" else functools.partial(schedule.ddim_step, eta=eta)
    # 1. start from pure noise x_T ~ N(0, I)
    x = draw_noise((n, 1, SIZE, SIZE), generator, device)
    for t, prev_t in zip(timesteps, timesteps[1:] + [-1]):
        # 2. predict the noise in x_t (or x_0: see ScheduleConfig.prediction)
        output = unet(x, torch.full((n,), t, device=device, dtype=torch.long))
        # 3. remove some of the noise: x_t -> x_{prev_t}
        x, pred_x0 = step(output, t, prev_t, x, generator=generator)
        if on_step is not None:
            on_step(t, x, pred_x0)
    return x


@torch.no_grad()
def sample_gan(generator_net, n: int, generator=None) -> torch.Tensor:
    """Draw ``n`` images from a GAN: one pass of G over noise z ~ N(0, I)."""
    device = next(generator_net.parameters()).device
    z = draw_noise((n, generator_net.cfg.noise_dim), generator, device)
    return generator_net(z)
