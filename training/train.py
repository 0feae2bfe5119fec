"""Train a pixel-space ResShift ×4 denoiser (the clean default with --degradation bicubic, the real-world one with
--degradation real).

    /usr/bin/python3 -m training.train --out training/runs/default          # start or resume
    tail -f training/runs/default/log.jsonl                                 # loss / validation PSNR

Resumes automatically from <out>/ckpt.pt (model, EMA, optimiser, step, RNG and data-stream state, architecture, κ,
degradation). Checkpoints are written atomically every --ckpt-every iterations, on SIGTERM/SIGINT and when
--max-minutes is reached, so a run can proceed in chunks on different machines. Runs on the CPU (--threads) or CUDA
(--device cuda, optionally --amp bf16); the training images are held on the device as uint8 (training/bank.py).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from . import realval
from .bank import DEGRADATIONS, ImageBank, Pairs
from .data import load_images, psnr_y, val_set
from .diffusion import DiffusionConfig, Schedule, config_of
from .model import build, count_params

ARCHS = {
    "lite": dict(ch=(40, 80, 160), blocks=(1, 2, 3), up_blocks=(1, 1)),
    "small": dict(ch=(32, 64, 128), blocks=(1, 2, 2), up_blocks=(1, 1)),
    "base": dict(ch=(48, 96, 192), blocks=(1, 2, 3), up_blocks=(1, 2)),
    "res48": dict(kind="res", ch=48, blocks=6),
    "res56": dict(kind="res", ch=56, blocks=7),
}


def lr_at(step: int, base: float, warmup: int, total: int, floor: float) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return floor + 0.5 * (base - floor) * (1 + math.cos(math.pi * p))


def save_atomic(obj, path: Path):
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="training/runs/default")
    ap.add_argument("--data", default="../shared/data/train")
    ap.add_argument("--iters", type=int, default=60000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--lr-floor", type=float, default=1e-6)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--val-every", type=int, default=1000)
    ap.add_argument("--ckpt-every", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--arch", default="lite", choices=sorted(ARCHS))
    ap.add_argument("--clip", type=float, default=1.0, help="gradient norm clip (0 = off)")
    ap.add_argument("--kappa", type=float, default=2.0,
                    help="noise variance scale kappa of RESSHIFT.md §1 (journal recipe: 2.0); a resumed run keeps its own")
    ap.add_argument("--chain", type=float, default=0.0,
                    help="fraction of each batch whose x_t is the stochastic sampler's own state (rolled out from the "
                         "prior with the current weights) instead of q_sample from the true x0")
    ap.add_argument("--degradation", default="bicubic", choices=DEGRADATIONS,
                    help="how LR crops are made: MATLAB bicubic (clean) or the real-world second-order model "
                         "(training/degrade); a resumed run keeps its own. Validation uses the matching held-out set")
    ap.add_argument("--amp", default="off", choices=("off", "bf16"), help="bf16 autocast of the network (GPU)")
    ap.add_argument("--max-minutes", type=float, default=0.0,
                    help="end this chunk with a checkpoint after N minutes of wall time (0 = no limit); rerun to resume")
    ap.add_argument("--init", default="",
                    help="warm start: take the weights (model and EMA) of this checkpoint, fresh optimiser and step 0")
    args = ap.parse_args(argv)
    if not 0.0 <= args.chain <= 1.0:
        ap.error(f"--chain: must be a fraction in [0, 1], got {args.chain}")
    if not args.kappa > 0:
        ap.error(f"--kappa: must be > 0, got {args.kappa}")
    if args.max_minutes < 0:
        ap.error(f"--max-minutes: must be >= 0, got {args.max_minutes}")
    started = time.time()

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    dev = torch.device(args.device)

    # The run starts from its own checkpoint (resume: architecture, κ, optimiser, step and RNG state), from the weights
    # of --init (warm start: its architecture, this run's --kappa), or from scratch. Each file is read once.
    ck = out / "ckpt.pt"
    resume = ck.exists()
    if not resume and args.init and not Path(args.init).is_file():
        ap.error(f"--init {args.init}: no such checkpoint (for `make train`, stage 1 writes training/runs/stage1/ckpt.pt)")
    # loaded on the CPU: load_state_dict copies to the device, and the RNG state must stay a CPU tensor
    src = torch.load(ck if resume else args.init, map_location="cpu") if resume or args.init else None
    ARCH = src["arch"] if src else ARCHS[args.arch]
    cfg = config_of(src) if resume else DiffusionConfig(kappa=args.kappa)
    diff = {"kappa": cfg.kappa}
    degradation = src.get("degradation", "bicubic") if resume else args.degradation
    sched = Schedule(cfg)
    model = build(ARCH).to(dev)
    ema = build(ARCH).to(dev)
    ema.load_state_dict(model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    step = 0
    best = -1.0
    if resume:
        model.load_state_dict(src["model"])
        ema.load_state_dict(src["ema"])
        opt.load_state_dict(src["opt"])
        step, best = src["step"], src.get("best", -1.0)
        torch.set_rng_state(src["rng"])
        if dev.type == "cuda" and src.get("rng_cuda") is not None:  # t and q_sample noise of a CUDA run
            torch.cuda.set_rng_state(src["rng_cuda"], dev)
        data_state = src.get("data")
        print(f"resumed from {ck} at step {step} (architecture, κ = {cfg.kappa} and degradation {degradation} from the "
              f"checkpoint)", flush=True)
    elif src:
        model.load_state_dict(src.get("model", src["ema"]))
        ema.load_state_dict(src["ema"])
        print(f"warm start from the weights of {args.init} (step {src.get('step')})", flush=True)
    if not resume:
        data_state = None
    del src
    (out / "config.json").write_text(json.dumps({"arch": ARCH, "diffusion": diff, "degradation": degradation,
                                                 "args": vars(args), "params": count_params(model)}, indent=1))

    train_imgs, val_imgs = load_images(args.data)
    bank = ImageBank(train_imgs, device=dev, min_side=args.crop)
    del train_imgs
    sampler = Pairs(bank, crop=args.crop, degradation=degradation, seed=args.seed + step)
    if data_state:
        sampler.load_state(data_state)
    if degradation == "real":
        vset = [(hr, lq, y) for _, hr, lq, y in realval.pairs(val_imgs)]
    else:
        vset = val_set(val_imgs)
    amp = torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=args.amp == "bf16")
    print(f"{bank.count} training images ({bank.nbytes() / 2**20:.0f} MiB uint8 on {dev}), {len(vset)} validation pairs "
          f"({degradation}), params {count_params(model)}", flush=True)

    stop = {"flag": False}

    def on_signal(signum, frame):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def checkpoint():
        save_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                     "step": step, "best": best, "rng": torch.get_rng_state(), "arch": ARCH, "diffusion": diff,
                     "degradation": degradation, "data": sampler.state(),
                     "rng_cuda": torch.cuda.get_rng_state(dev) if dev.type == "cuda" else None}, ck)

    def validate():
        ema.eval()
        g = torch.Generator().manual_seed(0)
        vals = {}
        for kind in ("deterministic", "stochastic"):
            ps = []
            for hr, lq, y in vset:
                with amp:
                    sr = sched.sample(lambda *a: ema(*a).float(), lq.to(dev), y.to(dev), kind=kind, generator=g)
                ps.append(psnr_y(sr.cpu(), hr))
            vals[kind] = sum(ps) / len(ps)
        vals["bicubic"] = sum(psnr_y(y, hr) for hr, lq, y in vset) / len(vset)
        return vals

    logf = open(out / "log.jsonl", "a")
    model.train()
    t0 = time.time()
    acc = {"loss": 0.0, "n": 0}
    while step < args.iters and not stop["flag"]:
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.lr, args.warmup, args.iters, args.lr_floor)
        hr, lq, y = sampler.batch(args.batch)
        t = torch.randint(0, sched.cfg.steps, (hr.shape[0],), device=dev)
        noise = torch.randn_like(hr)
        xt = sched.q_sample(hr, y, t, noise)
        m = int(round(args.chain * hr.shape[0]))
        with amp:
            if m > 0:
                xt[:m] = sched.rollout(lambda *a: model(*a).float(), lq[:m], y[:m], t[:m])
            pred = model(sched.scale_input(xt, t), t, lq, y).float()
        loss = F.mse_loss(pred, hr) + F.l1_loss(pred, hr)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        step += 1
        d = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(d).add_(pm.detach(), alpha=1 - d)
        acc["loss"] += loss.item()
        acc["n"] += 1
        if step % args.log_every == 0:
            rec = {"step": step, "loss": acc["loss"] / acc["n"], "lr": opt.param_groups[0]["lr"],
                   "sec_per_it": (time.time() - t0) / acc["n"]}
            logf.write(json.dumps(rec) + "\n")
            logf.flush()
            acc = {"loss": 0.0, "n": 0}
            t0 = time.time()
        if step % args.val_every == 0:
            v = validate()
            rec = {"step": step, "val_psnr_y": v}
            score = max(v["deterministic"], v["stochastic"])  # the better sampler ships
            if score > best:
                best = score
                save_atomic({"ema": ema.state_dict(), "step": step, "val": v, "arch": ARCH, "diffusion": diff},
                            out / "best_ema.pt")
            logf.write(json.dumps(rec) + "\n")
            logf.flush()
            print(json.dumps(rec), flush=True)
            model.train()
            t0 = time.time()
        if step % args.ckpt_every == 0:
            checkpoint()
        if args.max_minutes and time.time() - started > 60 * args.max_minutes:
            print(f"--max-minutes {args.max_minutes:g} reached", flush=True)
            break
    checkpoint()
    save_atomic({"ema": ema.state_dict(), "step": step, "arch": ARCH, "diffusion": diff}, out / "last_ema.pt")
    logf.close()
    print(f"stopped at step {step}", flush=True)


if __name__ == "__main__":
    main()
