"""Make docs/samples-real.png: bicubic | clean model | real-world model side by side on 6 RealSet65 crops.

    make build && /usr/bin/python3 -m training.samples_real          # after make export-real

Each row: a 64×64 crop of an LR photo from ../shared/data/eval/RealSet65/LR upscaled ×4 (256×256 shown) with PyTorch
bicubic, with `build/resshift upscale --model models/resshift-lite-x4` (clean) and with
`--model models/resshift-real-x4` (real); both models with the engine's default sampler and seed.
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

# (file, x0, y0) of the LR crop: JPEG-blocked, noisy and old photos, the noisy frog first
PICKS = [("frog.png", 50, 10), ("oldphoto2.png", 48, 40), ("0030.jpg", 72, 72), ("street1.jpeg", 105, 60),
         ("panda.jpeg", 118, 52), ("ADE_val_00000114.jpg", 96, 96)]
MODELS = [("clean: resshift-lite-x4", "models/resshift-lite-x4"), ("real: resshift-real-x4", "models/resshift-real-x4")]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/eval/RealSet65/LR")
    ap.add_argument("--bin", default="build/resshift")
    ap.add_argument("--out", default="docs/samples-real.png")
    ap.add_argument("--crop", type=int, default=64)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    c, s = args.crop, 4
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        for name, x0, y0 in PICKS:
            lr = Image.open(Path(args.data) / name).convert("RGB")
            x0, y0 = min(x0, lr.width - c), min(y0, lr.height - c)
            lr.crop((x0, y0, x0 + c, y0 + c)).save(tmp / "in" / f"{Path(name).stem}.png")
        for k, (_, model) in enumerate(MODELS):
            subprocess.run([args.bin, "upscale", "-q", "--model", model, "-o", str(tmp / f"out{k}") + "/",
                            str(tmp / "in")], check=True)
        for name, _, _ in PICKS:
            stem = Path(name).stem
            crop = Image.open(tmp / "in" / f"{stem}.png")
            t = torch.from_numpy(np.asarray(crop).copy()).permute(2, 0, 1)[None].float() / 127.5 - 1
            bic = ((upsample_torch(t, s).clamp(-1, 1) + 1) * 127.5).round()[0].permute(1, 2, 0).numpy().astype(np.uint8)
            outs = [Image.open(tmp / f"out{k}" / f"{stem}_x4.png").convert("RGB") for k in range(len(MODELS))]
            rows.append([Image.fromarray(bic)] + outs)
    W, gap, head = c * s, 8, 24
    cols = ["bicubic (PyTorch)"] + [m for m, _ in MODELS]
    canvas = Image.new("RGB", (len(cols) * (W + gap) + gap, len(rows) * (W + gap) + gap + head), "white")
    d = ImageDraw.Draw(canvas)
    for j, label in enumerate(cols):
        d.text((gap + j * (W + gap), 6), label, fill="black")
    for i, row in enumerate(rows):
        for j, im in enumerate(row):
            canvas.paste(im, (gap + j * (W + gap), head + gap + i * (W + gap)))
    canvas.save(args.out, optimize=True)
    print(f"wrote {args.out} ({canvas.width}×{canvas.height}): {', '.join(p[0] for p in PICKS)}")


if __name__ == "__main__":
    main()
