"""Time the same 256×256 → 1024×1024 ×4 job in PyTorch eager (4 denoiser calls + sampler), for the
engine / PyTorch ratio in docs/benchmarks.md.

    /usr/bin/python3 -m training.bench_torch --ckpt training/runs/default/best_ema.pt --runs 3
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from .diffusion import Schedule, config_of
from .imresize import upsample_torch
from .model import build, count_params


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="training/runs/default/best_ema.pt")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    st = torch.load(args.ckpt, map_location="cpu")
    model = build(st["arch"]).eval()
    model.load_state_dict(st["ema"])
    sched = Schedule(config_of(st))
    g = torch.Generator().manual_seed(0)
    lq = torch.rand(1, 3, args.size, args.size, generator=g) * 2 - 1
    times = []
    with torch.no_grad():
        for k in range(args.runs + 1):
            t0 = time.perf_counter()
            y = upsample_torch(lq, 4)
            sched.sample(model, lq, y, kind="deterministic", generator=g)
            if k > 0:  # first run is warm-up
                times.append(time.perf_counter() - t0)
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "size": args.size, "params": count_params(model),
                      "runs_s": times, "median_s": statistics.median(times)}))


if __name__ == "__main__":
    main()
