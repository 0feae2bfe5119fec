#!/usr/bin/python3
"""Generate golden vectors for core/resample (writes torch_bicubic.json).

Run from anywhere with Debian's interpreter:  /usr/bin/python3 gen_vectors.py

* "torch": PyTorch (1.13) F.interpolate(mode="bicubic", align_corners=False)
  on a fixed random input, both with scale_factor and with an explicit size.
* "matlab": MATLAB imresize(..., 'bicubic') computed by `imresize_ref` below,
  an independent NumPy re-implementation written for this repository from the
  documented behaviour of imresize (MATLAB itself is not available here):
  Keys cubic with a = -0.5; output sample x (1-based) maps to input
  u = x/scale + 0.5*(1 - 1/scale); when downscaling the kernel is stretched
  to h(t) = scale*cubic(scale*t) with support 4/scale; each row of weights is
  normalised to sum 1; out-of-range indices are replicated (clamped to the
  edge sample, as MATLAB does); the dimension with the smaller scale is
  resized first (rows first on ties); computation in float64, no rounding.
  Cases named "*_sym" instead mirror indices symmetrically ([1..n, n..1]
  repeating), the border rule of Python ports such as BasicSR's imresize.
  The replicate rule is checked in Go against real MATLAB output: a
  published imresize result (resize_test.go) and the Set5/Set14 LR_x4
  images, which downscaling the HR images reproduces bit for bit
  (resize_data_test.go).
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(2)


def cubic(t, a):
    t = np.abs(t)
    t2, t3 = t * t, t * t * t
    near = (a + 2) * t3 - (a + 3) * t2 + 1
    far = a * t3 - 5 * a * t2 + 8 * a * t - 4 * a
    return np.where(t <= 1, near, np.where(t < 2, far, 0.0))


def axis_matrix(n_in, n_out, scale, a=-0.5, antialias=True, symmetric=False):
    """Dense n_out x n_in resampling matrix for one axis."""
    m = np.zeros((n_out, n_in))
    stretch = scale if (antialias and scale < 1) else 1.0
    width = 4.0 / stretch
    for x in range(1, n_out + 1):
        u = x / scale + 0.5 * (1 - 1 / scale)
        left = int(np.floor(u - width / 2))
        taps = np.arange(left, left + int(np.ceil(width)) + 2)
        w = stretch * cubic(stretch * (u - taps), a)
        w = w / w.sum()
        period = 2 * n_in
        for j, wt in zip(taps, w):
            if symmetric:
                k = (j - 1) % period      # 0-based position in the mirrored sequence
                if k >= n_in:
                    k = period - 1 - k
            else:
                k = min(max(j, 1), n_in) - 1
            m[x - 1, k] += wt
    return m


def imresize_ref(img, scale, symmetric=False):
    """img: C x H x W float64. scale: float (same for both axes)."""
    c, h, w = img.shape
    oh, ow = int(np.ceil(h * scale - 1e-9)), int(np.ceil(w * scale - 1e-9))
    my = axis_matrix(h, oh, scale, symmetric=symmetric)
    mx = axis_matrix(w, ow, scale, symmetric=symmetric)
    # rows first (equal scales), then columns
    tmp = np.einsum("oh,chw->cow", my, img)
    return np.einsum("pw,cow->cop", mx, tmp)


def case(name, x, y, **meta):
    d = {"name": name, "c": x.shape[0], "h": x.shape[1], "w": x.shape[2],
         "out_h": y.shape[1], "out_w": y.shape[2],
         "input": [float(v) for v in np.asarray(x, dtype=np.float32).ravel()],
         "output": [float(v) for v in np.asarray(y, dtype=np.float64).ravel()]}
    d.update(meta)
    return d


def main():
    rng = np.random.default_rng(20240601)
    small = rng.uniform(-1, 1, size=(3, 5, 7)).astype(np.float32)
    big = rng.uniform(0, 255, size=(3, 13, 18)).astype(np.float32)
    t = torch.from_numpy(small)[None]
    torch_cases = []
    for s in (4, 2):
        y = F.interpolate(t, scale_factor=s, mode="bicubic", align_corners=False)[0].numpy()
        torch_cases.append(case(f"scale{s}", small, y, scale=s))
    for size in ((9, 11), (3, 4)):
        y = F.interpolate(t, size=size, mode="bicubic", align_corners=False)[0].numpy()
        torch_cases.append(case(f"size{size[0]}x{size[1]}", small, y, scale=0))

    s64, b64 = small.astype(np.float64), big.astype(np.float64)
    matlab_cases = []
    for sym in (False, True):
        tag = "_sym" if sym else ""
        matlab_cases += [
            case("up4" + tag, small, imresize_ref(s64, 4.0, sym), scale=4, symmetric=sym),
            case("up2" + tag, small, imresize_ref(s64, 2.0, sym), scale=2, symmetric=sym),
            case("down4" + tag, big, imresize_ref(b64, 0.25, sym), scale=-4, symmetric=sym),
            case("down2" + tag, big, imresize_ref(b64, 0.5, sym), scale=-2, symmetric=sym),
        ]
    out = {"generator": "gen_vectors.py", "torch_version": torch.__version__,
           "torch": torch_cases, "matlab": matlab_cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_bicubic.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
