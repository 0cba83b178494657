"""The sampling loops of ``memlab.sampling.loop``, in NumPy around any network function.

An engine that runs without PyTorch (``memlab.models.onnx_models``) passes its network as a plain function
on float32 arrays: ``predict(x, t) -> output`` for a UNet, ``generate(z) -> images`` for a GAN.
The loop, the schedule and the order in which random numbers are drawn are those of the PyTorch
loop, so one seed gives one image in both engines. Images are on the model scale (-1..1), shaped
(N, 1, 28, 28).
"""

import numpy as np

from memlab.sampling.noise import normal
from memlab.data.pixels import SIZE
from memlab.sampling.schedule_numpy import DEFAULT_SPACING, SAMPLERS, NumpySchedule, inference_timesteps


def sample_diffusion(predict, schedule: NumpySchedule, n: int, rng: np.random.Generator, steps: int = 50,
                     sampler: str = "ddim", eta: float = 0.0, on_step=None,
                     spacing: str = DEFAULT_SPACING) -> np.ndarray:
    """Draw ``n`` images from a diffusion model.

    Args:
        predict: the network, ``predict(x (N, 1, 28, 28) float32, t (N,) int64) -> output``: the noise
            or the clean image, as the schedule's config says.
        schedule: the noise schedule it was trained with.
        n: number of images.
        rng: the random stream (``memlab.sampling.noise.stream(seed)``) for the starting noise and DDPM's noise.
        steps, sampler, eta, spacing: as in ``memlab.sampling.loop.sample_diffusion``.
        on_step: optional ``on_step(t, x_t, pred_x0)`` called after every step, on the model scale.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"Unknown sampler {sampler!r}; use one of {', '.join(SAMPLERS)}.")
    timesteps = inference_timesteps(schedule.cfg.num_train_timesteps, steps, spacing).tolist()
    # 1. start from pure noise x_T ~ N(0, I)
    x = normal(rng, (n, 1, SIZE, SIZE))
    for t, prev_t in zip(timesteps, timesteps[1:] + [-1]):
        # 2. predict the noise in x_t (or x_0: see ScheduleConfig.prediction)
        output = predict(x, np.full((n,), t, dtype=np.int64))
        # 3. remove some of the noise: x_t -> x_{prev_t}
        if sampler == "ddpm":
            x, pred_x0 = schedule.ddpm_step(output, t, prev_t, x, rng)
        else:
            x, pred_x0 = schedule.ddim_step(output, t, prev_t, x, rng, eta=eta)
        x = x.astype(np.float32, copy=False)
        if on_step is not None:
            on_step(t, x, pred_x0)
    return x


def sample_gan(generate, noise_dim: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` images from a GAN: one pass of G over noise z ~ N(0, I) of size ``noise_dim``."""
    return generate(normal(rng, (n, noise_dim)))
