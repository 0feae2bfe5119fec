"""Export a trained denoiser to a pixel-space model pack (ONNX opset 17) with a reference for ORT agreement.

    /usr/bin/python3 -m training.export --ckpt training/runs/default/best_ema.pt --out models/resshift-lite-x4

Writes denoiser.onnx (inputs x_t, t, lq, y → x0; dynamic batch and spatial size), chain.onnx (the whole T-step
sampling chain in one graph, see Chain), model.toml and reference.json (inputs from a reproducible hash, PyTorch
outputs). `go test ./core/ort -run TestReference` then requires max |ORT − PyTorch| ≤ 1e-4 on those inputs.
--chain-only writes chain.onnx and model.toml and leaves the other files as they are (adds the chain graph to an
existing pack exported from the same checkpoint). The model card is written separately (MODEL_CARD.md).
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
from .onnx_compat import onnx_export

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
{chain}[tiling]
multiple  = 4
tile      = {tile}
overlap   = {overlap}
fixed     = false
max_batch = 8
"""


CHAIN = """[chain]
file        = "chain.onnx"
input_xt    = "x_t"
input_lq    = "lq"
input_y     = "y"
input_noise = "noise"
input_coef  = "coef"
output      = "x0"

"""


class Chain(torch.nn.Module):
    """The whole ResShift sampling chain of a pixel-space denoiser: T applications of the same weights and the
    sampler's update, so one ONNX Runtime call turns a prior sample into the final x0.

    Inputs (the Go engine computes all numbers; the graph only applies them, core/chain.go):
      x_t   N×3×H×W    the prior sample x_T = y + κ·sqrt_eta[T-1]·ε (unscaled)
      lq    N×3×h×w    LR tile, y N×3×H×W its bicubic upsampling (H = 4h, W = 4w)
      noise N×(T-1)×3×H×W  slot k holds the noise of the update after call k (step i = T-1-k); zeros when unused
      coef  T×5        row k for call k: (input scale, a, b, c, s), the update x ← a·x + b·x̂0 + c·y + s·noise[k]
    Call k (k = 0..T-1) runs the denoiser at timestep i = T-1-k on x·coef[k,0] and clamps x̂0 to [-1, 1]; the last
    call's clamped x̂0 is the output. The stochastic sampler uses (a, b, c, s) = (coef_xt, coef_x0, 0, posterior
    std), the deterministic one (det_m, det_k, det_j, 0), so one graph serves both.
    """

    def __init__(self, den: torch.nn.Module, steps: int):
        super().__init__()
        self.den, self.steps = den, steps

    def forward(self, x_t, lq, y, noise, coef):
        x = x_t
        ones = torch.ones_like(lq[:, 0, 0, 0], dtype=torch.int64)  # N timesteps, dynamic batch
        for k in range(self.steps):
            i = self.steps - 1 - k
            x0 = self.den(x * coef[k, 0], ones * i, lq, y).clamp(-1.0, 1.0)
            if i == 0:
                return x0
            x = coef[k, 1] * x + coef[k, 2] * x0 + coef[k, 3] * y + coef[k, 4] * noise[:, k]
        return x


def export_chain(model: torch.nn.Module, steps: int, path: Path):
    """Write the Chain of model for steps (>= 2) to path (via a temporary file)."""
    n, h, w = 1, 16, 24
    H, W = 4 * h, 4 * w
    ex = (torch.zeros(n, 3, H, W), torch.zeros(n, 3, h, w), torch.zeros(n, 3, H, W), torch.zeros(n, steps - 1, 3, H, W),
          torch.ones(steps, 5))
    tmp = path.with_name(path.name + ".tmp")
    onnx_export(Chain(model, steps).eval(), ex, str(tmp), opset_version=17,
                input_names=["x_t", "lq", "y", "noise", "coef"], output_names=["x0"],
                dynamic_axes={"x_t": {0: "n", 2: "H", 3: "W"}, "lq": {0: "n", 2: "h", 3: "w"},
                              "y": {0: "n", 2: "H", 3: "W"}, "noise": {0: "n", 3: "H", 4: "W"},
                              "x0": {0: "n", 2: "H", 3: "W"}})
    os.replace(tmp, path)


