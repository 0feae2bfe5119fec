"""Write the pointwise chain test pack core/testdata/chain/pointwise-x4 (Go tests of the fused chain path).

    /usr/bin/python3 -m training.chain_testpack

The pack is core/testdata/models/pointwise-x4 (denoiser x0 = y + 0.1·tanh(a[t]·x_t), a pointwise function, so a
whole sampling run cannot depend on tiling) plus chain.onnx: training.export.Chain of the same function. The Go
tests compare it with the per-step path and check that whole-image and tiled results agree.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import torch

from .export import CHAIN, export_chain

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "core" / "testdata" / "models" / "pointwise-x4"
OUT = REPO / "core" / "testdata" / "chain" / "pointwise-x4"
A = (0.5, 1.0, 1.5, 2.0)  # gen.py POINTWISE_A: a[t] for t = 0..3


class Pointwise(torch.nn.Module):
    """gen.py's pointwise-x4 denoiser in torch (lq enters as 0·mean so the graph keeps the input)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("a", torch.tensor(A, dtype=torch.float32))

    def forward(self, x_t, t, lq, y):
        a = self.a[t].reshape(-1, 1, 1, 1)
        return y + 0.1 * torch.tanh(x_t * a) + 0.0 * lq.mean(dim=(1, 2, 3), keepdim=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SRC / "denoiser.onnx", OUT / "denoiser.onnx")
    manifest = (SRC / "model.toml").read_text()
    manifest = manifest.replace("# Test pack (core/testdata/models/gen.py)", "# Test pack (training/chain_testpack.py from core/testdata/models/pointwise-x4)")
    manifest = manifest.replace("[tiling]", CHAIN + "[tiling]")
    export_chain(Pointwise().eval(), 4, OUT / "chain.onnx")
    (OUT / "model.toml").write_text(manifest)


if __name__ == "__main__":
    main()
