#!/usr/bin/python3
"""Generate the small test model packs under core/testdata/models/.

Run from anywhere with Debian's Python (torch 1.13, onnx 1.12, numpy):

    /usr/bin/python3 core/testdata/models/gen.py            # write packs, then verify them with ORT via `go test`
    /usr/bin/python3 core/testdata/models/gen.py --no-verify

Packs (each a model.toml + real ONNX graphs, opset 17, fixed seeds):

  pointwise-x4/  pixel space. x0 = y + 0.1*tanh(a[t]*x_t) + 0*mean(lq): a pointwise function of x_t, y and t,
                 so the result of a whole sampling run cannot depend on tiling. Dynamic N, H, W.
  conv-x4/       pixel space, a tiny conv net: pixel-unshuffle x_t to the LR grid (torch F.pixel_unshuffle
                 channel order c*16 + dy*4 + dx, i.e. the "CRD" order, NOT ONNX SpaceToDepth's DCR order), concat lq,
                 3 convs with a cos-first sinusoidal timestep embedding computed in-graph from t (RESSHIFT.md §1.4),
                 pixel-shuffle back (DepthToSpace mode CRD), plus y. Dynamic N, H, W.
  latent-x4/     latent space, fixed shapes (batch 2, LR tile 32): encoder AveragePool(4) + 1x1 conv,
                 denoiser (x_t, t, lq) -> x0 small conv, decoder = nearest-codebook snap over a 16-entry codebook
                 (in-graph) + 1x1 conv + DepthToSpace(4) + 3x3 conv.

Agreement check: Debian has no Python ONNX Runtime, so gen.py writes reference.json into every pack (inputs are
a reproducible integer hash, see ref_input(); outputs are computed here with numpy or torch) and then runs
`go test ./core/ort -run TestReference`, which executes every graph with the real ORT library and requires
max |ORT - reference| <= 1e-4. reference.json is test data, not part of the model-pack format (the loader
ignores files it is not told about).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

torch.set_num_threads(2)
OPSET = 17
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MAX_STORED = 2048  # at most this many output values stored per tensor (strided sample)

DIFFUSION = """[diffusion]
steps           = 4
kappa           = 2.0
schedule        = "exponential"
power           = 0.3
min_noise_level = 0.2
etas_end        = 0.99
predict_type    = "xstart"
normalize_input = true
"""

# the [denoiser] table of a pixel-space pack with the engine's default input names (also used by training/export.py)
PIXEL_DENOISER = """[denoiser]
file           = "denoiser.onnx"
input_xt       = "x_t"
input_timestep = "t"
timestep_type  = "int64"
input_lq       = "lq"
input_y        = "y"
output         = "x0"
"""


# ---------------------------------------------------------------------------------------------------------
# reproducible inputs: the same integer hash is implemented in Go (core/ort reference_test.go)

M64 = (1 << 64) - 1


def ref_input(seed: int, n: int, amp: float) -> np.ndarray:
    """Values in [-amp, amp): splitmix64 of (seed*2^32 + i), top 24 bits, exact in float32."""
    i = np.arange(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = (np.uint64(seed) << np.uint64(32)) + i
        h = h * np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(31)
        h = h * np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(29)
    v = (h >> np.uint64(40)).astype(np.float64) / float(1 << 23) - 1.0
    return (v * amp).astype(np.float32)


def sample(arr: np.ndarray) -> dict:
    flat = arr.astype(np.float32).ravel()
    stride = max(1, -(-flat.size // MAX_STORED))
    picked = flat[::stride]
    return {
        "stride": stride,
        "values": [float(x) for x in picked],
        "sum": float(flat.astype(np.float64).sum()),
        "abs_sum": float(np.abs(flat.astype(np.float64)).sum()),
    }


def make_case(graph: str, inputs: list, outputs: dict, note: str) -> tuple:
    """inputs: list of (name, shape, spec) with spec = ("f32", seed, amp) or ("i64", values)."""
    feeds, desc = {}, []
    for name, shape, spec in inputs:
        n = int(np.prod(shape))
        if spec[0] == "f32":
            feeds[name] = ref_input(spec[1], n, spec[2]).reshape(shape)
            desc.append({"name": name, "shape": list(shape), "seed": spec[1], "amp": spec[2]})
        else:
            feeds[name] = np.asarray(spec[1], dtype=np.int64).reshape(shape)
            desc.append({"name": name, "shape": list(shape), "i64": list(spec[1])})
    return feeds, {"graph": graph, "note": note, "inputs": desc, "outputs": outputs}


# ---------------------------------------------------------------------------------------------------------
# pointwise-x4 (onnx helper API, reference in numpy)

POINTWISE_A = np.array([0.5, 1.0, 1.5, 2.0], dtype=np.float32)  # a[t] for t = 0..3


def build_pointwise() -> onnx.ModelProto:
    f, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [
        helper.make_tensor_value_info("x_t", f, ["N", 3, "H", "W"]),
        helper.make_tensor_value_info("t", i64, ["N"]),
        helper.make_tensor_value_info("lq", f, ["N", 3, "h", "w"]),
        helper.make_tensor_value_info("y", f, ["N", 3, "H", "W"]),
    ]
    outputs = [helper.make_tensor_value_info("x0", f, ["N", 3, "H", "W"])]
    inits = [
        numpy_helper.from_array(POINTWISE_A, "a_table"),
        numpy_helper.from_array(np.array([-1, 1, 1, 1], dtype=np.int64), "shape_n111"),
        numpy_helper.from_array(np.array(0.1, dtype=np.float32), "amp"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
    ]
    nodes = [
        helper.make_node("Gather", ["a_table", "t"], ["a_n"], axis=0),
        helper.make_node("Reshape", ["a_n", "shape_n111"], ["a"]),
        helper.make_node("Mul", ["x_t", "a"], ["xa"]),
        helper.make_node("Tanh", ["xa"], ["th"]),
        helper.make_node("Mul", ["th", "amp"], ["r"]),
        helper.make_node("ReduceMean", ["lq"], ["lq_mean"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Mul", ["lq_mean", "zero"], ["lq_zero"]),
        helper.make_node("Add", ["y", "r"], ["yr"]),
        helper.make_node("Add", ["yr", "lq_zero"], ["x0"]),
    ]
    g = helper.make_graph(nodes, "pointwise_x4", inputs, outputs, inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="resshift gen.py")


def pointwise_ref(x_t, t, lq, y):
    a = POINTWISE_A[t].reshape(-1, 1, 1, 1)
    return (y + np.float32(0.1) * np.tanh(x_t * a)).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------
# conv-x4 (torch export)

def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Cos-first sinusoidal embedding of the integer code index (RESSHIFT.md §1.4)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.to(torch.float32)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ConvX4(nn.Module):
    def __init__(self, ch: int = 16, temb: int = 16, scale: int = 4):
        super().__init__()
        self.scale, self.temb = scale, temb
        c_in = 3 * scale * scale + 3
        self.time = nn.Linear(temb, ch)
        self.head = nn.Conv2d(c_in, ch, 3, padding=1)
        self.mid = nn.Conv2d(ch, ch, 3, padding=1)
        self.tail = nn.Conv2d(ch, 3 * scale * scale, 3, padding=1)
        with torch.no_grad():
            self.tail.weight.mul_(0.3)

    def forward(self, x_t, t, lq, y):
        e = self.time(timestep_embedding(t, self.temb))[:, :, None, None]
        h = torch.cat([F.pixel_unshuffle(x_t, self.scale), lq], dim=1)
        h = F.silu(self.head(h)) + e
        h = F.silu(self.mid(h))
        return y + F.pixel_shuffle(self.tail(h), self.scale)


# ---------------------------------------------------------------------------------------------------------
# latent-x4 (torch export, static shapes)

LAT_BATCH, LAT_TILE, LAT_C, LAT_F = 2, 32, 3, 4


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, LAT_C, 1)

    def forward(self, image):
        return self.conv(F.avg_pool2d(image, LAT_F))


class LatentDenoiser(nn.Module):
    def __init__(self, ch: int = 8, temb: int = 8):
        super().__init__()
        self.temb = temb
        self.time = nn.Linear(temb, ch)
        self.head = nn.Conv2d(2 * LAT_C, ch, 3, padding=1)
        self.tail = nn.Conv2d(ch, LAT_C, 3, padding=1)

    def forward(self, x_t, t, lq):
        e = self.time(timestep_embedding(t, self.temb))[:, :, None, None]
        h = F.silu(self.head(torch.cat([x_t, lq], dim=1)) + e)
        return x_t + 0.5 * self.tail(h)


class Decoder(nn.Module):
    def __init__(self, codes: int = 16):
        super().__init__()
        self.codebook = nn.Parameter(torch.randn(codes, LAT_C))
        self.post = nn.Conv2d(LAT_C, 3 * LAT_F * LAT_F, 1)
        self.out = nn.Conv2d(3, 3, 3, padding=1)

    def snap(self, z):
        n, c, h, w = z.shape
        tok = z.permute(0, 2, 3, 1).reshape(-1, c)
        # ||z - e||^2 = ||z||^2 - 2 z.e + ||e||^2; ||z||^2 does not change the argmin
        d = (self.codebook * self.codebook).sum(dim=1)[None, :] - 2.0 * tok @ self.codebook.t()
        idx = torch.argmin(d, dim=1)
        q = self.codebook[idx]
        return q.reshape(n, h, w, c).permute(0, 3, 1, 2)

    def forward(self, latent):
        return self.out(F.pixel_shuffle(self.post(self.snap(latent)), LAT_F))


# ---------------------------------------------------------------------------------------------------------

def export(module: nn.Module, args: tuple, names_in: list, names_out: list, dynamic: dict | None, path: str):
    module.eval()
    torch.onnx.export(module, args, path, input_names=names_in, output_names=names_out,
                      dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    m = onnx.load(path)
    m.producer_name = "resshift gen.py"
    m.doc_string = ""
    onnx.save(m, path)


def check(path: str):
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)


def write(path: str, text: str):
    with open(path, "w") as f:
        f.write(text)


def gen_pointwise(out: str) -> list:
    d = os.path.join(out, "pointwise-x4")
    os.makedirs(d)
    onnx.save(build_pointwise(), os.path.join(d, "denoiser.onnx"))
    check(os.path.join(d, "denoiser.onnx"))
    write(os.path.join(d, "model.toml"), f"""# Test pack (core/testdata/models/gen.py): x0 = y + 0.1*tanh(a[t]*x_t), pointwise, tiling-invariant.
