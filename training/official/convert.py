"""Convert official ResShift checkpoints (x4: realsr v1/v2/v3, bicsr) into a latent model pack.

    /usr/bin/python3 -m training.official.convert --unet resshift_realsrx4_s4_v3.pth \
        --vae autoencoder_vq_f4.pth --version v3 --tile 64 --out packs/official-v3
    /usr/bin/python3 -m training.official.convert --random --version v3 --tile 64 --out /tmp/random-v3

The pack (docs/model-pack.md, space "latent") holds encoder.onnx, denoiser.onnx and decoder.onnx (opset 17, fixed
shapes for one LR tile and batch 1), model.toml and LICENSE-NOTICE. The official weights are under the S-Lab
License 1.0 (non-commercial); they are never part of this repository.

Checkpoint loading: an optional top-level ``state_dict`` key and ``module.`` / ``_orig_mod.`` key prefixes are
removed; then the state dict must match our modules exactly (``load_state_dict(strict=True)``), buffers included:
``relative_position_index`` must equal the standard Swin index and every ``attn_mask`` must equal the repository
mask rule (RESSHIFT.md §3.3) — both are checked, not just loaded. The only keys dropped are the VQGAN
training-loss weights ``loss.*`` (discriminator/LPIPS of a Lightning checkpoint), which are reported.

``--random`` builds seeded random weights with our own classes (every tensor non-trivial) for tests without
official files.
"""

import argparse
import datetime
import hashlib
import os
import shutil
import sys
import tempfile
import warnings
import zlib

import torch

from ..onnx_compat import onnx_export
from .unet_swin import X4_CONFIG, UNetModelSwin, SwinBlock, relative_position_index, repo_shift_mask
from .vqgan import VQ_F4_CONFIG, ATTN_CHUNK, SNAP_CHUNK, VQModel, EncoderGraph, DecoderGraph

OPSET = 17
MULTIPLE = 64      # LR sides: latent = LR for x4 with vq-f4, and the UNet needs multiples of window * 2^3 = 64
MAX_TILE = 256     # LR tile cap: VQ mid-attention over (tile)^2 latent tokens, see docs/official-parity.md

VERSIONS = {
    "v1": dict(steps=15, min_noise_level=0.04, ckpt="resshift_realsrx4_s15_v1.pth",
               desc="realsr x4 v1 (conference model, 15 steps, 300k iterations)"),
    "v2": dict(steps=15, min_noise_level=0.04, ckpt="resshift_realsrx4_s15_v2.pth",
               desc="realsr x4 v2 (conference model, 15 steps, 500k iterations)"),
    "v3": dict(steps=4, min_noise_level=0.2, ckpt="resshift_realsrx4_s4_v3.pth",
               desc="realsr x4 v3 (journal model, 4 steps)"),
    "bicsr": dict(steps=4, min_noise_level=0.2, ckpt="resshift_bicsrx4_s4.pth",
                  desc="bicubic x4 (journal model, 4 steps)"),
}

DIFFUSION = dict(kappa=2.0, schedule="exponential", power=0.3, etas_end=0.99, predict_type="xstart",
                 normalize_input=True)

# Graph I/O names (docs/model-pack.md).
ENC_IN, ENC_OUT = "image", "latent"
DEN_XT, DEN_T, DEN_LQ, DEN_OUT = "x_t", "t", "lq", "x0"
DEC_IN, DEC_OUT = "latent", "image"

DROPPABLE_PREFIXES = ("loss.",)


