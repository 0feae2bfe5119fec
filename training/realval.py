"""The fixed synthetic real-world validation set: seeded second-order degradations of the held-out training images.

Held out (never used for training, `data.load_images`): the first 8 CQ100 images in sorted order (data.HOLDOUT).
From each, the centre 256×256 crop (data.val_set) is degraded `per_image` times (default 3) by `degrade.Degrader`
with seed BASE_SEED + 100·image + k, one image at a time on the CPU, so the set is the same on every run:
24 HR/LR pairs, LR 64×64.

    /usr/bin/python3 -m training.realval                      # writes training/runs/realval-x4/{HR,LR}/*.png
    build/resshift eval --hr training/runs/realval-x4/HR --lr training/runs/realval-x4/LR ...

train.py --degradation real validates on the same pairs (built in memory by `pairs`).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .data import load_held_out, val_set
from .degrade.pipeline import Degrader
from .imresize import upsample_torch

BASE_SEED = 20261204
OUT = "training/runs/realval-x4"


def pairs(val_images, per_image: int = 3, scale: int = 4):
    """[(name, hr, lq, y)] in [-1, 1], hr 1×3×256×256, lq 1×3×64×64 (CPU)."""
    out = []
    for i, (hr, _, _) in enumerate(val_set(val_images, scale=scale)):
        for k in range(per_image):
            d = Degrader(seed=BASE_SEED + 100 * i + k, device="cpu")
            lr = d((hr + 1) / 2)
            lq = lr * 2 - 1
            out.append((f"val{i:02d}_{k}", hr, lq, upsample_torch(lq, scale)))
    return out


def _png(t: torch.Tensor, path: Path):
    a = ((t[0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).numpy()
    Image.fromarray(np.ascontiguousarray(a)).save(path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/train")
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--per-image", type=int, default=3)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    held = load_held_out(args.data)
    if not held:
        raise SystemExit(f"{args.data}: no held-out CQ100 images found (want {args.data}/CQ100/img/*.png)")
    out = Path(args.out)
    (out / "HR").mkdir(parents=True, exist_ok=True)
    (out / "LR").mkdir(parents=True, exist_ok=True)
    ps = pairs(held, args.per_image)
    for name, hr, lq, _ in ps:
        _png(hr, out / "HR" / f"{name}.png")
        _png(lq, out / "LR" / f"{name}.png")
    print(f"{len(ps)} pairs in {out}/HR and {out}/LR")


if __name__ == "__main__":
    main()
