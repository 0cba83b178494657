"""A small CNN that names the class of a 28 x 28 image.

memlab uses it to pick the class for a same-class search, to score sample quality
(confidence) and, through ``features``, for the Frechet distance between image sets.
"""

import torch
from torch import nn

from memlab.nets.configs import ClassifierConfig


class Classifier(nn.Module):
    """Images (B, 1, 28, 28) on -1..1 -> class logits (B, num_classes)."""

    def __init__(self, cfg: ClassifierConfig = ClassifierConfig()):
        super().__init__()
        self.cfg = cfg
        c1, c2, c3 = cfg.channels

        def conv(c_in, c_out):
            return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]

        self.body = nn.Sequential(
            *conv(1, c1),
            *conv(c1, c1),
            nn.MaxPool2d(2),  # (B, c1, 14, 14)
            *conv(c1, c2),
            *conv(c2, c2),
            nn.MaxPool2d(2),  # (B, c2, 7, 7)
            *conv(c2, c3),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),  # (B, c3)
            nn.Linear(c3, cfg.feature_dim),
            nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(cfg.feature_dim, cfg.num_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate activations (B, feature_dim), used for the Frechet distance."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))
