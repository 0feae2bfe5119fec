"""MATLAB-compatible bicubic ``imresize`` (antialiased when downscaling) and PyTorch bicubic upsampling.

The standard SR benchmark LR images (Set5/Set14/BSD100 ``LR_x4``) were made with MATLAB's
``imresize(hr, 1/4, 'bicubic')``: cubic kernel with a = -0.5, the kernel widened by 1/scale when
downscaling (antialiasing), weights normalised per output pixel, and borders that replicate the edge pixel. This module
reimplements that from the published algorithm as separable weight matrices.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import torch
import torch.nn.functional as F


def _cubic(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return ((a + 2) * ax3 - (a + 3) * ax2 + 1) * (ax <= 1) + (
        a * ax3 - 5 * a * ax2 + 8 * a * ax - 4 * a
    ) * ((ax > 1) & (ax <= 2))


@functools.lru_cache(maxsize=256)
def weight_matrix(in_len: int, out_len: int) -> np.ndarray:
    """Dense (out_len, in_len) float64 matrix M with out = M @ in along one axis (MATLAB imresize, bicubic)."""
    scale = out_len / in_len
    kernel_width = 4.0
    antialias = scale < 1
    if antialias:
        kernel_width /= scale
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kernel_width / 2)
    p = int(math.ceil(kernel_width)) + 2
    idx = left[:, None] + np.arange(p)[None, :]
    dist = u[:, None] - idx
    if antialias:
        w = scale * _cubic(dist * scale)
    else:
        w = _cubic(dist)
    w = w / w.sum(axis=1, keepdims=True)
    # Border: replicate the edge pixel. This (not MATLAB's documented symmetric mirroring) is what
    # reproduces the shipped LR_x4 benchmark images exactly (see core/resample tests).
    idx0 = np.clip(idx.astype(np.int64) - 1, 0, in_len - 1)
    m = np.zeros((out_len, in_len), dtype=np.float64)
    for j in range(p):
        np.add.at(m, (np.arange(out_len), idx0[:, j]), w[:, j])
    return m


def imresize(img: torch.Tensor, out_h: int, out_w: int) -> torch.Tensor:
    """MATLAB bicubic imresize of a float tensor (..., H, W) to (..., out_h, out_w); no clamping or rounding."""
    h, w = img.shape[-2:]
    mh = torch.from_numpy(weight_matrix(h, out_h)).to(img.device, img.dtype)
    mw = torch.from_numpy(weight_matrix(w, out_w)).to(img.device, img.dtype)
    return torch.matmul(torch.matmul(mh, img), mw.t())


def _round_u8(x: torch.Tensor) -> torch.Tensor:
    """MATLAB's conversion to uint8: saturate to 0..255, round half away from zero."""
    return torch.floor(x.clamp(0, 255) + 0.5)


def imresize_u8(img: torch.Tensor, out_h: int, out_w: int) -> torch.Tensor:
    """MATLAB ``imresize`` of a uint8 image given as float levels 0..255 (..., H, W): like MATLAB, each axis pass
    returns the input class, so the intermediate is rounded and saturated too. The height is resized first unless
    its scale is larger than the width's (MATLAB resizes the dimension with the smaller scale first)."""
    h, w = img.shape[-2:]
    x = img.double()
    mh = torch.from_numpy(weight_matrix(h, out_h)).to(x.device)
    mw = torch.from_numpy(weight_matrix(w, out_w)).to(x.device)
    if out_h / h <= out_w / w:
        x = _round_u8(torch.matmul(mh, x))
        x = _round_u8(torch.matmul(x, mw.t()))
    else:
        x = _round_u8(torch.matmul(x, mw.t()))
        x = _round_u8(torch.matmul(mh, x))
    return x


def downscale_u8(img: torch.Tensor, scale: int) -> torch.Tensor:
    """Downscale a [0,1] float tensor of 8-bit levels by ``scale`` exactly the way the benchmark LR images were made
    (MATLAB ``imresize(uint8, 1/scale, 'bicubic')``, see imresize_u8); returns 8-bit levels in [0, 1], img's dtype."""
    h, w = img.shape[-2:]
    lr = imresize_u8((img.double() * 255.0).round(), h // scale, w // scale)
    return (lr / 255.0).to(img.dtype)


def upsample_torch(lq: torch.Tensor, scale: int) -> torch.Tensor:
    """The engine's y: PyTorch bicubic (A=-0.75, half-pixel centres, clamped borders, no antialias)."""
    return F.interpolate(lq, scale_factor=scale, mode="bicubic", align_corners=False)
