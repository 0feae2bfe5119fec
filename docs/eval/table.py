"""Print the Set5 / Set14 / BSD100 summary table (PSNR-Y / SSIM-Y) from docs/eval/*.json, as used in README.md,
docs/benchmarks.md and the model card.

    for s in Set5 Set14 BSD100; do build/resshift eval --hr ../shared/data/eval/$s/HR \
        --lr ../shared/data/eval/$s/LR_x4 --sampler both --bicubic --json docs/eval/$s.json --md docs/eval/$s.md; done
    python3 docs/eval/table.py
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = ["Set5", "Set14", "BSD100"]
ROWS = [("bicubic (MATLAB kernel)", "bicubic-matlab"), ("bicubic (PyTorch kernel, the model's y)", "bicubic-torch"),
        ("{model}, deterministic", "resshift-deterministic"), ("{model}, stochastic (seed {seed})", "resshift-stochastic")]


def main():
    d = {s: json.loads((HERE / f"{s}.json").read_text()) for s in SETS}
    first = d[SETS[0]]
    out = ["| method | " + " | ".join(SETS) + " |", "|---|" + "---|" * len(SETS)]
    for name, key in ROWS:
        cells = []
        for s in SETS:
            m = d[s]["mean"].get(key)
            cells.append(f"{m['psnr_y']:.2f} / {m['ssim_y']:.4f}" if m else "—")
        out.append(f"| {name.format(model=first['model'], seed=first['seed'])} | " + " | ".join(cells) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
