"""A batched JPEG round trip in torch (baseline JPEG as libjpeg writes it, without entropy coding, which is lossless).

Per sample: RGB → YCbCr (JFIF, full range), chroma subsampled 4:2:0 by 2×2 averaging, level shift −128, 8×8 block
DCT-II (as two matmuls), quantisation with the IJG standard tables scaled by the quality factor (libjpeg's rule),
rounding, dequantisation, inverse DCT, chroma upsampled by bilinear interpolation (libjpeg's "fancy" triangle
filter), YCbCr → RGB, rounding to 8 bits. Images are padded to multiples of 16 by edge replication and cropped back.
Runs on any device; no gradients are needed (it is a data degradation).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# ITU-T T.81 Annex K tables (luma, chroma), row-major
_LUMA = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
         14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
         49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
_CHROMA = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
           47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32


def quant_tables(quality: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """libjpeg's quality scaling of the standard tables: N×8×8 luma and chroma tables (float32) for qualities 1..100."""
    q = quality.to(torch.float64).clamp(1, 100)
    s = torch.where(q < 50, 5000.0 / q, 200.0 - 2.0 * q)[:, None, None]
    out = []
    for base in (_LUMA, _CHROMA):
        b = torch.tensor(base, dtype=torch.float64).view(1, 8, 8)
        out.append(torch.floor((b * s + 50.0) / 100.0).clamp(1, 255).to(torch.float32))
    return out[0], out[1]


def dct_matrix(n: int = 8) -> torch.Tensor:
    """Orthonormal DCT-II matrix D (rows = frequencies): coefficients = D @ block @ Dᵀ."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(n, dtype=torch.float64)[None, :]
    d = torch.cos(math.pi * (2 * i + 1) * k / (2 * n)) * math.sqrt(2.0 / n)
    d[0] /= math.sqrt(2.0)
    return d.to(torch.float32)


def _blocks_roundtrip(p: torch.Tensor, table: torch.Tensor, d2: torch.Tensor) -> torch.Tensor:
    """Quantise one N×H×W plane (values level-shifted) blockwise with per-sample tables N×8×8; d2 = D⊗D (64×64),
    so the 2-D DCT of every block is one matrix product on the flattened blocks."""
    n, h, w = p.shape
    b = p.view(n, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4).reshape(n, -1, 64)  # N×blocks×64
    c = b @ d2.t()
    t = table.to(p.device, p.dtype).reshape(n, 1, 64)
    c = torch.round(c / t) * t
    b = c @ d2
    return b.view(n, h // 8, w // 8, 8, 8).permute(0, 1, 3, 2, 4).reshape(n, h, w)


def jpeg(x: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """JPEG-compress and decode each sample of x (N×3×H×W in [0, 1]) at its own quality (N values, 1..100).
    Returns 8-bit-quantised values in [0, 1] of the same shape."""
    n, _, h, w = x.shape
    ph, pw = (-h) % 16, (-w) % 16
    v = (x.clamp(0, 1) * 255.0).round()
    if ph or pw:
        v = F.pad(v, (0, pw, 0, ph), mode="replicate")
    r, g, b = v[:, 0], v[:, 1], v[:, 2]
    yy = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128.0
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128.0
    lt, ct = quant_tables(quality)
    d = dct_matrix()
    d = torch.kron(d, d).to(x.device, v.dtype)  # vec(D B Dᵀ) = (D⊗D) vec(B), row-major
    yq = _blocks_roundtrip(yy - 128.0, lt, d) + 128.0
    H, W = yy.shape[-2:]
    sub = F.avg_pool2d(torch.stack([cb, cr], dim=1), 2)  # N×2×H/2×W/2
    cq = torch.stack([_blocks_roundtrip(sub[:, i] - 128.0, ct, d) + 128.0 for i in range(2)], dim=1)
    cq = F.interpolate(cq, size=(H, W), mode="bilinear", align_corners=False)
    cb, cr = cq[:, 0] - 128.0, cq[:, 1] - 128.0
    rgb = torch.stack([yq + 1.402 * cr, yq - 0.344136 * cb - 0.714136 * cr, yq + 1.772 * cb], dim=1)
    rgb = rgb.round().clamp(0, 255)[..., :h, :w]
    return (rgb / 255.0).to(x.dtype)
