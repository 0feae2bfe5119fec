#!/usr/bin/python3
"""Golden vectors for core/metric (writes metric_vectors.json).

Run: /usr/bin/python3 gen_vectors.py

An independent NumPy reference written for this repository: Y = BT.601
studio range from 0..255 RGB (no rounding), border crop, PSNR with peak 255,
SSIM with a 2-D 11x11 Gaussian window (sigma 1.5, normalised) applied
directly (no separable filtering) over every 'valid' position,
K1 = 0.01, K2 = 0.03, L = 255, mean of the SSIM map.
"""
import json
import os

import numpy as np


def luma(rgb):
    rgb = rgb.astype(np.float64)
    return 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255


def psnr(a, b):
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def ssim(a, b):
    ax = np.arange(11) - 5
    g = np.exp(-(ax[:, None] ** 2 + ax[None, :] ** 2) / (2 * 1.5 ** 2))
    g /= g.sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    h, w = a.shape
    vals = []
    for y in range(h - 10):
        for x in range(w - 10):
            pa, pb = a[y:y + 11, x:x + 11], b[y:y + 11, x:x + 11]
            ma, mb = (g * pa).sum(), (g * pb).sum()
            va = (g * pa * pa).sum() - ma * ma
            vb = (g * pb * pb).sum() - mb * mb
            cov = (g * pa * pb).sum() - ma * mb
            vals.append((2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2)))
    return float(np.mean(vals))


def main():
    rng = np.random.default_rng(7)
    h, w = 19, 23
    a = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    noise = rng.normal(0, 12, size=(h, w, 3))
    b = np.clip(np.round(a.astype(np.float64) * 0.9 + 10 + noise), 0, 255).astype(np.uint8)
    ya, yb = luma(a), luma(b)
    cases = []
    for border in (0, 2, 4):
        ca = ya[border:h - border, border:w - border]
        cb = yb[border:h - border, border:w - border]
        cases.append({"border": border, "psnr": psnr(ca, cb), "ssim": ssim(ca, cb)})
    out = {"w": w, "h": h, "a": a.ravel().tolist(), "b": b.ravel().tolist(), "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metric_vectors.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path, cases)


if __name__ == "__main__":
    main()
