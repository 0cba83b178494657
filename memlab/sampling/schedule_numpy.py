"""The noise schedule and its DDPM / DDIM steps in NumPy, for engines that run without PyTorch.

``memlab.sampling.schedule`` (PyTorch) is the reference; this module mirrors it line by line in float32 so an
ONNX Runtime kernel samples over exactly the same alphas and update rules. The timesteps a sampler
visits (``inference_timesteps``) are computed here for both. ``tests/test_onnx.py`` checks that the
two engines give the same image for the same seed.

Paper notation as in ``memlab.sampling.schedule``: ``abar`` is alpha-bar_t, ``x_t`` the noisy image,
``pred_x0`` the estimate of the clean image, ``eps`` the noise.
"""

import math

import numpy as np

from memlab.nets.configs import ScheduleConfig
from memlab.sampling.noise import normal

SAMPLERS = ("ddpm", "ddim")
SPACINGS = ("leading", "trailing")  # how the visited timesteps are spread: see inference_timesteps
DEFAULT_SPACING = "trailing"  # Lin et al. 2024: the first step starts from pure noise
PREDICTIONS = ("epsilon", "sample")  # what the network outputs: eps or x_0
F32 = np.float32


def inference_timesteps(num_train_timesteps: int, num_inference_steps: int,
                        spacing: str = DEFAULT_SPACING) -> np.ndarray:
    """The timesteps a sampler visits, from high to low (diffusers' ``timestep_spacing``), int64.

    * ``"trailing"`` counts back from T - 1 in strides of T / n, so the first step always starts
      from pure noise: 1 step visits t = 999, 2 steps 999 and 499 (Lin et al. 2024, Table 2).
    * ``"leading"`` counts up from 0 in strides of T // n: with 1 step it visits only t = 0, and
      treats pure noise as an almost clean image (the result looks like noise).

    With many steps the two hardly differ; with few, use "trailing".
    """
    if spacing not in SPACINGS:
        raise ValueError(f"Unknown spacing {spacing!r}; use one of {', '.join(SPACINGS)}.")
    if not 1 <= num_inference_steps <= num_train_timesteps:
        raise ValueError(f"num_inference_steps must be between 1 and {num_train_timesteps}, "
                         f"got {num_inference_steps}.")
    if spacing == "leading":
        steps = np.arange(num_inference_steps)[::-1] * (num_train_timesteps // num_inference_steps)
    else:
        steps = np.round(np.arange(num_train_timesteps, 0, -num_train_timesteps / num_inference_steps)) - 1
    return steps.astype(np.int64)


def cosine_betas(steps: int, max_beta: float = 0.999) -> list[float]:
    """Betas whose alpha-bar follows cos^2 (Nichol & Dhariwal 2021, eq. 17)."""
    def alpha_bar(t):
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    return [min(1 - alpha_bar((i + 1) / steps) / alpha_bar(i / steps), max_beta) for i in range(steps)]


class NumpySchedule:
    """``memlab.sampling.schedule.NoiseSchedule``'s sampling half, on float32 NumPy arrays."""

    def __init__(self, cfg: ScheduleConfig = ScheduleConfig()):
        self.cfg = cfg
        steps = cfg.num_train_timesteps
        if cfg.beta_schedule == "linear":
            betas = np.linspace(cfg.beta_start, cfg.beta_end, steps)
        elif cfg.beta_schedule == "cosine":
            betas = np.array(cosine_betas(steps))
        else:
            raise ValueError(f"Unknown beta_schedule {cfg.beta_schedule!r}; use 'linear' or 'cosine'.")
        if cfg.prediction not in PREDICTIONS:
            raise ValueError(f"Unknown prediction {cfg.prediction!r}; use one of {', '.join(PREDICTIONS)}.")
        self.betas = betas.astype(F32)
        self.alphas_cumprod = np.cumprod(1 - self.betas, dtype=F32)

    def _abar(self, t: int) -> np.float32:
        return self.alphas_cumprod[t] if t >= 0 else F32(1.0)

    def _estimates(self, output: np.ndarray, t: int, x_t: np.ndarray):
        """1. the network's estimate of x_0 (clipped to the image range) and of the noise."""
        abar_t = self._abar(t)
        if self.cfg.prediction == "epsilon":
            # Ho et al. eq. 15: x_0 = (x_t - sqrt(1 - abar) eps) / sqrt(abar)
            pred_x0, eps = (x_t - np.sqrt(1 - abar_t) * output) / np.sqrt(abar_t), output
        else:   # x_0 predicted: the noise is what is left of x_t
            pred_x0, eps = output, (x_t - np.sqrt(abar_t) * output) / np.sqrt(1 - abar_t)
        return np.clip(pred_x0, -1.0, 1.0), eps

    def ddpm_step(self, output, t: int, prev_t: int, x_t, rng: np.random.Generator | None = None):
        """One ancestral DDPM step x_t -> x_{prev_t} (Ho et al. 2020, eq. 6-7); ``(prev, pred_x0)``."""
        abar_t, abar_prev = self._abar(t), self._abar(prev_t)
        pred_x0, _ = self._estimates(output, t, x_t)
        # 2. mean of q(x_{prev} | x_t, x_0) (eq. 7), with this stride's alpha and beta
        alpha_t = abar_t / abar_prev
        beta_t = 1 - alpha_t
        coef_x0 = np.sqrt(abar_prev) * beta_t / (1 - abar_t)
        coef_xt = np.sqrt(alpha_t) * (1 - abar_prev) / (1 - abar_t)
        prev = coef_x0 * pred_x0 + coef_xt * x_t
        # 3. add noise with variance beta-tilde_t (eq. 7), except at the last step
        if t > 0:
            variance = np.maximum((1 - abar_prev) / (1 - abar_t) * beta_t, F32(1e-20))
            prev = prev + np.sqrt(variance) * normal(rng, x_t.shape)
        return prev, pred_x0

    def ddim_step(self, output, t: int, prev_t: int, x_t, rng: np.random.Generator | None = None,
                  eta: float = 0.0):
        """One DDIM step x_t -> x_{prev_t} (Song et al. 2021, eq. 12); deterministic when ``eta`` = 0."""
        abar_t, abar_prev = self._abar(t), self._abar(prev_t)
        pred_x0, eps = self._estimates(output, t, x_t)
        # sigma_t = eta * sqrt((1 - abar_prev) / (1 - abar_t)) * sqrt(1 - abar_t / abar_prev)   (eq. 16)
        sigma = F32(eta) * np.sqrt((1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev))
        # 2. "direction pointing to x_t", then 3. x_prev = sqrt(abar_prev) x_0 + direction (+ noise)
        direction = np.sqrt(np.maximum(1 - abar_prev - sigma**2, F32(0))) * eps
        prev = np.sqrt(abar_prev) * pred_x0 + direction
        if eta > 0:
            prev = prev + sigma * normal(rng, x_t.shape)
        return prev, pred_x0
