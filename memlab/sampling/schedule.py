"""The noise schedule of a DDPM and its two samplers, DDPM and DDIM, written once for both engines.

A plain object, separate from the network (as in diffusers' ``DDPMScheduler``): ``NoiseSchedule`` owns
the betas and alphas and adds noise for training (``add_noise``); a sampler object takes one reverse
step (``DDPM(schedule).step`` or ``DDIM(schedule, eta).step``), chosen once by name with
``make_sampler``. Which timesteps a sampler visits is a pure function, ``inference_timesteps``. The
network only maps ``(x_t, t)`` to its prediction: the noise ``eps`` (the default, as in Ho et al.) or
the clean image ``x_0`` ("sample").

The tables are float32 NumPy arrays and the steps work on NumPy arrays, so both engines (PyTorch and
ONNX Runtime, ``memlab.models``) sample through this one piece of maths; ``add_noise`` and ``target``
also take PyTorch tensors (training on a GPU). This module does not import PyTorch.

Paper notation used below (Ho et al. 2020, "Denoising Diffusion Probabilistic Models";
Song et al. 2021, "Denoising Diffusion Implicit Models"):

* ``betas[t]``          beta_t, the noise added at step t
* ``alphas_cumprod[t]`` alpha-bar_t = prod_{s<=t} (1 - beta_s); ``abar`` for short
* ``x_t``               the noisy image at step t; ``pred_x0`` the model's estimate of x_0
* ``eps``               the noise in x_t; ``eta`` DDIM's stochasticity (0 = deterministic)

The arithmetic matches diffusers' schedulers with ``timestep_spacing`` "leading" or "trailing",
``clip_sample=True``, DDPM ``variance_type="fixed_small"``, DDIM ``set_alpha_to_one=True``, and the
same ``prediction_type`` names; ``tests/fast/test_schedule.py`` checks it against them.
"""

import math

import numpy as np

from memlab.nets.configs import ScheduleConfig
from memlab.sampling.noise import normal

SPACINGS = ("leading", "trailing")  # how the visited timesteps are spread: see inference_timesteps
DEFAULT_SPACING = "trailing"  # Lin et al. 2024: the first step starts from pure noise
PREDICTIONS = ("epsilon", "sample")  # what the network outputs: eps or x_0
F32 = np.float32


def inference_timesteps(
    num_train_timesteps: int, num_inference_steps: int, spacing: str = DEFAULT_SPACING
) -> np.ndarray:
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
        raise ValueError(f"num_inference_steps must be between 1 and {num_train_timesteps}, got {num_inference_steps}.")
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


def _sqrt(a):
    """Square root of a NumPy value or a PyTorch tensor (this module never imports PyTorch)."""
    return a.sqrt() if hasattr(a, "sqrt") else np.sqrt(a)


class NoiseSchedule:
    """Betas and alphas for one ``ScheduleConfig``, and the forward (noising) process."""

    def __init__(self, cfg: ScheduleConfig = ScheduleConfig()):
        self.cfg = cfg
        steps = cfg.num_train_timesteps
        if cfg.beta_schedule == "linear":
            betas = np.linspace(cfg.beta_start, cfg.beta_end, steps, dtype=F32)
        elif cfg.beta_schedule == "cosine":
            betas = np.array(cosine_betas(steps), dtype=F32)
        else:
            raise ValueError(f"Unknown beta_schedule {cfg.beta_schedule!r}; use 'linear' or 'cosine'.")
        if cfg.prediction not in PREDICTIONS:
            raise ValueError(f"Unknown prediction {cfg.prediction!r}; use one of {', '.join(PREDICTIONS)}.")
        self.betas = betas
        self.alphas = (1 - betas).astype(F32)
        self.alphas_cumprod = np.cumprod(self.alphas, dtype=F32)
        for table in (self.betas, self.alphas, self.alphas_cumprod):
            table.flags.writeable = False
        self._tensors = {}  # device -> alphas_cumprod as a tensor there (training)

    def abar(self, t: int) -> np.float32:
        """alpha-bar_t, with alpha-bar_{-1} = 1 (after the last step: the clean image)."""
        return self.alphas_cumprod[t] if t >= 0 else F32(1.0)

    # ---- training -------------------------------------------------------------------------
    def add_noise(self, x0, noise, t):
        """q(x_t | x_0): x_t = sqrt(alpha-bar_t) x_0 + sqrt(1 - alpha-bar_t) eps   (Ho et al. eq. 4).

        ``x0`` and ``noise`` (B, 1, 28, 28) and ``t`` (B,) are NumPy arrays or PyTorch tensors (on any device)."""
        abar = self._alphas_cumprod_like(x0)[t].reshape(-1, 1, 1, 1)  # (B, 1, 1, 1)
        return _sqrt(abar) * x0 + _sqrt(1.0 - abar) * noise

    def target(self, x0, noise, t):
        """What the network is trained to output for ``add_noise(x0, noise, t)``: eps or x_0."""
        return noise if self.cfg.prediction == "epsilon" else x0

    def _alphas_cumprod_like(self, x):
        if isinstance(x, np.ndarray):
            return self.alphas_cumprod
        key = str(x.device)
        if key not in self._tensors:  # a PyTorch tensor: the table on its device, made once
            self._tensors[key] = x.new_tensor(self.alphas_cumprod)
        return self._tensors[key]

    # ---- sampling -------------------------------------------------------------------------
    def estimates(self, output: np.ndarray, t: int, x_t: np.ndarray):
        """The network's ``output`` at step t as ``(pred_x0, eps)``; pred_x0 clipped to the image range."""
        abar_t = self.abar(t)
        if self.cfg.prediction == "epsilon":
            # Ho et al. eq. 15: x_0 = (x_t - sqrt(1 - abar) eps) / sqrt(abar)
            pred_x0, eps = (x_t - np.sqrt(1 - abar_t) * output) / np.sqrt(abar_t), output
        else:  # x_0 predicted: the noise is what is left of x_t (the same equation solved for eps)
            pred_x0, eps = output, (x_t - np.sqrt(abar_t) * output) / np.sqrt(1 - abar_t)
        return np.clip(pred_x0, -1.0, 1.0), eps


