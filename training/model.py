"""The default pixel-space ResShift denoiser: a small conditional UNet on the LR grid.

Inputs (all NCHW float32 unless noted), as declared in models/<name>/model.toml:
  x_t : N×3×(4h)×(4w)  scaled x_t in HR pixels (x_t / (3*kappa*sqrt_eta_t + 1))
  t   : N int64        timestep code index 0..T-1
  lq  : N×3×h×w        LR image in [-1, 1]
  y   : N×3×(4h)×(4w)  bicubic upsampling of lq (PyTorch semantics)
Output x0 : N×3×(4h)×(4w) predicted HR image = y + residual.

x_t is pixel-unshuffled to the LR grid (48 channels) and concatenated with lq (51 channels). The UNet has
no normalisation layers (so results do not depend on the tile size), two downsamplings (h and w must be
multiples of 4), and FiLM timestep conditioning from a cos-first sinusoidal embedding of t.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.to(torch.float32)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, ch: int, emb: int):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.film = nn.Linear(emb, 2 * ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x, e):
        h = F.silu(self.conv1(x))
        s, b = self.film(e)[:, :, None, None].chunk(2, dim=1)
        h = h * (1 + s) + b
        return x + self.conv2(h)


class Down(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=2, padding=1)

    def forward(self, x):
        return F.silu(self.conv(x))


class Up(nn.Module):
    """1x1 conv to 4*cout channels then pixel shuffle x2."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout * 4, 1)

    def forward(self, x):
        return F.pixel_shuffle(self.conv(x), 2)


class Denoiser(nn.Module):
    def __init__(self, ch=(32, 64, 128), blocks=(1, 2, 2), up_blocks=(1, 1), scale: int = 4, temb: int = 64):
        super().__init__()
        self.scale = scale
        self.temb = temb
        emb = ch[0] * 4
        self.time = nn.Sequential(nn.Linear(temb, emb), nn.SiLU(), nn.Linear(emb, emb), nn.SiLU())
        cin = 3 * scale * scale + 3
        self.head = nn.Conv2d(cin, ch[0], 3, padding=1)
        self.enc0 = nn.ModuleList([ResBlock(ch[0], emb) for _ in range(blocks[0])])
        self.down1 = Down(ch[0], ch[1])
        self.enc1 = nn.ModuleList([ResBlock(ch[1], emb) for _ in range(blocks[1])])
        self.down2 = Down(ch[1], ch[2])
        self.mid = nn.ModuleList([ResBlock(ch[2], emb) for _ in range(blocks[2])])
        self.up2 = Up(ch[2], ch[1])
        self.dec1 = nn.ModuleList([ResBlock(ch[1], emb) for _ in range(up_blocks[1])])
        self.up1 = Up(ch[1], ch[0])
        self.dec0 = nn.ModuleList([ResBlock(ch[0], emb) for _ in range(up_blocks[0])])
        self.tail = nn.Conv2d(ch[0], 3 * scale * scale, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x_t, t, lq, y):
        e = self.time(timestep_embedding(t, self.temb))
        h = torch.cat([F.pixel_unshuffle(x_t, self.scale), lq], dim=1)
        h0 = F.silu(self.head(h))
        for b in self.enc0:
            h0 = b(h0, e)
        h1 = self.down1(h0)
        for b in self.enc1:
            h1 = b(h1, e)
        h2 = self.down2(h1)
        for b in self.mid:
            h2 = b(h2, e)
        u1 = self.up2(h2) + h1
        for b in self.dec1:
            u1 = b(u1, e)
        u0 = self.up1(u1) + h0
        for b in self.dec0:
            u0 = b(u0, e)
        return y + F.pixel_shuffle(self.tail(u0), self.scale)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


class ResDenoiser(nn.Module):
    """Residual trunk at the LR grid (no down-sampling): the fastest-learning layout for PSNR.

    x_t (pixel-unshuffled, 48 channels) is gated per timestep by a learned vector before the head, so the
    network can ignore the heavy noise of early steps and use the details of late ones; every residual block
    is FiLM-conditioned on the timestep. Same inputs/outputs as Denoiser; h and w may be any size.
    """

    def __init__(self, ch: int = 48, blocks: int = 6, scale: int = 4, temb: int = 64, steps: int = 4):
        super().__init__()
        self.scale, self.temb = scale, temb
        emb = ch * 4
        self.time = nn.Sequential(nn.Linear(temb, emb), nn.SiLU(), nn.Linear(emb, emb), nn.SiLU())
        self.gate = nn.Linear(emb, 3 * scale * scale)
        nn.init.zeros_(self.gate.weight)
        nn.init.constant_(self.gate.bias, 0.5)
        self.head = nn.Conv2d(3 * scale * scale + 3, ch, 3, padding=1)
        self.body = nn.ModuleList([ResBlock(ch, emb) for _ in range(blocks)])
        for b in self.body:  # standard (non-zero) init of the second conv: faster start than zero init
            nn.init.kaiming_uniform_(b.conv2.weight, a=5 ** 0.5)
            b.conv2.weight.data.mul_(0.1)
        self.tail = nn.Conv2d(ch, 3 * scale * scale, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x_t, t, lq, y):
        e = self.time(timestep_embedding(t, self.temb))
        xs = F.pixel_unshuffle(x_t, self.scale) * self.gate(e)[:, :, None, None]
        h = self.head(torch.cat([xs, lq], dim=1))
        r = h
        for b in self.body:
            r = b(r, e)
        return y + F.pixel_shuffle(self.tail(r + h), self.scale)


def build(arch: dict) -> nn.Module:
    """Model from a checkpoint's arch dict: {"kind": "res", ...} → ResDenoiser, otherwise the UNet Denoiser."""
    a = dict(arch)
    if a.pop("kind", "unet") == "res":
        return ResDenoiser(**a)
    return Denoiser(**a)
