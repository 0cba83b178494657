"""The computations behind lessons 01-03, apart from their widgets (``memlab.dashboard.widgets.noise`` and
``memlab.dashboard.widgets.diffusion`` only draw what these return).

* quick mode: ``MEMLAB_QUICK=1`` shrinks every run of a lesson to seconds (``quick``, ``pick``);
* lesson 01: a training image with sigma grey levels of Gaussian noise added (``add_grey_noise``);
* lesson 02: the forward process q(x_t | x_0) at chosen timesteps (``forward_frames``), its signal and
  noise weights (``signal_and_noise``), and the one-image model's recipe shortened for a class
  (``one_image_recipe``);
* lesson 03: every step of one reverse-diffusion run, x_t and the predicted x_0 (``reverse_trajectory``).

Images come back on the 0..1 scale, shaped (28, 28) or (N, 28, 28).
"""

import os
from dataclasses import dataclass, replace

import numpy as np
import torch

from memlab.data.pixels import as_unit_images, model_to_unit, unit_to_model
from memlab.models import registry
from memlab.sampling.noise import normal, stream
from memlab.sampling.schedule import NoiseSchedule


def quick() -> bool:
    """True when ``MEMLAB_QUICK=1``: lessons shrink every run (CI and slow machines)."""
    return os.environ.get("MEMLAB_QUICK") == "1"


def pick(full, quick_value):
    """``quick_value`` in quick mode, else ``full`` (e.g. ``pick(1000, 300)`` training steps)."""
    return quick_value if quick() else full


# ---- lesson 01: noise measured in grey levels -------------------------------------------------
def add_grey_noise(image, sigma: float, seed: int = 0) -> np.ndarray:
    """``image`` (uint8 or 0..1) plus Gaussian noise of standard deviation ``sigma`` grey levels,
    rounded and clipped back to uint8 grey levels 0..255 (so black stays black below zero)."""
    grey = as_unit_images(image, "image")[0].astype(np.float64) * 255
    noise = np.random.default_rng(seed).normal(0.0, sigma, grey.shape)
    return np.clip(np.round(grey + noise), 0, 255).astype(np.uint8)


# ---- lesson 02: the forward process and the one-image recipe ----------------------------------
def forward_frames(image, timesteps, seed: int = 0, schedule: NoiseSchedule | None = None) -> np.ndarray:
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps for each t in ``timesteps``, one noise eps for all.

    Returns (len(timesteps), 28, 28) on 0..1 (clipped for display: x_t itself can leave -1..1)."""
    schedule = schedule or NoiseSchedule()
    x0 = unit_to_model(torch.from_numpy(as_unit_images(image, "image")[:1]))[:, None]  # (1, 1, 28, 28)
    noise = torch.from_numpy(normal(stream(seed), x0.shape))  # a seed's noise, as everywhere in memlab
    t = torch.as_tensor(list(timesteps), dtype=torch.long)
    x_t = schedule.add_noise(x0.expand(len(t), -1, -1, -1), noise.expand(len(t), -1, -1, -1), t)
    return model_to_unit(x_t.clamp(-1, 1))[:, 0].numpy()


def signal_and_noise(schedule: NoiseSchedule | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The weights of x_0 and of eps in x_t for every t: sqrt(abar_t) and sqrt(1 - abar_t)."""
    abar = (schedule or NoiseSchedule()).alphas_cumprod.astype(np.float64)
    return np.sqrt(abar), np.sqrt(1 - abar)


def one_image_recipe(steps: int, model_id: str = "mnist-diffusion-1"):
    """The registry's one-image spec with ``steps`` training steps, saving only at the end."""
    spec = registry.get_spec(model_id)
    return replace(spec, train=replace(spec.train, steps=steps, checkpoint_every=steps))


# ---- lesson 03: reverse diffusion, step by step -----------------------------------------------
@dataclass(frozen=True)
class Trajectory:
    """One reverse-diffusion run of one image, every step kept (all on 0..1)."""

    sampler: str  # "ddpm" or "ddim"
    timesteps: list  # t visited, high to low
    x_t: np.ndarray  # (steps, 28, 28) the image after each step (clipped for display)
    pred_x0: np.ndarray  # (steps, 28, 28) the model's estimate of the clean image at each step
    final: np.ndarray  # (28, 28) the finished sample

    def x0_change(self) -> np.ndarray:
        """RMSE (0-1) between each step's predicted x_0 and the finished sample: how settled it is."""
        diff = self.pred_x0.astype(np.float64) - self.final.astype(np.float64)
        return np.sqrt((diff**2).mean(axis=(1, 2)))


def reverse_trajectory(model, sampler: str = "ddim", steps: int = 50, seed: int = 0) -> Trajectory:
    """Sample one image from a diffusion ``model`` (``zoo.open(id)``) and keep every step."""
    timesteps, frames, estimates = [], [], []

    def keep(t, x_t, pred_x0):  # called after every step, with (1, 28, 28) NumPy images on 0..1
        timesteps.append(t)
        frames.append(x_t[0])
        estimates.append(pred_x0[0])

    final = model.sample(1, seed, steps=steps, sampler=sampler, on_step=keep)
    return Trajectory(sampler, timesteps, np.stack(frames), np.stack(estimates), final[0])
