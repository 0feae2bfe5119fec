"""Training pairs from ../shared/data/train: random HR crops (flips, 90° rotations), LR by MATLAB bicubic ×4.

Images are loaded once into memory as uint8 tensors (very large photos are downscaled by 2 with MATLAB
bicubic first so that crops keep photographic statistics). A few CQ100 images are held out for validation.
The eval sets (Set5/Set14/BSD100) are never read here.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .imresize import downscale_u8, imresize, upsample_torch

EXTS = {".png", ".jpg", ".jpeg", ".bmp"}
HOLDOUT = 8  # CQ100 images used for validation (sorted order, first N)


def _list(root: Path):
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in EXTS and "overlap_with" not in str(p))
    return files


def load_images(root: str, max_side: int = 1600):
    rootp = Path(root)
    train, val = [], []
    cq = sorted((rootp / "CQ100" / "img").glob("*.png"))
    held = set(cq[:HOLDOUT])
    for p in _list(rootp):
        img = Image.open(p).convert("RGB")
        while max(img.size) > max_side:  # antialiased bicubic (PIL) pre-shrink of very large photos
            img = img.resize((img.size[0] // 2, img.size[1] // 2), Image.BICUBIC)
        t = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).contiguous()
        (val if p in held else train).append(t)
    return train, val


class CropSampler:
    def __init__(self, images, crop: int = 128, scale: int = 4, seed: int = 0):
        self.images = [im for im in images if min(im.shape[1:]) >= crop]
        # weight by area so large photos give more crops
        areas = np.array([im.shape[1] * im.shape[2] for im in self.images], dtype=np.float64)
        self.p = areas / areas.sum()
        self.crop, self.scale = crop, scale
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int):
        c = self.crop
        hrs = []
        for k in self.rng.choice(len(self.images), size=n, p=self.p):
            im = self.images[k]
            y = self.rng.integers(0, im.shape[1] - c + 1)
            x = self.rng.integers(0, im.shape[2] - c + 1)
            t = im[:, y:y + c, x:x + c]
            if self.rng.random() < 0.5:
                t = t.flip(2)
            t = torch.rot90(t, int(self.rng.integers(0, 4)), dims=(1, 2))
            hrs.append(t)
        hr = torch.stack(hrs).float() / 255.0
        lr = downscale_u8(hr, self.scale)
        hr = hr * 2 - 1
        lq = lr * 2 - 1
        y = upsample_torch(lq, self.scale)
        return hr, lq, y


def val_set(images, size: int = 256, scale: int = 4):
    """Centre crops of the held-out images: (hr, lq, y) in [-1, 1]."""
    out = []
    for im in images:
        h, w = im.shape[1:]
        s = min(size, h, w) // scale * scale
        y0, x0 = (h - s) // 2, (w - s) // 2
        hr = im[None, :, y0:y0 + s, x0:x0 + s].float() / 255.0
        lq = downscale_u8(hr, scale) * 2 - 1
        out.append((hr * 2 - 1, lq, upsample_torch(lq, scale)))
    return out


def psnr_y(sr: torch.Tensor, hr: torch.Tensor, border: int = 4) -> float:
    """PSNR on BT.601 Y of [-1,1] tensors (1×3×H×W), SR quantised to 8 bit, border cropped."""
    def to_y(x):
        x = ((x.clamp(-1, 1) + 1) * 127.5).round()
        return 16 + (65.481 * x[:, 0] + 128.553 * x[:, 1] + 24.966 * x[:, 2]) / 255.0
    a, b = to_y(sr), to_y(hr)
    if border:
        a, b = a[..., border:-border, border:-border], b[..., border:-border, border:-border]
    mse = (a - b).pow(2).mean().item()
    return 10 * np.log10(255.0 ** 2 / max(mse, 1e-12))