name        = "pointwise-x4"
version     = "1"
description = "test: pointwise x0 = y + 0.1*tanh(a[t]*x_t)"
license     = "Apache-2.0"
scale       = 4
space       = "pixel"

{DIFFUSION}
{PIXEL_DENOISER}
[tiling]
multiple  = 1
tile      = 32
overlap   = 8
fixed     = false
max_batch = 4
""")
    cases = []
    for n, h, w, ts in [(1, 4, 4, [2]), (3, 5, 7, [0, 3, 1])]:
        H, W = 4 * h, 4 * w
        feeds, case = make_case("denoiser.onnx", [
            ("x_t", (n, 3, H, W), ("f32", 1, 2.0)),
            ("t", (n,), ("i64", ts)),
            ("lq", (n, 3, h, w), ("f32", 2, 1.0)),
            ("y", (n, 3, H, W), ("f32", 3, 1.0)),
        ], {}, f"batch {n}, LR {h}x{w}")
        case["outputs"] = [{"name": "x0", "shape": [n, 3, H, W],
                            **sample(pointwise_ref(feeds["x_t"], feeds["t"], feeds["lq"], feeds["y"]))}]
        cases.append(case)
    return cases


def gen_conv(out: str) -> list:
    d = os.path.join(out, "conv-x4")
    os.makedirs(d)
    torch.manual_seed(1234)
    net = ConvX4().eval()
    path = os.path.join(d, "denoiser.onnx")
    ex = (torch.zeros(1, 3, 32, 32), torch.zeros(1, dtype=torch.int64), torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 32, 32))
    export(net, ex, ["x_t", "t", "lq", "y"], ["x0"], {
        "x_t": {0: "N", 2: "H", 3: "W"}, "t": {0: "N"}, "lq": {0: "N", 2: "h", 3: "w"},
        "y": {0: "N", 2: "H", 3: "W"}, "x0": {0: "N", 2: "H", 3: "W"}}, path)
    check(path)
    write(os.path.join(d, "model.toml"), f"""# Test pack (core/testdata/models/gen.py): a tiny conv net on the pixel-unshuffled LR grid.