def log(*a):
    print("convert:", *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# checkpoints

def clean_state_dict(obj):
    """Checkpoint object -> flat {name: tensor}: unwrap ``state_dict`` and strip ``module.`` / ``_orig_mod.``."""
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise ValueError(f"checkpoint is a {type(obj).__name__}, not a state dict")
    out = {}
    for k, v in obj.items():
        name = k
        changed = True
        while changed:
            changed = False
            for p in ("module.", "_orig_mod."):
                if name.startswith(p):
                    name, changed = name[len(p):], True
        if not torch.is_tensor(v):
            raise ValueError(f"checkpoint entry {k!r} is a {type(v).__name__}, not a tensor")
        if name in out:
            raise ValueError(f"checkpoint has {name!r} twice after prefix stripping")
        out[name] = v
    return out


def load_checkpoint(path):
    obj = torch.load(path, map_location="cpu")
    return clean_state_dict(obj)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_strict(model, sd, what):
    """Load sd into model with strict=True after reporting differences; returns a report dict."""
    sd = dict(sd)
    dropped = sorted(k for k in sd if k.startswith(DROPPABLE_PREFIXES))
    for k in dropped:
        del sd[k]
    own = model.state_dict()
    missing = sorted(set(own) - set(sd))
    unexpected = sorted(set(sd) - set(own))
    shape = sorted(k for k in set(own) & set(sd) if tuple(own[k].shape) != tuple(sd[k].shape))
    if missing or unexpected or shape:
        lines = [f"{what}: the checkpoint does not match the architecture"]
        for title, keys in (("missing", missing), ("unexpected", unexpected), ("shape mismatch", shape)):
            if keys:
                extra = f" ... (+{len(keys) - 10})" if len(keys) > 10 else ""
                lines.append(f"  {title} ({len(keys)}): " + ", ".join(keys[:10]) + extra)
        for k in shape[:10]:
            lines.append(f"    {k}: checkpoint {tuple(sd[k].shape)} vs model {tuple(own[k].shape)}")
        raise ValueError("\n".join(lines))
    model.load_state_dict(sd, strict=True)
    if dropped:
        log(f"{what}: dropped {len(dropped)} training-loss tensors ({dropped[0]} ...)")
    return dict(missing=missing, unexpected=unexpected, dropped=dropped, tensors=len(sd))


def check_unet_buffers(unet):
    """The loaded buffers must be the ones our forward() assumes (they are not used at run time)."""
    for name, m in unet.named_modules():
        if not isinstance(m, SwinBlock):
            continue
        idx = m.attn.relative_position_index
        if not torch.equal(idx.cpu(), relative_position_index(m.window)):
            raise ValueError(f"{name}.attn.relative_position_index is not the standard Swin index")
        if m.shift > 0:
            n = m.attn_mask.shape[0]
            side = int(round(n ** 0.5)) * m.window
            want = repo_shift_mask(side, side, m.window, m.shift)
            if not torch.equal(m.attn_mask.cpu().float(), want):
                raise ValueError(f"{name}.attn_mask differs from the repository mask rule (RESSHIFT.md §3.3)")


def build_unet():
    return UNetModelSwin(**X4_CONFIG)


def build_vq(attn_chunk=ATTN_CHUNK, snap_chunk=SNAP_CHUNK):
    return VQModel(**VQ_F4_CONFIG, attn_chunk=attn_chunk, snap_chunk=snap_chunk)


# ---------------------------------------------------------------------------------------------------------------
# random weights

def randomize_(model, seed=0, codebook_std=1.0):
    """Seeded random values for every parameter, keyed by parameter name (so two implementations with the same
    state-dict names get the same weights). Unlike the official init, no branch is left at zero."""
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name, p in model.named_parameters():
            g = torch.Generator().manual_seed((seed * 1000003 + zlib.crc32(name.encode())) & 0x7FFFFFFF)
            owner = modules.get(name.rsplit(".", 1)[0]) if "." in name else model
            leaf = name.rsplit(".", 1)[-1]
            r = torch.randn(p.shape, generator=g)
            if isinstance(owner, torch.nn.GroupNorm):
                v = 1.0 + 0.1 * r if leaf == "weight" else 0.1 * r
            elif isinstance(owner, torch.nn.Embedding):
                v = codebook_std * r
            elif leaf == "relative_position_bias_table":
                v = 0.5 * r
            elif leaf == "bias":
                v = 0.05 * r
            else:
                fan_in = p[0].numel() if p.dim() > 1 else p.numel()
                v = r / fan_in ** 0.5
            p.copy_(v.to(p.dtype))
    return model


# ---------------------------------------------------------------------------------------------------------------
# export

def export_graph(module, args, path, inputs, outputs):
    module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        # Tracing turns the static tile sizes into constants on purpose (fixed-shape graphs).
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
        warnings.filterwarnings("ignore", message="Constant folding - Only steps=1")
        onnx_export(module, args, path, input_names=inputs, output_names=outputs, opset_version=OPSET,
                    do_constant_folding=True)  # dynamo=False on torch >= 2.9 (training/onnx_compat.py)
    import onnx
    m = onnx.load(path)
    # The graphs are fixed-shape; torch's ONNX shape inference loses the sizes behind some ops (the dynamic pads
    # of F.pad), so state the output shapes that tracing produced.
    with torch.no_grad():
        res = module(*args)
    res = res if isinstance(res, (tuple, list)) else (res,)
    fixed = False
    for o, r in zip(m.graph.output, res):
        dims = o.type.tensor_type.shape.dim
        if [d.dim_value for d in dims] != list(r.shape):
            del dims[:]
            for n in r.shape:
                dims.add().dim_value = int(n)
            fixed = True
    if fixed:
        onnx.save(m, path)
    onnx.checker.check_model(path)
    got_in = [i.name for i in m.graph.input]
    got_out = [o.name for o in m.graph.output]
    if got_in != list(inputs) or got_out != list(outputs):
        raise RuntimeError(f"{path}: graph I/O {got_in} -> {got_out}, want {inputs} -> {outputs}")
    return {io.name: [d.dim_value for d in io.type.tensor_type.shape.dim] for io in list(m.graph.input) + list(m.graph.output)}


def export_pack(unet, vq, tile, out_dir):
    """Write encoder.onnx, denoiser.onnx, decoder.onnx for an LR tile (batch 1); returns the I/O shapes."""
    f = vq.factor
    lat = tile * 4 // f          # latent side: HR (4 x LR) / f
    if lat != tile:
        raise ValueError("only x4 models with an f4 autoencoder (latent = LR size) are supported")
    hr = 4 * tile
    shapes = {}
    g = torch.Generator().manual_seed(0)
    log(f"exporting encoder.onnx (image 1x3x{hr}x{hr} -> latent 1x3x{lat}x{lat})")
    shapes["encoder"] = export_graph(EncoderGraph(vq), (torch.randn(1, 3, hr, hr, generator=g).clamp(-1, 1),),
                                     os.path.join(out_dir, "encoder.onnx"), [ENC_IN], [ENC_OUT])
    log(f"exporting denoiser.onnx (x_t 1x3x{lat}x{lat}, t int64[1], lq 1x3x{tile}x{tile} -> x0)")
    unet.eval().export_mode(lat, lat)
    try:
        shapes["denoiser"] = export_graph(
            unet, (torch.randn(1, 3, lat, lat, generator=g), torch.tensor([1], dtype=torch.int64),
                   torch.randn(1, 3, tile, tile, generator=g).clamp(-1, 1)),
            os.path.join(out_dir, "denoiser.onnx"), [DEN_XT, DEN_T, DEN_LQ], [DEN_OUT])
    finally:
        unet.eager_mode()
    log(f"exporting decoder.onnx (latent 1x3x{lat}x{lat} -> image 1x3x{hr}x{hr})")
    shapes["decoder"] = export_graph(DecoderGraph(vq), (torch.randn(1, 3, lat, lat, generator=g),),
                                     os.path.join(out_dir, "decoder.onnx"), [DEC_IN], [DEC_OUT])
    want = graph_io(tile)
    if shapes != want:
        raise RuntimeError(f"exported graph shapes {shapes}, want {want}")
    return shapes


def graph_io(tile):
    """The exported graphs' I/O names and static shapes for an LR tile (batch 1)."""
    hr = 4 * tile
    return {
        "encoder": {ENC_IN: [1, 3, hr, hr], ENC_OUT: [1, 3, tile, tile]},
        "denoiser": {DEN_XT: [1, 3, tile, tile], DEN_T: [1], DEN_LQ: [1, 3, tile, tile], DEN_OUT: [1, 3, tile, tile]},
        "decoder": {DEC_IN: [1, 3, tile, tile], DEC_OUT: [1, 3, hr, hr]},
    }


def manifest(version, tile, overlap, random_weights):
    v = VERSIONS[version]
    name = f"resshift-official-{'realsr-' if version != 'bicsr' else ''}{version}-x4"
    if random_weights:
        name += "-random"
        desc = f"RANDOM WEIGHTS (test pack) with the architecture of ResShift {v['desc']}"
        lic = "none (random weights for tests)"
    else:
        desc = f"Official ResShift {v['desc']}, converted; LR tile {tile}"
        lic = "S-Lab License 1.0 (non-commercial use only), see LICENSE-NOTICE"
    d = dict(DIFFUSION, steps=v["steps"], min_noise_level=v["min_noise_level"])
    return f"""# Written by training/official/convert.py.
name        = "{name}"
version     = "{version}"
description = "{desc}"
license     = "{lic}"
scale       = 4
space       = "latent"

[diffusion]
steps           = {d['steps']}
kappa           = {d['kappa']}
schedule        = "{d['schedule']}"
power           = {d['power']}
min_noise_level = {d['min_noise_level']}
etas_end        = {d['etas_end']}
predict_type    = "{d['predict_type']}"
normalize_input = {str(d['normalize_input']).lower()}

[latent]
channels = 3
factor   = 4

[encoder]
file   = "encoder.onnx"
input  = "{ENC_IN}"
output = "{ENC_OUT}"

[denoiser]
file           = "denoiser.onnx"
input_xt       = "{DEN_XT}"
input_timestep = "{DEN_T}"
timestep_type  = "int64"
input_lq       = "{DEN_LQ}"
output         = "{DEN_OUT}"

[decoder]
file   = "decoder.onnx"
input  = "{DEC_IN}"
output = "{DEC_OUT}"

[tiling]
multiple  = {MULTIPLE}
tile      = {tile}
overlap   = {overlap}
fixed     = true
max_batch = 1
"""


def notice(version, sources, random_weights):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if random_weights:
        return (f"This pack holds RANDOM weights made by training/official/convert.py --random ({now}) with the\n"
                f"architecture of ResShift {VERSIONS[version]['desc']}. It contains no official weights and is only\n"
                f"meant for tests.\n")
    lines = [
        "LICENSE NOTICE",
        "",
        f"The network weights in this pack (encoder.onnx, denoiser.onnx, decoder.onnx) are converted from the",
        f"official ResShift checkpoints (https://github.com/zsyOAOA/ResShift, release v2.0), ResShift",
        f"{VERSIONS[version]['desc']}, Copyright 2022 S-Lab.",
        "",
        "They are licensed under the S-Lab License 1.0: use and redistribution are permitted for NON-COMMERCIAL",
        "purposes only, and redistributions must reproduce the copyright notice, the licence conditions and the",
        "disclaimer of the S-Lab License 1.0 (https://github.com/zsyOAOA/ResShift/blob/journal/LICENSE;",
        "LICENSE-S-Lab in this pack when the converter was given --license-file). The weights come WITHOUT",
        "WARRANTY of any kind, as stated in that licence. The resshift engine's Apache-2.0 licence does not",
        "apply to these weights.",
        "",
        f"Converted {now} by training/official/convert.py from:",
    ]
    for role, path, digest in sources:
        lines.append(f"  {role}: {os.path.basename(path)} sha256 {digest}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m training.official.convert", description=__doc__.split("\n")[0])
    ap.add_argument("--unet", help="official UNet checkpoint (e.g. resshift_realsrx4_s4_v3.pth)")
    ap.add_argument("--vae", help="official autoencoder checkpoint (autoencoder_vq_f4.pth)")
    ap.add_argument("--version", required=True, choices=sorted(VERSIONS), help="which official model (diffusion params)")
    ap.add_argument("--tile", type=int, default=64, help=f"LR tile side of the fixed-shape graphs (multiple of {MULTIPLE}, <= {MAX_TILE})")
    ap.add_argument("--overlap", type=int, default=None, help="default LR overlap between tiles (default tile/8)")
    ap.add_argument("--out", required=True, help="pack directory to write (must not exist unless --force)")
    ap.add_argument("--force", action="store_true", help="replace an existing --out directory")
    ap.add_argument("--random", action="store_true", help="random weights with our own classes (test pack)")
    ap.add_argument("--seed", type=int, default=0, help="seed of --random")
    ap.add_argument("--license-file", help="the official LICENSE file, copied into the pack as LICENSE-S-Lab")
    ap.add_argument("--attn-chunk", type=int, default=ATTN_CHUNK, help="VQ mid-attention queries per chunk")
    ap.add_argument("--snap-chunk", type=int, default=SNAP_CHUNK, help="VQ codebook-snap tokens per chunk")
    ap.add_argument("--threads", type=int, default=2, help="torch threads")
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    if a.tile < MULTIPLE or a.tile % MULTIPLE or a.tile > MAX_TILE:
        ap.error(f"--tile must be a multiple of {MULTIPLE} in [{MULTIPLE}, {MAX_TILE}]")
    overlap = a.tile // 8 if a.overlap is None else a.overlap
    if not 0 <= overlap < a.tile:
        ap.error("--overlap must be in [0, tile)")
    if a.random == bool(a.unet or a.vae) or (not a.random and not (a.unet and a.vae)):
        ap.error("give --unet and --vae, or --random")
    out = os.path.abspath(a.out)
    if os.path.exists(out) and not a.force:
        ap.error(f"{out} exists (use --force to replace it)")

    unet, vq = build_unet(), build_vq(a.attn_chunk, a.snap_chunk)
    sources = []
    if a.random:
        randomize_(unet, a.seed)
        randomize_(vq, a.seed + 1)
    else:
        for role, path, model in (("unet", a.unet, unet), ("vae", a.vae, vq)):
            log(f"loading {role} {path}")
            rep = load_strict(model, load_checkpoint(path), role)
            log(f"{role}: {rep['tensors']} tensors loaded (strict)")
            sources.append((role, path, sha256(path)))
        check_unet_buffers(unet)
    unet.eval()
    vq.eval()

    parent = os.path.dirname(out) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".convert-", dir=parent)
    try:
        shapes = export_pack(unet, vq, a.tile, tmp)
        with open(os.path.join(tmp, "model.toml"), "w") as f:
            f.write(manifest(a.version, a.tile, overlap, a.random))
        with open(os.path.join(tmp, "LICENSE-NOTICE"), "w") as f:
            f.write(notice(a.version, sources, a.random))
        if a.license_file:
            shutil.copyfile(a.license_file, os.path.join(tmp, "LICENSE-S-Lab"))
        os.chmod(tmp, 0o755)
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for g, io in shapes.items():
        log(f"{g}: " + ", ".join(f"{k} {'x'.join(map(str, v))}" for k, v in io.items()))
    log(f"wrote {out}")
    return shapes


if __name__ == "__main__":
    main()
