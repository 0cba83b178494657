"""The networks' and the noise schedule's settings: frozen dataclasses, one comment per field.

They live apart from the networks so that reading a model's settings (``memlab.models.registry``, the
dashboard's model list) does not import PyTorch: the dashboard draws its controls first and imports
PyTorch while the page loads. ``UNet(cfg)``, ``Generator(cfg)``, ``Classifier(cfg)`` and
``NoiseSchedule(cfg)`` take them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class UNetConfig:
    image_channels: int = 1  # grey images
    base_channels: int = 32  # channels at full resolution
    channel_mults: tuple = (1, 2, 2)  # channels per level = base * mult; 3 levels: 28, 14, 7
    res_blocks: int = 1  # residual blocks per level, on the way down
    attention_at_bottom: bool = True  # one self-attention block at 7 x 7
    time_dim: int = 128  # size of the timestep embedding
    groups: int = 8  # GroupNorm groups


@dataclass(frozen=True)
class GANConfig:
    noise_dim: int = 100  # size of the latent vector z
    dropout: float = 0.3  # discriminator dropout (0 = the noDropout variant)


@dataclass(frozen=True)
class ClassifierConfig:
    num_classes: int = 10  # digits, or Fashion-MNIST's ten garment classes
    channels: tuple = (32, 64, 128)  # conv widths at 28, 14 and 7 pixels
    feature_dim: int = 128  # size of the penultimate layer (the "features")
    dropout: float = 0.3


@dataclass(frozen=True)
class ScheduleConfig:
    num_train_timesteps: int = 1000  # T, the length of the forward (noising) process
    beta_schedule: str = "linear"  # "linear" (Ho et al.) or "cosine" (Nichol & Dhariwal 2021)
    beta_start: float = 1e-4  # beta_1 of the linear schedule
    beta_end: float = 0.02  # beta_T of the linear schedule
    prediction: str = "epsilon"  # the network's output: "epsilon" (the noise) or "sample" (x_0)