name        = "conv-x4"
version     = "1"
description = "test: tiny conv denoiser, pixel space, x4"
license     = "Apache-2.0"
scale       = 4
space       = "pixel"

{DIFFUSION}
{PIXEL_DENOISER}
[tiling]
multiple  = 8
tile      = 64
overlap   = 8
fixed     = false
max_batch = 4
""")
    cases = []
    for n, h, w, ts in [(1, 8, 8, [3]), (3, 8, 16, [0, 1, 2])]:
        H, W = 4 * h, 4 * w
        feeds, case = make_case("denoiser.onnx", [
            ("x_t", (n, 3, H, W), ("f32", 11, 1.0)),
            ("t", (n,), ("i64", ts)),
            ("lq", (n, 3, h, w), ("f32", 12, 1.0)),
            ("y", (n, 3, H, W), ("f32", 13, 1.0)),
        ], {}, f"batch {n}, LR {h}x{w}")
        with torch.no_grad():
            x0 = net(*(torch.from_numpy(feeds[k]) for k in ("x_t", "t", "lq", "y"))).numpy()
        case["outputs"] = [{"name": "x0", "shape": [n, 3, H, W], **sample(x0)}]
        cases.append(case)
    return cases


def gen_latent(out: str) -> list:
    d = os.path.join(out, "latent-x4")
    os.makedirs(d)
    torch.manual_seed(4321)
    enc, den, dec = Encoder().eval(), LatentDenoiser().eval(), Decoder().eval()
    B, h, H = LAT_BATCH, LAT_TILE, LAT_TILE * 4
    export(enc, (torch.zeros(B, 3, H, H),), ["image"], ["latent"], None, os.path.join(d, "encoder.onnx"))
    export(den, (torch.zeros(B, LAT_C, h, h), torch.zeros(B, dtype=torch.int64), torch.zeros(B, 3, h, h)),
           ["x_t", "t", "lq"], ["x0"], None, os.path.join(d, "denoiser.onnx"))
    export(dec, (torch.zeros(B, LAT_C, h, h),), ["latent"], ["image"], None, os.path.join(d, "decoder.onnx"))
    for g in ("encoder", "denoiser", "decoder"):
        check(os.path.join(d, g + ".onnx"))
    write(os.path.join(d, "model.toml"), f"""# Test pack (core/testdata/models/gen.py): latent space, fixed shapes (batch 2, LR tile 32).
