"""A DCGAN for 28 x 28 images, in the shape of TensorFlow's classic DCGAN tutorial.

Generator: 100-d noise -> dense 7*7*256 -> transposed convolutions 7 -> 7 -> 14 -> 28, tanh.
Discriminator: two strided 5x5 convolutions with LeakyReLU and Dropout(0.3) -> one logit.
The "noDropout" variant sets ``dropout=0``.
"""

import torch
from torch import nn

from memlab.nets.configs import GANConfig


class Generator(nn.Module):
    """G(z): noise (B, 100) -> image (B, 1, 28, 28) on -1..1."""

    def __init__(self, cfg: GANConfig = GANConfig()):
        super().__init__()
        self.cfg = cfg
        self.project = nn.Sequential(
            nn.Linear(cfg.noise_dim, 7 * 7 * 256, bias=False), nn.BatchNorm1d(7 * 7 * 256), nn.LeakyReLU(0.3)
        )

        def up(c_in, c_out, stride):  # 5x5 transposed conv; stride 2 doubles H and W
            return [
                nn.ConvTranspose2d(c_in, c_out, 5, stride, padding=2, output_padding=stride - 1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.LeakyReLU(0.3),
            ]

        self.body = nn.Sequential(
            *up(256, 128, 1),
            *up(128, 64, 2),  # 7 -> 7 -> 14
            nn.ConvTranspose2d(64, 1, 5, 2, padding=2, output_padding=1, bias=False),
            nn.Tanh(),
        )  # 14 -> 28

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).view(-1, 256, 7, 7)  # (B, 256, 7, 7)
        return self.body(h)  # (B, 1, 28, 28)


class Discriminator(nn.Module):
    """D(x): image (B, 1, 28, 28) -> real/fake logit (B,)."""

    def __init__(self, cfg: GANConfig = GANConfig()):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 64, 5, 2, padding=2),
            nn.LeakyReLU(0.3),
            nn.Dropout(cfg.dropout),  # (B, 64, 14, 14)
            nn.Conv2d(64, 128, 5, 2, padding=2),
            nn.LeakyReLU(0.3),
            nn.Dropout(cfg.dropout),  # (B, 128, 7, 7)
            nn.Flatten(),
            nn.Linear(128 * 7 * 7, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)
