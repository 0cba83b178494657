"""Trained models on PyTorch behind one small interface, so the app and the CLI treat them alike.

* every generator has ``sample(n, seed, steps=None, sampler=None, on_step=None) -> (n, 28, 28)``
  float32 on 0..1 (a GAN takes no steps, sampler or on_step);
* the classifier has ``predict(images) -> (labels, confidences)`` and ``features(images)``.

``memlab.models.onnx_models`` offers the same interface on ONNX Runtime (no PyTorch). Both run the one
sampling loop of ``memlab.sampling.loop`` and draw a seed's noise from ``memlab.sampling.noise``: the
network is the only thing that differs, so both engines give the same image for a seed.

``KINDS`` holds one record per kind of model (its network, config, interface and name; what one
training step means is ``memlab.training.trainers.TRAINERS``); ``from_payload`` builds the right model
from a checkpoint dict (see ``memlab.models.checkpoint``).
"""

from dataclasses import dataclass

import numpy as np
import torch

from memlab.data.pixels import as_unit_images, model_to_unit, unit_to_model
from memlab.models.registry import ModelSpec, TrainConfig
from memlab.nets.classifier import Classifier, ClassifierConfig
from memlab.nets.gan import GANConfig, Generator
from memlab.nets.unet import UNet, UNetConfig
from memlab.sampling import noise
from memlab.sampling.loop import sample_diffusion, sample_gan
from memlab.sampling.schedule import DEFAULT_SPACING, NoiseSchedule, ScheduleConfig


class TrainedModel:
    """A network in eval mode with the spec and card it was saved with."""

    def __init__(self, net, spec, card, subset_indices):
        self.net = net.eval()
        self.spec, self.card = spec, card
        self.subset_indices = subset_indices  # dataset indices of the images it was trained on

    @property
    def id(self):
        return self.spec.id

    def to(self, device):
        self.net.to(device)
        return self


def _unit(x: np.ndarray) -> np.ndarray:
    """(N, 1, 28, 28) on -1..1 -> (N, 28, 28) float32 on 0..1."""
    return model_to_unit(x)[:, 0]


class DiffusionModel(TrainedModel):
    def sample(
        self, n, seed=None, steps=None, sampler=None, on_step=None, eta=0.0, spacing=DEFAULT_SPACING
    ) -> np.ndarray:
        """``n`` images on 0..1, shape (n, 28, 28).

        Args:
            seed: an int or a ``numpy.random.Generator`` (``memlab.sampling.noise``).
            steps, sampler: default to the spec's ``default_steps`` and ``default_sampler``.
            on_step: ``on_step(t, x_t, x0)`` after every step, both (n, 28, 28) NumPy arrays on 0..1.
            eta, spacing: see ``memlab.sampling.loop.sample_diffusion``.
        """
        device = next(self.net.parameters()).device

        @torch.no_grad()
        def predict(x: np.ndarray, t: int) -> np.ndarray:
            x = torch.from_numpy(x).to(device)
            return self.net(x, torch.full((len(x),), t, device=device, dtype=torch.long)).float().cpu().numpy()

        step_hook = None if on_step is None else lambda t, x_t, x0: on_step(t, _unit(x_t), _unit(x0))
        x = sample_diffusion(
            predict,
            NoiseSchedule(self.spec.schedule),
            n,
            noise.stream(seed),
            steps or self.spec.default_steps,
            sampler or self.spec.default_sampler,
            eta,
            step_hook,
            spacing,
        )
        return _unit(x)


class GANModel(TrainedModel):
    def sample(self, n, seed=None) -> np.ndarray:
        """``n`` images on 0..1, shape (n, 28, 28): one pass, so no steps, sampler or on_step to take."""
        device = next(self.net.parameters()).device

        @torch.no_grad()
        def generate(z: np.ndarray) -> np.ndarray:
            return self.net(torch.from_numpy(z).to(device)).float().cpu().numpy()

        return _unit(sample_gan(generate, self.spec.network.noise_dim, n, noise.stream(seed)))


class ClassifierModel(TrainedModel):
    def _batches(self, images, fn, batch=1000):
        x = unit_to_model(torch.from_numpy(as_unit_images(images)))[:, None]  # (N, 1, 28, 28)
        device = next(self.net.parameters()).device
        with torch.no_grad():
            return torch.cat([fn(x[i : i + batch].to(device)).cpu() for i in range(0, len(x), batch)])

    def predict(self, images):
        """Class ids and the softmax confidence of each, for images on 0..1 or uint8."""
        probs = self._batches(images, lambda x: self.net(x).softmax(1))
        confidence, labels = probs.max(1)
        return labels.numpy(), confidence.numpy()

    def features(self, images) -> np.ndarray:
        """Penultimate-layer features (N, feature_dim), for the Frechet distance."""
        return self._batches(images, self.net.features).numpy()


@dataclass(frozen=True)
class Kind:
    """Everything memlab needs to know about one kind of model, in one record."""

    config: type  # the network's frozen config dataclass, e.g. UNetConfig
    network: type  # the nn.Module built from it: network(config) (what is shipped and sampled from)
    model: type  # the trained model's interface (above)
    architecture: str  # what the model card calls the network


KINDS = {
    "diffusion": Kind(UNetConfig, UNet, DiffusionModel, "UNet (memlab.nets.unet)"),
    "gan": Kind(GANConfig, Generator, GANModel, "DCGAN generator (memlab.nets.gan)"),
    "classifier": Kind(ClassifierConfig, Classifier, ClassifierModel, "CNN (memlab.nets.classifier)"),
}


def spec_from_dict(d: dict) -> ModelSpec:
    """Rebuild a ``ModelSpec`` saved with ``to_dict`` (as stored in every checkpoint)."""

    def build(cls, values):
        # dataclasses turn tuples into lists on some round trips; restore them
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    d = dict(d)
    d["train"] = build(TrainConfig, d["train"])
    d["network"] = build(KINDS[d["kind"]].config, d["network"])
    d["schedule"] = build(ScheduleConfig, d["schedule"])
    return ModelSpec(**d)


def from_payload(payload: dict) -> TrainedModel:
    """Build a trained model from a loaded checkpoint dict."""
    spec = spec_from_dict(payload["spec"])
    kind = KINDS[spec.kind]
    net = kind.network(spec.network)
    weights = {k: v.float() if v.is_floating_point() else v for k, v in payload["weights"].items()}
    net.load_state_dict(weights)
    subset = payload.get("subset_indices")
    subset = subset.numpy().astype(np.int64) if subset is not None else None
    return kind.model(net, spec, payload["card"], subset)
