"""A small UNet that maps a noisy 28 x 28 image and its timestep to its prediction: the noise or
the clean image, as the model's schedule says (``ScheduleConfig.prediction``, see memlab.sampling.schedule).

Shapes in comments: B batch, C channels, H x W the spatial size (28 -> 14 -> 7 and back).
Sized to train on two CPU cores: the default has about 0.8 M parameters (801 921).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from memlab.nets.configs import UNetConfig


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer timesteps, (B,) -> (B, dim) (Vaswani et al. 2017)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None]  # (B, half)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResBlock(nn.Module):
    """Two 3x3 convolutions with the timestep added in between, plus a skip connection."""

    def __init__(self, c_in: int, c_out: int, time_dim: int, groups: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.time = nn.Linear(time_dim, c_out)
        self.norm2 = nn.GroupNorm(groups, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))  # (B, c_out, H, W)
        h = h + self.time(F.silu(temb))[:, :, None, None]  # add the timestep to every pixel
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class Attention(nn.Module):
    """Self-attention over the H*W positions of a feature map (one head)."""

    def __init__(self, channels: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)  # each (B, C, HW)
        # (B, heads=1, HW, C): the 4-D layout every backend accepts, the ONNX exporter included
        q, k, v = (y.transpose(1, 2)[:, None] for y in (q, k, v))
        a = F.scaled_dot_product_attention(q, k, v)[:, 0]  # (B, HW, C)
        return x + self.out(a.transpose(1, 2).reshape(b, c, h, w))


class UNet(nn.Module):
    """The network of a DDPM: (x_t, t) -> the noise eps_theta(x_t, t) or the clean image x_0, per the schedule."""

    def __init__(self, cfg: UNetConfig = UNetConfig()):
        super().__init__()
        self.cfg = cfg
        chans = [cfg.base_channels * m for m in cfg.channel_mults]
        self.time_mlp = nn.Sequential(
            nn.Linear(cfg.time_dim, cfg.time_dim), nn.SiLU(), nn.Linear(cfg.time_dim, cfg.time_dim)
        )
        self.stem = nn.Conv2d(cfg.image_channels, chans[0], 3, padding=1)

        # Down path: res blocks at each level, then a strided conv to halve H and W.
        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        c_prev = chans[0]
        for i, c in enumerate(chans):
            blocks = []
            for _ in range(cfg.res_blocks):
                blocks.append(ResBlock(c_prev, c, cfg.time_dim, cfg.groups))
                c_prev = c
            self.down.append(nn.ModuleList(blocks))
            last = i == len(chans) - 1
            self.downsample.append(nn.Identity() if last else nn.Conv2d(c, c, 3, stride=2, padding=1))

        self.mid1 = ResBlock(c_prev, c_prev, cfg.time_dim, cfg.groups)
        self.mid_attn = Attention(c_prev, cfg.groups) if cfg.attention_at_bottom else nn.Identity()
        self.mid2 = ResBlock(c_prev, c_prev, cfg.time_dim, cfg.groups)

        # Up path: concatenate the skip from the same level, one res block, then upsample.
        self.up, self.upsample = nn.ModuleList(), nn.ModuleList()
        for i, c in reversed(list(enumerate(chans))):
            self.up.append(ResBlock(c_prev + c, c, cfg.time_dim, cfg.groups))
            c_prev = c
            first = i == 0
            self.upsample.append(
                nn.Identity()
                if first
                else nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c, c, 3, padding=1))
            )
            if not first:  # the next level up has fewer channels: project
                self.upsample[-1].append(nn.Conv2d(c, chans[i - 1], 1))
                c_prev = chans[i - 1]
        self.head = nn.Sequential(
            nn.GroupNorm(cfg.groups, chans[0]), nn.SiLU(), nn.Conv2d(chans[0], cfg.image_channels, 3, padding=1)
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Args: x (B, 1, 28, 28) noisy images on -1..1; t (B,) integer timesteps.

        Returns the predicted noise or clean image (B, 1, 28, 28), as the model's schedule says."""
        temb = self.time_mlp(timestep_embedding(t, self.cfg.time_dim))  # (B, time_dim)
        h = self.stem(x)  # (B, C0, 28, 28)
        skips = []
        for blocks, downsample in zip(self.down, self.downsample):
            for block in blocks:
                h = block(h, temb)
            skips.append(h)  # (B, Ci, H, W) at 28, 14, 7
            h = downsample(h)
        h = self.mid2(self.mid_attn(self.mid1(h, temb)), temb)  # (B, C_last, 7, 7)
        for block, upsample in zip(self.up, self.upsample):
            h = block(torch.cat([h, skips.pop()], dim=1), temb)
            h = upsample(h)  # 7 -> 14 -> 28
        return self.head(h)
