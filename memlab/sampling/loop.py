"""The sampling loops: reverse diffusion and a GAN's single forward pass, around any network function.

Each engine (``memlab.models.torch_models``, ``memlab.models.onnx_models``) hands in its network as a
plain function on float32 NumPy arrays: ``predict(x, t) -> output`` for a UNet, ``generate(z) ->
images`` for a GAN. The loop, the schedule and the order in which random numbers are drawn are the
same for both, so one seed gives one image whichever engine runs the network; the network is the only
thing that differs. Images are on the model scale (-1..1), shaped (N, 1, 28, 28).
"""

import numpy as np

from memlab.data.pixels import SIZE
from memlab.sampling.noise import normal
from memlab.sampling.schedule import DEFAULT_SPACING, NoiseSchedule, inference_timesteps, make_sampler


def sample_diffusion(
    predict,
    schedule: NoiseSchedule,
    n: int,
    rng: np.random.Generator,
    steps: int = 50,
    sampler: str = "ddim",
    eta: float = 0.0,
    on_step=None,
    spacing: str = DEFAULT_SPACING,
) -> np.ndarray:
    """Draw ``n`` images from a diffusion model.

    Args:
        predict: the network, ``predict(x (N, 1, 28, 28) float32, t: int) -> output`` (NumPy): the noise or
            the clean image, as the schedule's config says.
        schedule: the noise schedule it was trained with.
        n: number of images.
        rng: the random stream (``memlab.sampling.noise.stream(seed)``) for the starting noise and DDPM's noise.
        steps: number of reverse steps; sampler: ``"ddim"`` or ``"ddpm"``; eta: DDIM's noise level (0..1).
        on_step: optional ``on_step(t, x_t, pred_x0)`` called after every step, on the model scale.
        spacing: which timesteps the steps visit (``memlab.sampling.schedule.inference_timesteps``).
    """
    step = make_sampler(sampler, schedule, eta).step
    timesteps = inference_timesteps(schedule.cfg.num_train_timesteps, steps, spacing).tolist()
    # 1. start from pure noise x_T ~ N(0, I)
    x = normal(rng, (n, 1, SIZE, SIZE))
    for t, prev_t in zip(timesteps, timesteps[1:] + [-1]):
        # 2. predict the noise in x_t (or x_0: see ScheduleConfig.prediction)
        output = predict(x, t)
        # 3. remove some of the noise: x_t -> x_{prev_t}
        x, pred_x0 = step(output, t, prev_t, x, rng)
        x = x.astype(np.float32, copy=False)
        if on_step is not None:
            on_step(t, x, pred_x0)
    return x


def sample_gan(generate, noise_dim: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` images from a GAN: one pass of G over noise z ~ N(0, I) of size ``noise_dim``."""
    return generate(normal(rng, (n, noise_dim)))
