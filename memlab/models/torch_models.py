"""Trained models behind one small interface, so the app and the CLI treat them alike.

* every generator has ``sample(n, seed, steps=None, sampler=None, on_step=None) -> (n, 28, 28)``
  float32 on 0..1, and ``options``: the names of the arguments it uses (a GAN ignores all three);
* the classifier has ``predict(images) -> (labels, confidences)`` and ``features(images)``.

``memlab.models.onnx_models`` offers the same interface on ONNX Runtime (no PyTorch). A ``seed`` (an int or a
``numpy.random.Generator``) draws its noise from the NumPy stream of ``memlab.sampling.noise``, so both engines
give the same image for it. Passing a ``torch.Generator`` instead (as ``seed`` or ``generator=``) still
works and draws with PyTorch, as before: the images lessons and tests recorded for it do not change.

``KINDS`` holds one record per kind of model (its network, config, trainer, interface and name);
``from_payload`` builds the right model from a checkpoint dict (see ``memlab.models.checkpoint``).
"""

from dataclasses import dataclass

import numpy as np
import torch

from memlab.sampling import noise
from memlab.nets.classifier import Classifier, ClassifierConfig
from memlab.nets.gan import GANConfig, Generator
from memlab.data.pixels import as_unit_images, model_to_unit, unit_to_model
from memlab.models.registry import ModelSpec, TrainConfig
from memlab.sampling.loop import sample_diffusion, sample_gan
from memlab.sampling.schedule import DEFAULT_SPACING, NoiseSchedule, ScheduleConfig
from memlab.training.trainers import ClassifierTrainer, DiffusionTrainer, GANTrainer
from memlab.nets.unet import UNet, UNetConfig


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


def _noise_source(seed, generator):
    """What a sampler draws from: the ``torch.Generator`` given (either way, the old calls), else the
    NumPy stream of ``seed`` (``memlab.sampling.noise``)."""
    if generator is not None:
        return generator
    if isinstance(seed, torch.Generator):   # sample(n, torch.Generator().manual_seed(s)), as lessons do
        return seed
    return noise.stream(seed)


def _unit(x: torch.Tensor) -> np.ndarray:
    """(N, 1, 28, 28) on -1..1 -> (N, 28, 28) float32 on 0..1, as NumPy."""
    return model_to_unit(x)[:, 0].cpu().numpy()


class DiffusionModel(TrainedModel):
    options = ("sampler", "steps")   # what sample() lets a caller choose

    def sample(self, n, seed=None, steps=None, sampler=None, on_step=None, eta=0.0,
               spacing=DEFAULT_SPACING, generator=None) -> np.ndarray:
        """``n`` images on 0..1, shape (n, 28, 28).

        Args:
            seed: an int or ``numpy.random.Generator`` (or a ``torch.Generator``, see the module doc).
            steps, sampler: default to the spec's ``default_steps`` and ``default_sampler``.
            on_step: ``on_step(t, x_t, x0)`` after every step, both (n, 28, 28) NumPy arrays on 0..1.
            eta, spacing: see ``memlab.sampling.loop.sample_diffusion``.
        """
        step_hook = None if on_step is None else lambda t, x_t, x0: on_step(t, _unit(x_t), _unit(x0))
        x = sample_diffusion(self.net, NoiseSchedule(self.spec.schedule), n, _noise_source(seed, generator),
                             steps or self.spec.default_steps, sampler or self.spec.default_sampler,
                             eta, step_hook, spacing)
        return _unit(x)


class GANModel(TrainedModel):
    options = ()   # one forward pass: nothing to choose

    def sample(self, n, seed=None, generator=None) -> np.ndarray:
        """``n`` images on 0..1, shape (n, 28, 28): one pass, so no steps, sampler or on_step to take."""
        return _unit(sample_gan(self.net, n, _noise_source(seed, generator)))


class ClassifierModel(TrainedModel):
    def _batches(self, images, fn, batch=1000):
        x = unit_to_model(torch.from_numpy(as_unit_images(images)))[:, None]  # (N, 1, 28, 28)
        device = next(self.net.parameters()).device
        with torch.no_grad():
            return torch.cat([fn(x[i:i + batch].to(device)).cpu() for i in range(0, len(x), batch)])

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

    config: type          # the network's frozen config dataclass, e.g. UNetConfig
    network: type         # the nn.Module built from it: network(config) (what is shipped and sampled from)
    trainer: type         # what one training step means (memlab.training.trainers)
    model: type           # the trained model's interface (above)
    architecture: str     # what the model card calls the network


KINDS = {
    "diffusion": Kind(UNetConfig, UNet, DiffusionTrainer, DiffusionModel, "UNet (memlab.nets.unet)"),
    "gan": Kind(GANConfig, Generator, GANTrainer, GANModel, "DCGAN generator (memlab.nets.gan)"),
    "classifier": Kind(ClassifierConfig, Classifier, ClassifierTrainer, ClassifierModel, "CNN (memlab.nets.classifier)"),
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
