"""The Real-ESRGAN second-order degradation model with ResShift's settings, batched (`Degrader.__call__`).

HR (N×3×H×W in [0, 1], H and W multiples of the scale) → LR (N×3×H/s×W/s, 8-bit levels in [0, 1]):

1. blur with a random kernel (RealParams.kernel1), random resize (up/down/keep, area/bilinear/bicubic), Gaussian or
   Poisson noise (colour or grey), clamp, JPEG;
2. with probability second_order_prob: blur (probability second_blur_prob, kernel2), random resize relative to the
   LR size, noise, clamp (no JPEG here: it comes in stage 3);
3. in random order: [resize to H/s×W/s with a random mode, then the final sinc filter (probability final_sinc_prob,
   otherwise identity)] and [JPEG]; clamp and round to 8 bits.

Choices that change tensor shapes (resize scales and modes, whether stage 2 runs, the stage-3 order) are made once
per batch, as Real-ESRGAN does; kernels, noise kinds and levels, grey or colour, and JPEG qualities per sample.
All parameters come from a CPU generator seeded by `seed`; noise fields from a generator on the device, so a
Degrader with the same seed reproduces the same batch on the same device.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict

import torch

from . import kernels as K
from .jpeg import jpeg
from .ops import RESIZE_MODES, blur, gaussian_noise, poisson_noise, resize


@dataclass(frozen=True)
class RealParams:
    """Parameter ranges (ResShift realsr config = Real-ESRGAN x4 defaults; noise σ in 8-bit levels)."""
    scale: int = 4
    # stage 1
    kernel_probs: tuple = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)  # iso, aniso, gen_iso, gen_aniso, plateau_iso, plateau_aniso
    sinc_prob: float = 0.1
    blur_sigma: tuple = (0.2, 3.0)
    betag: tuple = (0.5, 4.0)
    betap: tuple = (1.0, 2.0)
    resize_prob: tuple = (0.2, 0.7, 0.1)  # up, down, keep
    resize_range: tuple = (0.15, 1.5)
    gaussian_noise_prob: float = 0.5
    noise_range: tuple = (1.0, 30.0)
    poisson_scale_range: tuple = (0.05, 3.0)
    gray_noise_prob: float = 0.4
    jpeg_range: tuple = (30, 95)
    # stage 2
    second_order_prob: float = 0.5
    second_blur_prob: float = 0.8
    sinc_prob2: float = 0.1
    blur_sigma2: tuple = (0.2, 1.5)
    resize_prob2: tuple = (0.3, 0.4, 0.3)
    resize_range2: tuple = (0.3, 1.2)
    gaussian_noise_prob2: float = 0.5
    noise_range2: tuple = (1.0, 25.0)
    poisson_scale_range2: tuple = (0.05, 2.5)
    gray_noise_prob2: float = 0.4
    jpeg_range2: tuple = (30, 95)
    # stage 3
    final_sinc_prob: float = 0.8
    kernel_size: int = 21  # kernels have odd supports 7..21, padded to this


def _u(g, n, lo, hi):
    return lo + (hi - lo) * torch.rand(n, generator=g, dtype=torch.float64)


class Degrader:
    def __init__(self, params: RealParams = RealParams(), seed: int = 0, device="cpu"):
        self.p = params
        self.device = torch.device(device)
        self.g = torch.Generator().manual_seed(seed)
        self.gd = torch.Generator(device=self.device).manual_seed(seed)

    def state(self) -> dict:
        """Generator states, for resuming a run with the same degradation stream."""
        return {"cpu": self.g.get_state(), "dev": self.gd.get_state()}

    def load_state(self, st: dict):
        self.g.set_state(st["cpu"])
        self.gd.set_state(st["dev"])

    def _random_resize(self, x, base_h, base_w, probs, rng):
        kind = int(torch.multinomial(torch.tensor(probs, dtype=torch.float64), 1, generator=self.g))
        s = float(_u(self.g, 1, 1.0, rng[1])) if kind == 0 else float(_u(self.g, 1, rng[0], 1.0)) if kind == 1 else 1.0
        mode = RESIZE_MODES[int(torch.randint(3, (1,), generator=self.g))]
        h, w = max(1, int(base_h * s)), max(1, int(base_w * s))
        return resize(x, h, w, mode)

    def _noise(self, x, gauss_prob, sigma_rng, poisson_rng, gray_prob):
        n = x.shape[0]
        use_gauss = torch.rand(n, generator=self.g) < gauss_prob
        sigma = _u(self.g, n, *sigma_rng) / 255.0
        pscale = _u(self.g, n, *poisson_rng)
        gray = torch.rand(n, generator=self.g) < gray_prob
        xg = gaussian_noise(x, sigma.float(), gray, self.gd)
        xp = poisson_noise(x, pscale.float(), gray, self.gd)
        return torch.where(use_gauss.to(x.device)[:, None, None, None], xg, xp)

    def _jpeg(self, x, rng):
        q = torch.randint(int(rng[0]), int(rng[1]) + 1, (x.shape[0],), generator=self.g)
        return jpeg(x.clamp(0, 1), q)

    @torch.no_grad()
    def __call__(self, hr: torch.Tensor) -> torch.Tensor:
        p, g = self.p, self.g
        n, _, H, W = hr.shape
        if H % p.scale or W % p.scale:
            raise ValueError(f"HR size {H}×{W}: must be a multiple of the scale {p.scale}")
        h, w = H // p.scale, W // p.scale
        # stage 1
        k1 = K.random_kernels(n, g, sigma=p.blur_sigma, beta_g=p.betag, beta_p=p.betap, probs=p.kernel_probs,
                              sinc_prob=p.sinc_prob, size=p.kernel_size)
        x = blur(hr, k1)
        x = self._random_resize(x, H, W, p.resize_prob, p.resize_range)
        x = self._noise(x, p.gaussian_noise_prob, p.noise_range, p.poisson_scale_range, p.gray_noise_prob)
        x = self._jpeg(x, p.jpeg_range)
        # stage 2
        if float(torch.rand(1, generator=g)) < p.second_order_prob:
            k2 = K.random_kernels(n, g, sigma=p.blur_sigma2, beta_g=p.betag, beta_p=p.betap, probs=p.kernel_probs,
                                  sinc_prob=p.sinc_prob2, size=p.kernel_size)
            use = torch.rand(n, generator=g) < p.second_blur_prob
            k2 = torch.where(use[:, None, None], k2, K.pulse(n, p.kernel_size))
            x = blur(x, k2)
            x = self._random_resize(x, h, w, p.resize_prob2, p.resize_range2)
            x = self._noise(x, p.gaussian_noise_prob2, p.noise_range2, p.poisson_scale_range2, p.gray_noise_prob2)
            x = x.clamp(0, 1)
        # stage 3
        ks = K.final_sinc_kernels(n, g, prob=p.final_sinc_prob, size=p.kernel_size)
        mode = RESIZE_MODES[int(torch.randint(3, (1,), generator=g))]
        if float(torch.rand(1, generator=g)) < 0.5:
            x = blur(resize(x, h, w, mode), ks)
            x = self._jpeg(x, p.jpeg_range2)
        else:
            x = self._jpeg(x, p.jpeg_range2)
            x = blur(resize(x, h, w, mode), ks)
        return (x.clamp(0, 1) * 255.0).round() / 255.0


def params_table(p: RealParams = RealParams()) -> dict:
    """The parameter ranges as a plain dict (for config.json and the model card)."""
    return asdict(p)