class DDPM:
    """Ancestral sampling (Ho et al. 2020): fresh noise at every step but the last."""

    name = "ddpm"

    def __init__(self, schedule: NoiseSchedule):
        self.schedule = schedule

    def step(self, output: np.ndarray, t: int, prev_t: int, x_t: np.ndarray, rng: np.random.Generator):
        """One step x_t -> x_{prev_t} (eq. 6-7); ``prev_t`` is -1 after the last. Returns ``(prev, pred_x0)``."""
        s = self.schedule
        abar_t, abar_prev = s.abar(t), s.abar(prev_t)
        # 1. the network's estimate of x_0
        pred_x0, _ = s.estimates(output, t, x_t)
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


class DDIM:
    """Song et al. 2021: deterministic when ``eta`` = 0, so it can skip most timesteps."""

    name = "ddim"

    def __init__(self, schedule: NoiseSchedule, eta: float = 0.0):
        if not 0 <= eta <= 1:
            raise ValueError(f"eta must be between 0 and 1, got {eta!r}.")
        self.schedule, self.eta = schedule, eta

    def step(self, output: np.ndarray, t: int, prev_t: int, x_t: np.ndarray, rng: np.random.Generator):
        """One step x_t -> x_{prev_t} (eq. 12); ``prev_t`` is -1 after the last. Returns ``(prev, pred_x0)``."""
        s = self.schedule
        abar_t, abar_prev = s.abar(t), s.abar(prev_t)
        # 1. the network's estimate of x_0 and of the noise
        pred_x0, eps = s.estimates(output, t, x_t)
        # sigma_t = eta * sqrt((1 - abar_prev) / (1 - abar_t)) * sqrt(1 - abar_t / abar_prev)   (eq. 16)
        sigma = F32(self.eta) * np.sqrt((1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev))
        # 2. "direction pointing to x_t", then 3. x_prev = sqrt(abar_prev) x_0 + direction (+ noise)
        direction = np.sqrt(np.maximum(1 - abar_prev - sigma**2, F32(0))) * eps
        prev = np.sqrt(abar_prev) * pred_x0 + direction
        if self.eta > 0:
            prev = prev + sigma * normal(rng, x_t.shape)
        return prev, pred_x0


SAMPLERS = {"ddim": DDIM, "ddpm": DDPM}  # by the name the dashboard, the CLI and the cards use


def make_sampler(name: str, schedule: NoiseSchedule, eta: float = 0.0):
    """The sampler called ``name`` ("ddim" or "ddpm") over ``schedule``; ``eta`` is DDIM's only."""
    if name not in SAMPLERS:
        raise ValueError(f"Unknown sampler {name!r}; use one of {', '.join(SAMPLERS)}.")
    return DDIM(schedule, eta) if name == "ddim" else DDPM(schedule)
