"""The noise schedule of a DDPM, and its DDPM and DDIM sampling steps.

A plain object, separate from the network (as in diffusers' ``DDPMScheduler``): it owns the
betas and alphas, adds noise for training (``add_noise``) and takes one reverse step for
sampling (``set_timesteps`` then ``step``). The network only maps ``(x_t, t)`` to its prediction:
the noise ``eps`` (the default, as in Ho et al.) or the clean image ``x_0`` ("sample").

Paper notation used below (Ho et al. 2020, "Denoising Diffusion Probabilistic Models";
Song et al. 2021, "Denoising Diffusion Implicit Models"):

* ``betas[t]``          beta_t, the noise added at step t
* ``alphas_cumprod[t]`` alpha-bar_t = prod_{s<=t} (1 - beta_s)
* ``x_t``               the noisy image at step t; ``pred_x0`` the model's estimate of x_0
* ``eps``               the noise in x_t; ``eta`` DDIM's stochasticity (0 = deterministic)

The arithmetic matches diffusers' schedulers with their defaults (``timestep_spacing="leading"``,
``clip_sample=True``, DDPM ``variance_type="fixed_small"``, DDIM ``set_alpha_to_one=True``, and the
same ``prediction_type`` names);
``tests/test_schedule.py`` checks it against them.
"""

import math
from dataclasses import dataclass

import torch

SAMPLERS = ("ddpm", "ddim")
PREDICTIONS = ("epsilon", "sample")  # what the network outputs: eps or x_0


@dataclass(frozen=True)
class ScheduleConfig:
    num_train_timesteps: int = 1000   # T, the length of the forward (noising) process
    beta_schedule: str = "linear"     # "linear" (Ho et al.) or "cosine" (Nichol & Dhariwal 2021)
    beta_start: float = 1e-4          # beta_1 of the linear schedule
    beta_end: float = 0.02            # beta_T of the linear schedule
    prediction: str = "epsilon"       # the network's output, one of PREDICTIONS


def draw_noise(shape, generator: torch.Generator | None, device, dtype=torch.float32) -> torch.Tensor:
    """Standard normal noise drawn on the generator's device, then moved to ``device``.

    Callers pass a CPU generator (the same seed gives the same image on every machine); drawing
    with it directly on a GPU would fail."""
    where = generator.device if generator is not None else device
    return torch.randn(shape, generator=generator, device=where, dtype=dtype).to(device)


def _cosine_betas(steps: int, max_beta: float = 0.999) -> torch.Tensor:
    """Betas whose alpha-bar follows cos^2 (Nichol & Dhariwal 2021, eq. 17)."""
    def alpha_bar(t):
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    betas = [min(1 - alpha_bar((i + 1) / steps) / alpha_bar(i / steps), max_beta) for i in range(steps)]
    return torch.tensor(betas, dtype=torch.float32)


