"""Blur kernels of the Real-ESRGAN / ResShift degradation model, made in batches as torch tensors.

Every kernel is returned zero-padded to ``size``×``size`` (odd, centred) and normalised to sum 1, so a batch of kernels
with different support sizes can be applied by one grouped convolution (``ops.blur``).

Kinds (RESSHIFT.md's real-world recipe, i.e. Real-ESRGAN's second-order model):
  iso / aniso            Gaussian exp(-½ xᵀΣ⁻¹x); iso: σx = σy, no rotation; aniso: σx, σy independent, any angle
  generalized_iso/aniso  exp(-½ (xᵀΣ⁻¹x)^β), β ∈ [0.5, 4] (heavier or lighter tails than a Gaussian)
  plateau_iso/aniso      1 / (1 + (xᵀΣ⁻¹x)^β), β ∈ [1, 2] (flat top)
  sinc                   circular low-pass (ringing / overshoot): ω_c J₁(ω_c r) / (2π r)
"""
from __future__ import annotations

import math

import torch

KINDS = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso")


def _grid(size: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    r = torch.arange(size, dtype=torch.float64, device=device) - (size - 1) / 2
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    return xx, yy


def _support_mask(ksize: torch.Tensor, size: int) -> torch.Tensor:
    """N×size×size mask of each kernel's own (odd) support ksize[n] centred in the size×size window."""
    xx, yy = _grid(size, ksize.device)
    half = ((ksize.to(torch.float64) - 1) / 2)[:, None, None]
    return (xx.abs()[None] <= half) & (yy.abs()[None] <= half)


def quad_form(sx: torch.Tensor, sy: torch.Tensor, theta: torch.Tensor, size: int) -> torch.Tensor:
    """N×size×size values of xᵀΣ⁻¹x for Σ = R(θ) diag(σx², σy²) R(θ)ᵀ (all float64)."""
    xx, yy = _grid(size, sx.device)
    c, s = torch.cos(theta)[:, None, None], torch.sin(theta)[:, None, None]
    u = c * xx[None] + s * yy[None]  # coordinates along the principal axes
    v = -s * xx[None] + c * yy[None]
    return (u / sx[:, None, None]) ** 2 + (v / sy[:, None, None]) ** 2


def _normalise(k: torch.Tensor, ksize: torch.Tensor, size: int) -> torch.Tensor:
    k = torch.where(_support_mask(ksize, size), k, torch.zeros_like(k))
    return (k / k.sum(dim=(1, 2), keepdim=True)).to(torch.float32)


def gaussian(sx, sy, theta, ksize, size: int = 21, beta=None) -> torch.Tensor:
    """Generalised Gaussian kernels exp(-½ q^β) (β = 1: Gaussian), N×size×size float32, each sums to 1."""
    q = quad_form(sx, sy, theta, size)
    b = torch.ones_like(sx) if beta is None else beta
    return _normalise(torch.exp(-0.5 * q.pow(b[:, None, None])), ksize, size)


def plateau(sx, sy, theta, beta, ksize, size: int = 21) -> torch.Tensor:
    """Plateau kernels 1/(1 + q^β), N×size×size float32, each sums to 1."""
    q = quad_form(sx, sy, theta, size)
    return _normalise(1.0 / (1.0 + q.pow(beta[:, None, None])), ksize, size)


def sinc(omega, ksize, size: int = 21) -> torch.Tensor:
    """Circular low-pass kernels with cut-off ω_c (radians per pixel), N×size×size float32, each sums to 1."""
    xx, yy = _grid(size, omega.device)
    r = torch.sqrt(xx ** 2 + yy ** 2)[None]
    w = omega.to(torch.float64)[:, None, None]
    rr = torch.where(r == 0, torch.ones_like(r), r)
    k = w * torch.special.bessel_j1(w * rr) / (2 * math.pi * rr)
    k = torch.where(r == 0, (w ** 2 / (4 * math.pi)).expand_as(k), k)  # limit r → 0
    return _normalise(k, ksize, size)


def pulse(n: int, size: int = 21, device=None) -> torch.Tensor:
    """Identity kernels (a single 1 at the centre), N×size×size."""
    k = torch.zeros(n, size, size, device=device)
    k[:, size // 2, size // 2] = 1
    return k


def _u(g: torch.Generator, n: int, lo: float, hi: float) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=g, dtype=torch.float64)


def random_kernels(n: int, g: torch.Generator, sigma=(0.2, 3.0), beta_g=(0.5, 4.0), beta_p=(1.0, 2.0),
                   probs=(0.45, 0.25, 0.12, 0.03, 0.12, 0.03), sinc_prob: float = 0.1, size: int = 21,
                   ksizes=(7, 21)) -> torch.Tensor:
    """N random blur kernels (float32 N×size×size on the CPU) drawn with generator g (a CPU torch.Generator).

    Per kernel: support an odd size in [ksizes]; with probability sinc_prob a sinc with ω_c ∈ [π/3, π] (support < 13)
    or [π/5, π]; otherwise one of KINDS with probabilities `probs`, σ ∈ `sigma` (the same for both axes for *_iso),
    angle ∈ [-π, π] (aniso), β for generalised Gaussians half the time in [β_lo, 1] and otherwise [1, β_hi] (Real-ESRGAN's
    rule), plateau β ∈ beta_p.
    """
    odd = torch.arange(ksizes[0], ksizes[1] + 1, 2)
    ks = odd[torch.randint(len(odd), (n,), generator=g)]
    kind = torch.multinomial(torch.tensor(probs, dtype=torch.float64), n, replacement=True, generator=g)
    sx = _u(g, n, *sigma)
    sy = torch.where(torch.isin(kind, torch.tensor([1, 3, 5])), _u(g, n, *sigma), sx)
    theta = torch.where(torch.isin(kind, torch.tensor([1, 3, 5])), _u(g, n, -math.pi, math.pi),
                        torch.zeros(n, dtype=torch.float64))
    lo_beta = torch.rand(n, generator=g) < 0.5
    bg = torch.where(lo_beta, _u(g, n, beta_g[0], 1.0), _u(g, n, 1.0, beta_g[1]))
    bp = _u(g, n, *beta_p)
    is_sinc = torch.rand(n, generator=g) < sinc_prob
    omega = torch.where(ks < 13, _u(g, n, math.pi / 3, math.pi), _u(g, n, math.pi / 5, math.pi))
    k_gauss = gaussian(sx, sy, theta, ks, size)
    k_gen = gaussian(sx, sy, theta, ks, size, beta=bg)
    k_plat = plateau(sx, sy, theta, bp, ks, size)
    k_sinc = sinc(omega, ks, size)
    sel = kind[:, None, None]
    out = torch.where(sel <= 1, k_gauss, torch.where(sel <= 3, k_gen, k_plat))
    return torch.where(is_sinc[:, None, None], k_sinc, out)


def final_sinc_kernels(n: int, g: torch.Generator, prob: float = 0.8, size: int = 21, ksizes=(7, 21)) -> torch.Tensor:
    """The last stage's kernels: with probability `prob` a sinc with ω_c ∈ [π/3, π], otherwise the identity."""
    odd = torch.arange(ksizes[0], ksizes[1] + 1, 2)
    ks = odd[torch.randint(len(odd), (n,), generator=g)]
    omega = _u(g, n, math.pi / 3, math.pi)
    use = torch.rand(n, generator=g) < prob
    return torch.where(use[:, None, None], sinc(omega, ks, size), pulse(n, size))
