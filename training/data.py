"""Training images from ../shared/data/train (or a pack made by training/pack_images.py), the held-out validation
crops and PSNR-Y.

Images are loaded once as uint8 tensors (very large photos are downscaled by 2 with PIL's antialiased bicubic first
so that crops keep photographic statistics); training/bank.py holds them on the training device and makes the crops
and LR images. The first 8 CQ100 images (sorted) are held out for validation. The eval sets (Set5/Set14/BSD100) are
never read here.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .imresize import downscale_u8, imresize, upsample_torch

EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
HOLDOUT = 8  # CQ100 images used for validation (sorted order, first N)


def list_images(root: Path):
    """The training images under root, sorted; the overlap_with_* folders (copies of eval images) are skipped."""
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in EXTS and "overlap_with" not in str(p))


def load_image(path: Path, max_side: int = 1600) -> Image.Image:
    """One training image as RGB, halved (PIL antialiased bicubic) until its longer side is at most max_side."""
    img = Image.open(path).convert("RGB")
    while max(img.size) > max_side:
        img = img.resize((img.size[0] // 2, img.size[1] // 2), Image.BICUBIC)
    return img


def held_out(root: Path) -> set:
    """Names (without suffix, so a pack's .webp copies count too) of the validation images: the first HOLDOUT CQ100
    images in sorted order."""
    stems = sorted(p.stem for p in (root / "CQ100" / "img").glob("*") if p.suffix.lower() in EXTS)
    return set(stems[:HOLDOUT])


def load_held_out(root: str, max_side: int = 1600):
    """Only the validation images of load_images (without decoding the training set), in the same order."""
    rootp = Path(root)
    held = held_out(rootp)
    return [torch.from_numpy(np.asarray(load_image(p, max_side)).copy()).permute(2, 0, 1).contiguous()
            for p in list_images(rootp / "CQ100" / "img") if p.stem in held]


def load_images(root: str, max_side: int = 1600):
    """(train, val) lists of 3×H×W uint8 tensors."""
    rootp = Path(root)
    if not rootp.is_dir():
        raise FileNotFoundError(f"training data {root}: no such directory")
    train, val = [], []
    held = held_out(rootp)
    for p in list_images(rootp):
        t = torch.from_numpy(np.asarray(load_image(p, max_side)).copy()).permute(2, 0, 1).contiguous()
        is_val = p.parent == rootp / "CQ100" / "img" and p.stem in held
        (val if is_val else train).append(t)
    return train, val


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
