"""Import the official ResShift model classes from a user's checkout, for parity checks only.

Nothing of the official code is copied here: the caller gives the path of a checkout (S-Lab License 1.0,
non-commercial), and only its model modules are imported (``models/unet.py``, ``models/swin_transformer.py``,
``ldm/models/autoencoder.py`` and what they import) — never ``sampler.py``. Missing third-party helpers get
minimal stand-ins (RESSHIFT.md §6): timm's DropPath/to_2tuple/trunc_normal_, einops' rearrange for pure axis
permutations; xformers stays absent (the official code falls back to plain PyTorch).
"""

import collections.abc
import importlib
import io
import contextlib
import os
import sys
import types

import torch

# The official configs (realsr_swinunet_realesrgan256_journal.yaml etc.), as keyword arguments.
OFFICIAL_UNET_KW = dict(
    image_size=64, in_channels=3, model_channels=160, out_channels=3, attention_resolutions=[64, 32, 16, 8],
    dropout=0, channel_mult=[1, 2, 2, 4], num_res_blocks=[2, 2, 2, 2], conv_resample=True, dims=2,
    use_fp16=False, num_head_channels=32, use_scale_shift_norm=True, resblock_updown=False, swin_depth=2,
    swin_embed_dim=192, window_size=8, mlp_ratio=4, cond_lq=True, lq_size=64,
)
OFFICIAL_VQ_KW = dict(
    embed_dim=3, n_embed=8192,
    ddconfig=dict(double_z=False, z_channels=3, resolution=256, in_channels=3, out_ch=3, ch=128, ch_mult=[1, 2, 4],
                  num_res_blocks=2, attn_resolutions=[], dropout=0.0, padding_mode="zeros"),
)


def _stub_timm():
    def to_2tuple(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return (x, x)

    def trunc_normal_(t, mean=0.0, std=1.0, a=-2.0, b=2.0):
        with torch.no_grad():
            t.normal_(mean, std).clamp_(a, b)
        return t

    class DropPath(torch.nn.Module):
        def __init__(self, p=0.0):
            super().__init__()
            self.p = p

        def forward(self, x):
            if self.p:
                raise NotImplementedError("stand-in DropPath only supports p=0")
            return x

    timm = types.ModuleType("timm")
    models = types.ModuleType("timm.models")
    layers = types.ModuleType("timm.models.layers")
    layers.DropPath, layers.to_2tuple, layers.trunc_normal_ = DropPath, to_2tuple, trunc_normal_
    timm.models, models.layers = models, layers
    sys.modules.update({"timm": timm, "timm.models": models, "timm.models.layers": layers})


def _stub_einops():
    def parse(side):
        toks = side.split()
        if any("(" in t or ")" in t for t in toks):
            raise NotImplementedError("stand-in rearrange supports axis permutations only: " + side)
        return toks

    def rearrange(t, pattern, **_):
        left, right = (s.strip() for s in pattern.split("->"))
        a, b = parse(left), parse(right)
        if sorted(a) != sorted(b) or len(a) != t.dim():
            raise NotImplementedError("stand-in rearrange: " + pattern)
        return t.permute(*[a.index(x) for x in b])

    def repeat(*_a, **_k):
        raise NotImplementedError("stand-in einops.repeat")

    einops = types.ModuleType("einops")
    einops.rearrange, einops.repeat = rearrange, repeat
    sys.modules["einops"] = einops


def install_stubs():
    """Stand-ins for timm and einops when they are not installed; returns the names stubbed."""
    stubbed = []
    for name, fn in (("timm", _stub_timm), ("einops", _stub_einops)):
        try:
            importlib.import_module(name)
        except ImportError:
            fn()
            stubbed.append(name)
    return stubbed


_imported = {}


def import_official(path):
    """(unet module, autoencoder module, swin module, stubbed names) from an official checkout at path."""
    path = os.path.abspath(path)
    if path in _imported:
        return _imported[path]
    if _imported:
        raise ImportError("official modules were already imported from another checkout")
    stubbed = install_stubs()
    if path not in sys.path:
        sys.path.insert(0, path)
    for name in [n for n in sys.modules if n in ("models", "ldm") or n.startswith(("models.", "ldm."))]:
        del sys.modules[name]
    with contextlib.redirect_stdout(io.StringIO()):
        unet = importlib.import_module("models.unet")
        swin = importlib.import_module("models.swin_transformer")
        ae = importlib.import_module("ldm.models.autoencoder")
    for m in (unet, swin, ae):
        if not m.__file__.startswith(path):
            raise ImportError(f"{m.__name__} imported from {m.__file__}, not from {path}")
    _imported[path] = (unet, ae, swin, stubbed)
    return _imported[path]


def build_official(path):
    """Official (UNetModelSwin, VQModelTorch) with their own initialisation, in eval mode."""
    unet_mod, ae_mod, _, _ = import_official(path)
    with contextlib.redirect_stdout(io.StringIO()):
        unet = unet_mod.UNetModelSwin(**OFFICIAL_UNET_KW).eval()
        vq = ae_mod.VQModelTorch(**OFFICIAL_VQ_KW).eval()
    return unet, vq


def key_lines(model):
    """'name shape' lines of a state dict, in state-dict order (shape as comma-separated ints)."""
    return [f"{k} {','.join(str(s) for s in v.shape)} {str(v.dtype).replace('torch.', '')}"
            for k, v in model.state_dict().items()]
