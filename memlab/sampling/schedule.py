"""The noise schedule of a DDPM, and its DDPM and DDIM sampling steps.

A plain object, separate from the network (as in diffusers' ``DDPMScheduler``): it owns the
betas and alphas, adds noise for training (``add_noise``) and takes one reverse step for
sampling, by either rule over the same alphas (``ddpm_step`` or ``ddim_step``, as diffusers keeps one
scheduler per sampler). Which timesteps a sampler visits is a pure function,
``inference_timesteps(T, n, spacing)``. The network only maps ``(x_t, t)`` to its prediction:
the noise ``eps`` (the default, as in Ho et al.) or the clean image ``x_0`` ("sample").

Paper notation used below (Ho et al. 2020, "Denoising Diffusion Probabilistic Models";
Song et al. 2021, "Denoising Diffusion Implicit Models"):

* ``betas[t]``          beta_t, the noise added at step t
* ``alphas_cumprod[t]`` alpha-bar_t = prod_{s<=t} (1 - beta_s)
* ``x_t``               the noisy image at step t; ``pred_x0`` the model's estimate of x_0
* ``eps``               the noise in x_t; ``eta`` DDIM's stochasticity (0 = deterministic)

The arithmetic matches diffusers' schedulers with ``timestep_spacing`` "leading" or "trailing",
``clip_sample=True``, DDPM ``variance_type="fixed_small"``, DDIM ``set_alpha_to_one=True``, and the
same ``prediction_type`` names);
``tests/test_schedule.py`` checks it against them. ``memlab.sampling.schedule_numpy`` mirrors the sampling half
in NumPy (for the ONNX Runtime engine) and owns the list of timesteps both visit.
"""

import numpy as np
import torch

from memlab.nets.configs import ScheduleConfig
from memlab.sampling.noise import normal
from memlab.sampling.schedule_numpy import DEFAULT_SPACING, PREDICTIONS, SAMPLERS, SPACINGS, cosine_betas
from memlab.sampling.schedule_numpy import inference_timesteps as timesteps_array

__all__ = ["DEFAULT_SPACING", "PREDICTIONS", "SAMPLERS", "SPACINGS", "NoiseSchedule", "draw_noise",
           "inference_timesteps"]   # the constants live in memlab.sampling.schedule_numpy; importing them here still works


def draw_noise(shape, generator, device, dtype=torch.float32) -> torch.Tensor:
    """Standard normal noise, drawn from ``generator`` and moved to ``device``.

    ``generator`` is a ``numpy.random.Generator`` (what a seed becomes: ``memlab.sampling.noise``, shared with
    the ONNX Runtime engine, so both draw the same numbers) or, as before, a CPU ``torch.Generator``
    (drawing with it directly on a GPU would fail), or None."""
    if isinstance(generator, np.random.Generator):
        return torch.from_numpy(normal(generator, shape)).to(device=device, dtype=dtype)
    where = generator.device if generator is not None else device
    return torch.randn(shape, generator=generator, device=where, dtype=dtype).to(device)


def inference_timesteps(num_train_timesteps: int, num_inference_steps: int,
                        spacing: str = DEFAULT_SPACING) -> torch.Tensor:
    """``memlab.sampling.schedule_numpy.inference_timesteps`` (which explains the spacings), as a tensor."""
    return torch.from_numpy(timesteps_array(num_train_timesteps, num_inference_steps, spacing))


class NoiseSchedule:
    """Betas, alphas and the DDPM / DDIM update rules for one ``ScheduleConfig``."""

    def __init__(self, cfg: ScheduleConfig = ScheduleConfig()):
        self.cfg = cfg
        steps = cfg.num_train_timesteps
        if cfg.beta_schedule == "linear":
            self.betas = torch.linspace(cfg.beta_start, cfg.beta_end, steps, dtype=torch.float32)
        elif cfg.beta_schedule == "cosine":
            self.betas = torch.tensor(cosine_betas(steps), dtype=torch.float32)
        else:
            raise ValueError(f"Unknown beta_schedule {cfg.beta_schedule!r}; use 'linear' or 'cosine'.")
        if cfg.prediction not in PREDICTIONS:
            raise ValueError(f"Unknown prediction {cfg.prediction!r}; use one of {', '.join(PREDICTIONS)}.")
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)

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

    # ---- sampling: two reverse steps over the same alphas --------------------------------
    def _abar(self, t: int) -> torch.Tensor:
        return self.alphas_cumprod[t] if t >= 0 else torch.tensor(1.0)

    def _estimates(self, output: torch.Tensor, t: int, x_t: torch.Tensor):
        """1. the network's estimate of x_0 (clipped to the image range) and of the noise."""
        pred_x0, eps = self.split(output, t, x_t)
        return pred_x0.clamp(-1.0, 1.0), eps

    def ddpm_step(self, output: torch.Tensor, t: int, prev_t: int, x_t: torch.Tensor,
                  generator: torch.Generator | None = None):
        """One ancestral DDPM step x_t -> x_{prev_t} (Ho et al. 2020, eq. 6-7).

        Args:
            output: the network's output at (x_t, t): the noise or the clean image, as the config's
                ``prediction`` says.
            t, prev_t: this timestep and the next one the sampler visits (-1 after the last).
            x_t: the current images (B, 1, 28, 28).
            generator: for the noise added at every step but the last.

        Returns:
            ``(prev_sample, pred_x0)``, both shaped like ``x_t``.
        """
        t, prev_t = int(t), int(prev_t)
        abar_t, abar_prev = self._abar(t), self._abar(prev_t)
        pred_x0, _ = self._estimates(output, t, x_t)
        # 2. mean of q(x_{prev} | x_t, x_0) (eq. 7), with this stride's alpha and beta
        alpha_t = abar_t / abar_prev
        beta_t = 1 - alpha_t
        coef_x0 = abar_prev.sqrt() * beta_t / (1 - abar_t)
        coef_xt = alpha_t.sqrt() * (1 - abar_prev) / (1 - abar_t)
        prev = coef_x0 * pred_x0 + coef_xt * x_t
        # 3. add noise with variance beta-tilde_t (eq. 7), except at the last step
        if t > 0:
            variance = ((1 - abar_prev) / (1 - abar_t) * beta_t).clamp(min=1e-20)
            prev = prev + variance.sqrt() * draw_noise(x_t.shape, generator, x_t.device, x_t.dtype)
        return prev, pred_x0

    def ddim_step(self, output: torch.Tensor, t: int, prev_t: int, x_t: torch.Tensor,
                  generator: torch.Generator | None = None, eta: float = 0.0):
        """One DDIM step x_t -> x_{prev_t} (Song et al. 2021, eq. 12); deterministic when ``eta`` = 0.

        Args: as for ``ddpm_step``, plus ``eta``, the share of DDPM's noise to add (0..1).
        """
        t, prev_t = int(t), int(prev_t)
        abar_t, abar_prev = self._abar(t), self._abar(prev_t)
        pred_x0, eps = self._estimates(output, t, x_t)
        # sigma_t = eta * sqrt((1 - abar_prev) / (1 - abar_t)) * sqrt(1 - abar_t / abar_prev)   (eq. 16)
        sigma = eta * ((1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev)).sqrt()
        # 2. "direction pointing to x_t", then 3. x_prev = sqrt(abar_prev) x_0 + direction (+ noise)
        direction = (1 - abar_prev - sigma**2).clamp(min=0).sqrt() * eps
        prev = abar_prev.sqrt() * pred_x0 + direction
        if eta > 0:
            prev = prev + sigma * draw_noise(x_t.shape, generator, x_t.device, x_t.dtype)
        return prev, pred_x0
