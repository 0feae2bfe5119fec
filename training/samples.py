"""Make docs/samples.png: LR-bicubic | resshift side by side on RealSet65 photos.

    make build && /usr/bin/python3 -m training.samples --out docs/samples.png

Each row: a crop of the LR photo upscaled ×4 with PyTorch bicubic (left) and with `build/resshift upscale`
(default model and sampler; right). The crops are 96×96 LR pixels (384×384 shown).
"""
from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from .imresize import upsample_torch

PICKS = [("comic3.png", 80, 60), ("frog.png", 70, 60), ("oldphoto6.png", 80, 40), ("building1.jpeg", 120, 80)]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/eval/RealSet65/LR")
    ap.add_argument("--bin", default="build/resshift")
    ap.add_argument("--out", default="docs/samples.png")
    ap.add_argument("--crop", type=int, default=96)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    c, s = args.crop, 4
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, x0, y0 in PICKS:
            lr = Image.open(Path(args.data) / name).convert("RGB")
            x0, y0 = min(x0, lr.width - c), min(y0, lr.height - c)
            crop = lr.crop((x0, y0, x0 + c, y0 + c))
            src = Path(tmp) / f"{Path(name).stem}.png"
            crop.save(src)
            dst = Path(tmp) / f"{Path(name).stem}_x4.png"
            subprocess.run([args.bin, "upscale", "-q", "--overwrite", "-o", str(dst), str(src)], check=True)
            t = torch.from_numpy(np.asarray(crop).copy()).permute(2, 0, 1)[None].float() / 127.5 - 1
            bic = ((upsample_torch(t, s).clamp(-1, 1) + 1) * 127.5).round()[0].permute(1, 2, 0).numpy().astype(np.uint8)
            rows.append((Image.fromarray(bic), Image.open(dst).convert("RGB"), name))
    W, H, gap, head = c * s, c * s, 8, 24
    canvas = Image.new("RGB", (2 * W + 3 * gap, len(rows) * (H + gap) + gap + head), "white")
    d = ImageDraw.Draw(canvas)
    d.text((gap, 6), "bicubic (PyTorch)", fill="black")
    d.text((2 * gap + W, 6), "resshift-lite-x4 (stochastic, seed 12345)", fill="black")
    for k, (a, b, name) in enumerate(rows):
        y = head + gap + k * (H + gap)
        canvas.paste(a, (gap, y))
        canvas.paste(b, (2 * gap + W, y))
    canvas.save(args.out, optimize=True)
    print(f"wrote {args.out} ({canvas.width}×{canvas.height})")


if __name__ == "__main__":
    main()