class NoiseSchedule:
    """Betas, alphas and the DDPM / DDIM update rules for one ``ScheduleConfig``."""

    def __init__(self, cfg: ScheduleConfig = ScheduleConfig()):
        self.cfg = cfg
        steps = cfg.num_train_timesteps
        if cfg.beta_schedule == "linear":
            self.betas = torch.linspace(cfg.beta_start, cfg.beta_end, steps, dtype=torch.float32)
        elif cfg.beta_schedule == "cosine":
            self.betas = _cosine_betas(steps)
        else:
            raise ValueError(f"Unknown beta_schedule {cfg.beta_schedule!r}; use 'linear' or 'cosine'.")
        if cfg.prediction not in PREDICTIONS:
            raise ValueError(f"Unknown prediction {cfg.prediction!r}; use one of {', '.join(PREDICTIONS)}.")
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)
        self.set_timesteps(steps)

    # ---- training -------------------------------------------------------------------------
    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """q(x_t | x_0): x_t = sqrt(alpha-bar_t) x_0 + sqrt(1 - alpha-bar_t) eps   (Ho et al. eq. 4)."""
        abar = self.alphas_cumprod.to(x0.device)[t].view(-1, 1, 1, 1)  # (B, 1, 1, 1)
        return abar.sqrt() * x0 + (1.0 - abar).sqrt() * noise

    def target(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """What the network is trained to output for ``add_noise(x0, noise, t)``: eps or x_0."""
        return noise if self.cfg.prediction == "epsilon" else x0

    def split(self, output: torch.Tensor, t: int, x_t: torch.Tensor):
        """The network's ``output`` at step t as ``(pred_x0, eps)``, both unclipped."""
        abar_t = self._abar(t)
        if self.cfg.prediction == "epsilon":
            # Ho et al. eq. 15: x_0 = (x_t - sqrt(1 - abar) eps) / sqrt(abar)
            return (x_t - (1 - abar_t).sqrt() * output) / abar_t.sqrt(), output
        # x_0 predicted: the noise is what is left of x_t (the same equation solved for eps)
        return output, (x_t - abar_t.sqrt() * output) / (1 - abar_t).sqrt()

    # ---- sampling -------------------------------------------------------------------------
    def set_timesteps(self, num_inference_steps: int, sampler: str = "ddpm", eta: float = 0.0):
        """Choose the timesteps a sampler visits: every (T // n)-th step, from high to low."""
        steps = self.cfg.num_train_timesteps
        if sampler not in SAMPLERS:
            raise ValueError(f"Unknown sampler {sampler!r}; use one of {', '.join(SAMPLERS)}.")
        if not 1 <= num_inference_steps <= steps:
            raise ValueError(f"num_inference_steps must be between 1 and {steps}, got {num_inference_steps}.")
        self.sampler, self.eta = sampler, float(eta)
        self.num_inference_steps = num_inference_steps
        self.step_ratio = steps // num_inference_steps
        self.timesteps = torch.arange(num_inference_steps).flip(0) * self.step_ratio  # high -> low

    def _abar(self, t: int) -> torch.Tensor:
        return self.alphas_cumprod[t] if t >= 0 else torch.tensor(1.0)

    def step(self, output: torch.Tensor, t: int, x_t: torch.Tensor, generator: torch.Generator | None = None):
        """One reverse step x_t -> x_{t-k} with the sampler chosen in ``set_timesteps``, given the
        network's ``output`` at x_t (eps or x_0, as the config's ``prediction`` says).

        Returns:
            ``(prev_sample, pred_x0)``, both shaped like ``x_t``.
        """
        t = int(t)
        prev_t = t - self.step_ratio
        abar_t, abar_prev = self._abar(t), self._abar(prev_t)

        # 1. the network's estimate of x_0 (clipped to the image range) and of the noise
        pred_x0, eps = self.split(output, t, x_t)
        pred_x0 = pred_x0.clamp(-1.0, 1.0)

        if self.sampler == "ddpm":
            # 2. mean of q(x_{t-1} | x_t, x_0) (Ho et al. eq. 7), with this stride's alpha and beta
            alpha_t = abar_t / abar_prev
            beta_t = 1 - alpha_t
            coef_x0 = abar_prev.sqrt() * beta_t / (1 - abar_t)
            coef_xt = alpha_t.sqrt() * (1 - abar_prev) / (1 - abar_t)
            prev = coef_x0 * pred_x0 + coef_xt * x_t
            # 3. add noise with variance beta-tilde_t (eq. 7), except at the last step
            variance = ((1 - abar_prev) / (1 - abar_t) * beta_t).clamp(min=1e-20)
            if t > 0:
                noise = draw_noise(x_t.shape, generator, x_t.device, x_t.dtype)
                prev = prev + variance.sqrt() * noise
            return prev, pred_x0

        # DDIM (Song et al. eq. 12): sigma_t = eta * sqrt((1-abar_prev)/(1-abar_t)) * sqrt(1-abar_t/abar_prev)
        variance = (1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev)
        sigma = self.eta * variance.sqrt()
        # 2. "direction pointing to x_t", then 3. x_{t-1} = sqrt(abar_prev) x_0 + direction (+ noise)
        direction = (1 - abar_prev - sigma**2).clamp(min=0).sqrt() * eps
        prev = abar_prev.sqrt() * pred_x0 + direction
        if self.eta > 0:
            noise = draw_noise(x_t.shape, generator, x_t.device, x_t.dtype)
            prev = prev + sigma * noise
        return prev, pred_x0
