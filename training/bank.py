"""Training images held once on the training device as uint8, and batched crop → (hr, lq, y) pair makers.

`ImageBank` concatenates every image (3×H×W uint8) into one flat uint8 tensor on the device. A batch of crops is one
gather: for each sample a random image (weighted by area), a random position and one of the 8 dihedral transforms
(flips and 90° rotations) are drawn from a CPU generator, and the source index of every output pixel is computed on the
device. `Pairs` turns the HR crops into training triples with either degradation:
  bicubic  MATLAB bicubic ×1/4 quantised to 8 bits (the benchmark degradation, `imresize.downscale_u8`)
  real     the second-order real-world model of `training/degrade` (seeded, batched)
Both run as batched tensor operations on the device, so the same code feeds a GPU and the 2-core CPU.
"""
from __future__ import annotations

import torch

from .degrade.pipeline import Degrader, RealParams
from .imresize import downscale_u8, upsample_torch

DEGRADATIONS = ("bicubic", "real")


class ImageBank:
    def __init__(self, images, device="cpu", min_side: int = 0):
        """images: 3×H×W uint8 tensors; those with a side below min_side are left out."""
        imgs = [im for im in images if min(im.shape[1:]) >= min_side]
        if not imgs:
            raise ValueError(f"no training image has both sides >= {min_side}")
        for im in imgs:
            if im.dtype != torch.uint8 or im.dim() != 3 or im.shape[0] != 3:
                raise ValueError(f"image bank: want 3×H×W uint8 tensors, got {im.dtype} {tuple(im.shape)}")
        self.device = torch.device(device)
        self.flat = torch.cat([im.reshape(-1) for im in imgs]).to(self.device)
        sizes = torch.tensor([im.numel() for im in imgs], dtype=torch.int64)
        self.offset = (torch.cumsum(sizes, 0) - sizes)
        self.h = torch.tensor([im.shape[1] for im in imgs], dtype=torch.int64)
        self.w = torch.tensor([im.shape[2] for im in imgs], dtype=torch.int64)
        self.weight = (self.h * self.w).to(torch.float64)
        self.count = len(imgs)

    def nbytes(self) -> int:
        return self.flat.numel()

    def crops(self, n: int, size: int, g: torch.Generator) -> torch.Tensor:
        """n random size×size crops, N×3×size×size uint8 on the device, with random flips / 90° rotations.
        All draws come from the CPU generator g (reproducible on any device)."""
        k = torch.multinomial(self.weight, n, replacement=True, generator=g)
        h, w = self.h[k], self.w[k]
        if int((torch.minimum(h, w) < size).sum()):
            raise ValueError(f"crop {size}: larger than an image in the bank (build it with min_side={size})")
        y0 = (torch.rand(n, generator=g, dtype=torch.float64) * (h - size + 1)).floor().to(torch.int64)
        x0 = (torch.rand(n, generator=g, dtype=torch.float64) * (w - size + 1)).floor().to(torch.int64)
        d = torch.randint(8, (n,), generator=g)
        dev = self.device
        r = torch.arange(size, device=dev)
        ii, jj = r.view(1, size, 1).expand(n, size, size), r.view(1, 1, size).expand(n, size, size)
        tr = (d & 4).bool().to(dev).view(n, 1, 1)
        si, sj = torch.where(tr, jj, ii), torch.where(tr, ii, jj)  # transpose
        si = torch.where((d & 1).bool().to(dev).view(n, 1, 1), size - 1 - si, si)  # vertical flip
        sj = torch.where((d & 2).bool().to(dev).view(n, 1, 1), size - 1 - sj, sj)  # horizontal flip
        wd = w.to(dev).view(n, 1, 1)
        base = (self.offset[k].to(dev).view(n, 1, 1) + (y0.to(dev).view(n, 1, 1) + si) * wd + x0.to(dev).view(n, 1, 1) + sj)
        plane = (h * w).to(dev).view(n, 1, 1)
        idx = torch.stack([base, base + plane, base + 2 * plane], dim=1)  # N×3×size×size
        return self.flat[idx]


class Pairs:
    """Batches of (hr, lq, y) in [-1, 1] from an ImageBank: hr N×3×c×c, lq N×3×c/s×c/s, y = bicubic ×s of lq."""

    def __init__(self, bank: ImageBank, crop: int = 128, scale: int = 4, degradation: str = "bicubic", seed: int = 0,
                 params: RealParams = RealParams()):
        if degradation not in DEGRADATIONS:
            raise ValueError(f"degradation {degradation!r}: want one of {DEGRADATIONS}")
        if crop % scale:
            raise ValueError(f"crop {crop}: must be a multiple of the scale {scale}")
        self.bank, self.crop, self.scale, self.degradation = bank, crop, scale, degradation
        self.g = torch.Generator().manual_seed(seed)
        self.degrader = Degrader(params, seed=seed + 1, device=bank.device) if degradation == "real" else None

    def state(self) -> dict:
        return {"crop_rng": self.g.get_state(), "degrader": self.degrader.state() if self.degrader else None}

    def load_state(self, st: dict):
        """Continue the stream of a checkpoint (the device noise generator only when it was saved on the same kind of
        device; otherwise it keeps its fresh seed)."""
        self.g.set_state(st["crop_rng"])
        if self.degrader and st.get("degrader"):
            try:
                self.degrader.load_state(st["degrader"])
            except RuntimeError:
                self.degrader.g.set_state(st["degrader"]["cpu"])

    @torch.no_grad()
    def batch(self, n: int):
        hr = self.bank.crops(n, self.crop, self.g).float() / 255.0
        if self.degrader is None:
            lr = downscale_u8(hr, self.scale)
        else:
            lr = self.degrader(hr)
        lq = lr * 2 - 1
        return hr * 2 - 1, lq, upsample_torch(lq, self.scale)
