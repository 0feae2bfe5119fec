"""ResShift diffusion (RESSHIFT.md §1): exponential sqrt-eta schedule, q_sample, samplers.

Pixel space: input scaling x / (3*kappa*sqrt_eta + 1), x0 clamped to [-1, 1] during sampling.
Timestep fed to the network: the integer code index i in 0..T-1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class DiffusionConfig:
    steps: int = 4
    kappa: float = 2.0
    power: float = 0.3
    min_noise_level: float = 0.2
    etas_end: float = 0.99


def config_of(ckpt: dict) -> DiffusionConfig:
    """The diffusion settings a checkpoint was trained with (checkpoints without them used the journal recipe)."""
    return DiffusionConfig(**ckpt.get("diffusion", {}))


class Schedule:
    def __init__(self, cfg: DiffusionConfig):
        self.cfg = cfg
        T = cfg.steps
        start = min(cfg.min_noise_level / cfg.kappa, cfg.min_noise_level)
        if T == 1:
            sqrt_eta = np.array([cfg.etas_end], dtype=np.float64)
        else:
            inc = np.exp(np.log(cfg.etas_end / start) / (T - 1))
            base = np.power(np.arange(T, dtype=np.float64) / (T - 1), cfg.power) * (T - 1)
            sqrt_eta = start * np.power(inc, base)
        eta = sqrt_eta ** 2
        eta_prev = np.concatenate([[0.0], eta[:-1]])
        alpha = eta - eta_prev
        self.sqrt_eta = sqrt_eta
        self.eta = eta
        self.coef_xt = eta_prev / eta
        self.coef_x0 = alpha / eta
        self.post_std = np.sqrt(cfg.kappa ** 2 * eta_prev / eta * alpha)
        self.input_scale = 1.0 / (3.0 * cfg.kappa * sqrt_eta + 1.0)
        # deterministic (sigma = 0) sampler, RESSHIFT.md §1.5
        sq_prev = np.sqrt(eta_prev)
        self.det_m = sq_prev / sqrt_eta
        self.det_j = eta_prev - sq_prev * sqrt_eta
        self.det_k = 1 - eta_prev + sq_prev * sqrt_eta - sq_prev / sqrt_eta

    def _g(self, arr, t: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(arr, dtype=torch.float32, device=t.device)[t].view(-1, 1, 1, 1)

    def q_sample(self, x0, y, t, noise):
        return x0 + self._g(self.eta, t) * (y - x0) + self.cfg.kappa * self._g(self.sqrt_eta, t) * noise

    def scale_input(self, x, t):
        return x * self._g(self.input_scale, t)

    def predict_x0(self, model, x, t, lq, y, clip=True):
        """The network's x0 for state x at code indices t (input scaled as the engine does), clamped to [-1, 1]."""
        x0 = model(self.scale_input(x, t), t, lq, y)
        return x0.clamp(-1, 1) if clip else x0

    def posterior_mean(self, i: int, x, x0):
        """Mean of q(x_{i-1} | x_i, x0) for code index i (the stochastic sampler's step before its noise)."""
        return float(self.coef_xt[i]) * x + float(self.coef_x0[i]) * x0

    @torch.no_grad()
    def rollout(self, model, lq, y, t, clip=True):
        """The stochastic sampler's state x_t for each sample's own timestep t (code index), reached from the prior
        with `model` (no gradient): the inputs the network meets at sampling time, for training on them."""
        T = self.cfg.steps
        x = y + self.cfg.kappa * float(self.sqrt_eta[-1]) * torch.randn_like(y)
        for i in reversed(range(1, T)):
            idx = (t < i).nonzero(as_tuple=True)[0]  # samples whose target state lies below step i
            if idx.numel() == 0:
                break
            ti = torch.full((idx.numel(),), i, dtype=torch.int64, device=y.device)
            xi = x[idx]
            x0 = self.predict_x0(model, xi, ti, lq[idx], y[idx], clip)
            x[idx] = self.posterior_mean(i, xi, x0) + float(self.post_std[i]) * torch.randn_like(xi)
        return x

    @torch.no_grad()
    def sample(self, model, lq, y, kind: str = "deterministic", generator=None, clip=True):
        """Full reverse chain on y's device. Returns x0 in [-1, 1]. The noise is drawn on the generator's device (the CPU
        when there is none) and moved to y's, so a CPU generator gives the same noise on every device."""
        T = self.cfg.steps
        n = y.shape[0]

        def randn():
            return torch.randn(y.shape, generator=generator,
                               device=generator.device if generator is not None else "cpu").to(y.device, y.dtype)

        x = y + self.cfg.kappa * float(self.sqrt_eta[-1]) * randn()
        for i in reversed(range(T)):
            t = torch.full((n,), i, dtype=torch.int64, device=y.device)
            x0 = self.predict_x0(model, x, t, lq, y, clip)
            if kind == "deterministic":
                x = float(self.det_k[i]) * x0 + float(self.det_m[i]) * x + float(self.det_j[i]) * y
            else:
                x = self.posterior_mean(i, x, x0)
                if i > 0:
                    x = x + float(self.post_std[i]) * randn()
        return x
