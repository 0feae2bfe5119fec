"""Export a trained denoiser to a pixel-space model pack (ONNX opset 17) with a reference for ORT agreement.

    /usr/bin/python3 -m training.export --ckpt training/runs/default/best_ema.pt --out models/resshift-lite-x4

Writes denoiser.onnx (inputs x_t, t, lq, y → x0; dynamic batch and spatial size), model.toml and
reference.json (inputs from a reproducible hash, PyTorch outputs). `go test ./core/ort -run TestReference`
then requires max |ORT − PyTorch| ≤ 1e-4 on those inputs. The model card is written separately (MODEL_CARD.md).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
from pathlib import Path

import numpy as np
import torch

from .diffusion import config_of
from .model import build, count_params

REPO = Path(__file__).resolve().parents[1]


def _gen():
    spec = importlib.util.spec_from_file_location("gen", REPO / "core" / "testdata" / "models" / "gen.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MANIFEST = """# Model pack of resshift: pixel-space ResShift x4 (see MODEL_CARD.md). Written by training/export.py.
name        = "{name}"
{aliases}version     = "{version}"
description = "{description}"
license     = "Apache-2.0"
scale       = 4
space       = "pixel"

[diffusion]
steps           = 4
kappa           = {kappa}
schedule        = "exponential"
power           = 0.3
min_noise_level = 0.2
etas_end        = 0.99
predict_type    = "xstart"
normalize_input = true

{denoiser}
[tiling]
multiple  = 4
tile      = {tile}
overlap   = {overlap}
fixed     = false
max_batch = 8
"""


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="training/runs/default/best_ema.pt")
    ap.add_argument("--out", default="models/resshift-lite-x4")
    ap.add_argument("--name", default="resshift-lite-x4")
    ap.add_argument("--version", default="1")
    ap.add_argument("--alias", action="append", default=[], metavar="ALIAS",
                    help="short name the pack is also selected by (repeatable), e.g. clean or real")
    ap.add_argument("--description", default="Pixel-space ResShift x4, 4 steps, {params:.2f} M-parameter conditional "
                    "residual net, CPU friendly", help="model.toml description ({params:.2f} = millions of parameters)")
    ap.add_argument("--tile", type=int, default=256)
    ap.add_argument("--overlap", type=int, default=16)
    args = ap.parse_args(argv)
    bad = [a for a in args.alias if not re.fullmatch(r"[a-z0-9._-]+", a) or a in ("default", args.name)]
    if bad:
        ap.error(f"--alias {bad[0]!r}: must match [a-z0-9._-]+ and differ from 'default' and --name")
    aliases = "aliases     = [{}]\n".format(", ".join(f'"{a}"' for a in args.alias)) if args.alias else ""
    if '"' in args.description or "\\" in args.description:
        ap.error("--description: must not contain quotes or backslashes")
    torch.set_num_threads(2)
    st = torch.load(args.ckpt, map_location="cpu")
    model = build(st["arch"])
    model.load_state_dict(st["ema"])
    model.eval()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n, h, w = 1, 16, 24
    ex = (torch.zeros(n, 3, 4 * h, 4 * w), torch.zeros(n, dtype=torch.int64), torch.zeros(n, 3, h, w), torch.zeros(n, 3, 4 * h, 4 * w))
    tmp = out / "denoiser.onnx.tmp"
    torch.onnx.export(model, ex, str(tmp), opset_version=17, input_names=["x_t", "t", "lq", "y"], output_names=["x0"],
                      dynamic_axes={"x_t": {0: "n", 2: "H", 3: "W"}, "t": {0: "n"}, "lq": {0: "n", 2: "h", 3: "w"},
                                    "y": {0: "n", 2: "H", 3: "W"}, "x0": {0: "n", 2: "H", 3: "W"}})
    os.replace(tmp, out / "denoiser.onnx")
    gen = _gen()
    description = args.description.format(params=count_params(model) / 1e6)
    (out / "model.toml").write_text(MANIFEST.format(name=args.name, aliases=aliases, version=args.version, description=description,
                                                    tile=args.tile, overlap=args.overlap, denoiser=gen.PIXEL_DENOISER,
                                                    kappa=config_of(st).kappa))
    # reference cases: two sizes, two batch sizes, all timesteps
    cases = []
    for (bn, lh, lw, ts, note) in [(1, 16, 24, [3], "batch 1, LR 16x24, t=3"), (2, 32, 20, [0, 2], "batch 2, LR 32x20, t=0,2")]:
        feeds, case = gen.make_case("denoiser.onnx", [
            ("x_t", (bn, 3, 4 * lh, 4 * lw), ("f32", 21, 1.0)), ("t", (bn,), ("i64", ts)),
            ("lq", (bn, 3, lh, lw), ("f32", 22, 1.0)), ("y", (bn, 3, 4 * lh, 4 * lw), ("f32", 23, 1.0))], {}, note)
        with torch.no_grad():
            o = model(*(torch.from_numpy(feeds[k]) for k in ("x_t", "t", "lq", "y"))).numpy()
        case["outputs"] = [dict(name="x0", shape=list(o.shape), **gen.sample(o))]
        cases.append(case)
    with open(out / "reference.json", "w") as f:
        json.dump({"pack": args.name, "tolerance": 1e-4, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    info = {"step": st.get("step"), "val": st.get("val"), "params": count_params(model), "arch": st["arch"],
            "diffusion": vars(config_of(st))}
    (out / "export.json").write_text(json.dumps(info, indent=1) + "\n")
    print(json.dumps(info))


if __name__ == "__main__":
    main()
