"""Print the T = 4 schedule table for a given κ as Go rows for schedule.go (RESSHIFT.md §1.3 formula).

    python3 internal/golden/gen_kappa.py 0.25

RESSHIFT.md tabulates κ = 2 only; the default model uses κ = 0.25 (models/resshift-lite-x4/MODEL_CARD.md).
This is an independent, plain-Python implementation of the same formula (no numpy, no project code), so the
Go schedule and training/diffusion.py are both checked against it. Columns as golden.Row: sqrt_eta, eta, c_xt,
c_x0, posterior std, latent input scale 1/sqrt(κ²η+1).
"""
import math
import sys


def table(kappa, steps=4, power=0.3, min_noise_level=0.2, etas_end=0.99):
    start = min(min_noise_level / kappa, min_noise_level)
    inc = math.exp(math.log(etas_end / start) / (steps - 1))
    sqrt_eta = [start * inc ** (((i / (steps - 1)) ** power) * (steps - 1)) for i in range(steps)]
    rows = []
    for i, se in enumerate(sqrt_eta):
        eta = se * se
        prev = sqrt_eta[i - 1] ** 2 if i > 0 else 0.0
        alpha = eta - prev
        rows.append((se, eta, prev / eta, alpha / eta, math.sqrt(kappa * kappa * prev / eta * alpha),
                     1 / math.sqrt(kappa * kappa * eta + 1)))
    return rows


if __name__ == "__main__":
    k = float(sys.argv[1]) if len(sys.argv) > 1 else 0.25
    for r in table(k):
        print("\t{" + ", ".join(f"{v:.10f}" if v not in (0.0, 1.0) else f"{v:g}" for v in r) + "},")