name        = "latent-x4"
version     = "1"
description = "test: latent space with a 16-entry codebook decoder, fixed shapes"
license     = "Apache-2.0"
scale       = 4
space       = "latent"

{DIFFUSION}
[denoiser]
file           = "denoiser.onnx"
input_xt       = "x_t"
input_timestep = "t"
timestep_type  = "int64"
input_lq       = "lq"
output         = "x0"

[latent]
channels = {LAT_C}
factor   = {LAT_F}

[encoder]
file   = "encoder.onnx"
input  = "image"
output = "latent"

[decoder]
file   = "decoder.onnx"
input  = "latent"
output = "image"

[tiling]
multiple  = 8
tile      = {LAT_TILE}
overlap   = 8
fixed     = true
max_batch = {LAT_BATCH}
""")
    cases = []
    with torch.no_grad():
        feeds, case = make_case("encoder.onnx", [("image", (B, 3, H, H), ("f32", 21, 1.0))], {}, "encoder")
        z = enc(torch.from_numpy(feeds["image"])).numpy()
        case["outputs"] = [{"name": "latent", "shape": list(z.shape), **sample(z)}]
        cases.append(case)
        feeds, case = make_case("denoiser.onnx", [
            ("x_t", (B, LAT_C, h, h), ("f32", 22, 1.0)),
            ("t", (B,), ("i64", [3, 0])),
            ("lq", (B, 3, h, h), ("f32", 23, 1.0)),
        ], {}, "denoiser")
        x0 = den(*(torch.from_numpy(feeds[k]) for k in ("x_t", "t", "lq"))).numpy()
        case["outputs"] = [{"name": "x0", "shape": list(x0.shape), **sample(x0)}]
        cases.append(case)
        feeds, case = make_case("decoder.onnx", [("latent", (B, LAT_C, h, h), ("f32", 24, 2.0))], {}, "decoder")
        img = dec(torch.from_numpy(feeds["latent"])).numpy()
        # guard against near-ties in the codebook snap (they would make ORT and torch disagree)
        tok = torch.from_numpy(feeds["latent"]).permute(0, 2, 3, 1).reshape(-1, LAT_C)
        dist = torch.cdist(tok.double(), dec.codebook.detach().double())
        two = torch.topk(dist, 2, largest=False).values
        gap = float((two[:, 1] - two[:, 0]).min())
        assert gap > 1e-4, f"codebook near-tie in the reference input (gap {gap})"
        case["outputs"] = [{"name": "image", "shape": list(img.shape), **sample(img)}]
        cases.append(case)
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=HERE, help="folder that receives the packs (default: beside this script)")
    ap.add_argument("--no-verify", action="store_true", help="skip the ORT agreement check (go test)")
    args = ap.parse_args()
    gens = {"pointwise-x4": gen_pointwise, "conv-x4": gen_conv, "latent-x4": gen_latent}
    for name, gen in gens.items():
        d = os.path.join(args.out, name)
        if os.path.isdir(d):
            shutil.rmtree(d)
        cases = gen(args.out)
        with open(os.path.join(d, "reference.json"), "w") as f:
            json.dump({"pack": name, "tolerance": 1e-4, "cases": cases}, f, separators=(",", ":"))
            f.write("\n")
        size = sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d))
        print(f"{name}: {len(cases)} reference cases, {size} bytes")
    if args.no_verify:
        return
    if shutil.which("go") is None:
        print("go not found: run `go test ./core/ort -run TestReference` to check the packs with ORT", file=sys.stderr)
        return
    env = dict(os.environ, RESSHIFT_TEST_MODELS=os.path.abspath(args.out))
    print("verifying with ONNX Runtime: go test ./core/ort -run TestReference")
    r = subprocess.run(["go", "test", "-count=1", "-run", "TestReference", "./core/ort/"], cwd=REPO, env=env)
    if r.returncode != 0:
        sys.exit("ORT disagrees with the reference (or the test could not run)")


if __name__ == "__main__":
    main()