def write_fp16_pack(src: Path, dst: Path):
    """Write the fp16 variant of the pack in src to dst: its graphs converted by training.fp16 (float32 inputs and
    outputs, float16 inside), model.toml with the name suffixed "-fp16" and no aliases."""
    import onnx
    from .fp16 import to_fp16
    dst.mkdir(parents=True, exist_ok=True)
    manifest = (src / "model.toml").read_text()
    for name in ("denoiser.onnx", "chain.onnx"):
        if (src / name).exists():
            tmp = dst / (name + ".tmp")
            onnx.save(to_fp16(onnx.load(str(src / name))), str(tmp))
            os.replace(tmp, dst / name)
    # the aliases (e.g. "clean") name the fp32 pack; the variant is chosen by its own name or directory
    lines = [ln for ln in manifest.splitlines(keepends=True) if not ln.startswith("aliases ")]
    for i, ln in enumerate(lines):
        if ln.startswith("# "):
            lines[i] = "# fp16 variant for GPUs (training/export.py --fp16-out; graphs float16 inside, float32 in and out).\n"
        elif ln.startswith("name "):
            lines[i] = ln.replace('"\n', '-fp16"\n')
        elif ln.startswith("description "):
            lines[i] = ln.replace('"\n', ', fp16 for GPUs"\n')
    (dst / "model.toml").write_text("".join(lines))


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
    ap.add_argument("--no-chain", action="store_true", help="do not export chain.onnx (per-step graph only)")
    ap.add_argument("--chain-only", action="store_true", help="write only chain.onnx and model.toml")
    ap.add_argument("--fp16-out", default="", help="also write the fp16 variant of the pack (for GPUs) to this folder")
    args = ap.parse_args(argv)
    bad = [a for a in args.alias if not re.fullmatch(r"[a-z0-9._-]+", a) or a in ("default", args.name)]
    if bad:
        ap.error(f"--alias {bad[0]!r}: must match [a-z0-9._-]+ and differ from 'default' and --name")
    aliases = "aliases     = [{}]\n".format(", ".join(f'"{a}"' for a in args.alias)) if args.alias else ""
    if '"' in args.description or "\\" in args.description:
        ap.error("--description: must not contain quotes or backslashes")
    if args.no_chain and args.chain_only:
        ap.error("--no-chain and --chain-only exclude each other")
    torch.set_num_threads(2)
    st = torch.load(args.ckpt, map_location="cpu")
    model = build(st["arch"])
    model.load_state_dict(st["ema"])
    model.eval()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    steps = 4  # MANIFEST's diffusion.steps
    if not args.chain_only:
        n, h, w = 1, 16, 24
        ex = (torch.zeros(n, 3, 4 * h, 4 * w), torch.zeros(n, dtype=torch.int64), torch.zeros(n, 3, h, w), torch.zeros(n, 3, 4 * h, 4 * w))
        tmp = out / "denoiser.onnx.tmp"
        onnx_export(model, ex, str(tmp), opset_version=17, input_names=["x_t", "t", "lq", "y"], output_names=["x0"],
                    dynamic_axes={"x_t": {0: "n", 2: "H", 3: "W"}, "t": {0: "n"}, "lq": {0: "n", 2: "h", 3: "w"},
                                  "y": {0: "n", 2: "H", 3: "W"}, "x0": {0: "n", 2: "H", 3: "W"}})
        os.replace(tmp, out / "denoiser.onnx")
    if not args.no_chain:
        export_chain(model, steps, out / "chain.onnx")
    gen = _gen()
    description = args.description.format(params=count_params(model) / 1e6)
    (out / "model.toml").write_text(MANIFEST.format(name=args.name, aliases=aliases, version=args.version, description=description,
                                                    tile=args.tile, overlap=args.overlap, denoiser=gen.PIXEL_DENOISER,
                                                    chain="" if args.no_chain else CHAIN, kappa=config_of(st).kappa))
    if args.fp16_out:
        write_fp16_pack(out, Path(args.fp16_out))
    if args.chain_only:
        return
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
