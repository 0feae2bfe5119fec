"""Batched degradation operations on N×3×H×W float tensors in [0, 1] (any device).

Random draws come from the caller's generators: per-sample parameters from a CPU torch.Generator (so the parameter
stream is the same on every device), noise fields from a generator on the tensors' device.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

RESIZE_MODES = ("area", "bilinear", "bicubic")


def blur(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Convolve sample n of x with kernels[n] (N×k×k, k odd), the same kernel on each channel; reflected borders."""
    n, c, h, w = x.shape
    k = kernels.shape[-1]
    p = k // 2
    xp = F.pad(x, (p, p, p, p), mode="reflect") if min(h, w) > p else F.pad(x, (p, p, p, p), mode="replicate")
    wt = kernels.to(x.device, x.dtype)[:, None].repeat_interleave(c, dim=0)  # (N*C)×1×k×k
    # correlation with the flipped kernel = convolution
    out = F.conv2d(xp.reshape(1, n * c, h + 2 * p, w + 2 * p), wt.flip(-1, -2), groups=n * c)
    return out.view(n, c, h, w)


def resize(x: torch.Tensor, h: int, w: int, mode: str) -> torch.Tensor:
    """Resize to h×w with mode in RESIZE_MODES (area: average pooling; bilinear/bicubic: half-pixel centres)."""
    if mode not in RESIZE_MODES:
        raise ValueError(f"resize mode {mode!r}: want one of {RESIZE_MODES}")
    if mode == "area":
        return F.interpolate(x, size=(h, w), mode="area")
    return F.interpolate(x, size=(h, w), mode=mode, align_corners=False)


def to_gray(x: torch.Tensor) -> torch.Tensor:
    """BT.601 luma, N×1×H×W."""
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])


def gaussian_noise(x: torch.Tensor, sigma: torch.Tensor, gray: torch.Tensor, gen: torch.Generator | None = None):
    """x + N(0, σ²) per sample (σ on the [0, 1] scale, N values); samples with gray[n] get the same field on all channels.
    No clamping."""
    n, c, h, w = x.shape
    col = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
    mono = torch.randn((n, 1, h, w), generator=gen, device=x.device, dtype=x.dtype).expand(n, c, h, w)
    field = torch.where(gray.to(x.device)[:, None, None, None], mono, col)
    return x + field * sigma.to(x.device, x.dtype)[:, None, None, None]


def poisson_noise(x: torch.Tensor, scale: torch.Tensor, gray: torch.Tensor, gen: torch.Generator | None = None,
                  levels: float = 255.0):
    """Shot noise: (Poisson(x·levels)/levels − x)·scale added to x (per-sample scale); for gray[n] the noise of the luma
    is added to all channels. Noise std ≈ scale·√(x/levels). Input is clamped to [0, 1] for the draw; no clamping after."""
    xc = x.clamp(0, 1)
    gray = gray.to(x.device)[:, None, None, None]
    # grey samples draw one field from their luma, colour samples one per channel: only what is used is drawn
    lam = torch.where(gray, to_gray(xc).expand_as(xc), xc) * levels
    draw = torch.poisson(lam, generator=gen) / levels - lam / levels
    noise = torch.where(gray, draw[:, :1].expand_as(x), draw)
    return x + noise * scale.to(x.device, x.dtype)[:, None, None, None]
