"""Schedule and sampler-state rollout of training/diffusion.py (cheap: no training, tiny tensors)."""
import unittest

import torch

from training.diffusion import DiffusionConfig, Schedule, config_of


class Const(torch.nn.Module):
    """A 'network' that always predicts the same x0: makes the rollout computable by hand."""

    def __init__(self, x0):
        super().__init__()
        self.x0 = x0
        self.calls = []

    def forward(self, x_t, t, lq, y):
        self.calls.append(t.tolist())
        return self.x0[: x_t.shape[0]]


class TestSchedule(unittest.TestCase):
    def test_journal_t4_table(self):
        # RESSHIFT.md §1.3, T = 4, κ = 2, p = 0.3, min_noise_level = 0.2, etas_end = 0.99
        s = Schedule(DiffusionConfig())
        want = {  # i: (sqrt_eta, c_xt, c_x0, posterior std)
            0: (0.1000000000, 0, 1, 0),
            1: (0.5200963722, 0.0369685444, 0.9630314556, 0.1962683322),
            2: (0.7613819906, 0.4666190326, 0.5333809674, 0.7596832965),
            3: (0.9900000000, 0.5914728453, 0.4085271547, 0.9732917907),
        }
        for i, (se, cx, c0, ps) in want.items():
            for got, w in ((s.sqrt_eta[i], se), (s.coef_xt[i], cx), (s.coef_x0[i], c0), (s.post_std[i], ps)):
                self.assertAlmostEqual(float(got), w, places=9)

    def test_small_kappa_start(self):
        # κ < 1: sqrt_eta_1 = min(0.2 / κ, 0.2) = 0.2, so the HR-side noise at t = 1 is 0.2 κ
        s = Schedule(DiffusionConfig(kappa=0.25))
        self.assertAlmostEqual(float(s.sqrt_eta[0]), 0.2, places=12)
        self.assertAlmostEqual(float(s.sqrt_eta[-1]), 0.99, places=12)
        self.assertAlmostEqual(float(s.post_std[0]), 0.0, places=12)

    def test_matches_generated_table(self):
        # internal/golden/gen_kappa.py: an independent implementation (the Go tests use its κ = 0.25 rows)
        import importlib.util
        from pathlib import Path
        path = Path(__file__).resolve().parents[2] / "internal" / "golden" / "gen_kappa.py"
        spec = importlib.util.spec_from_file_location("gen_kappa", path)
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)
        for kappa in (2.0, 0.25, 1.0):
            s = Schedule(DiffusionConfig(kappa=kappa))
            for i, row in enumerate(gen.table(kappa)):
                for got, w in zip((s.sqrt_eta[i], s.eta[i], s.coef_xt[i], s.coef_x0[i], s.post_std[i]), row):
                    self.assertAlmostEqual(float(got), w, places=12)

    def test_config_of(self):
        self.assertEqual(config_of({}).kappa, 2.0)
        self.assertEqual(config_of({"diffusion": {"kappa": 0.25}}).kappa, 0.25)


class TestRollout(unittest.TestCase):
    def test_states_match_the_sampler_by_hand(self):
        s = Schedule(DiffusionConfig(kappa=0.25))
        n, h, w = 4, 2, 3
        y = torch.linspace(-0.5, 0.5, n * 3 * 4 * h * 4 * w).view(n, 3, 4 * h, 4 * w)
        lq = torch.zeros(n, 3, h, w)
        x0 = torch.full_like(y, 0.3)
        t = torch.tensor([3, 2, 1, 0])
        torch.manual_seed(7)
        got = s.rollout(Const(x0), lq, y, t)
        # by hand, drawing the same random numbers in the same order
        torch.manual_seed(7)
        x = y + 0.25 * 0.99 * torch.randn_like(y)
        for i in (3, 2, 1):
            idx = (t < i).nonzero(as_tuple=True)[0]
            xi = x[idx]
            x[idx] = s.coef_xt[i] * xi + s.coef_x0[i] * 0.3 + s.post_std[i] * torch.randn_like(xi)
        self.assertLess((got - x).abs().max().item(), 1e-6)
        # t = 3 is the prior itself: y plus κ·sqrt_eta_T noise
        self.assertGreater((got[0] - y[0]).std().item(), 0.2)

    def test_network_called_only_for_states_below(self):
        s = Schedule(DiffusionConfig(kappa=0.25))
        y = torch.zeros(3, 3, 8, 8)
        net = Const(torch.zeros_like(y))
        s.rollout(net, torch.zeros(3, 3, 2, 2), y, torch.tensor([3, 3, 2]))
        self.assertEqual(net.calls, [[3]])  # only the t = 2 sample needs one step from the prior
        net.calls.clear()
        s.rollout(net, torch.zeros(3, 3, 2, 2), y, torch.tensor([3, 3, 3]))
        self.assertEqual(net.calls, [])


if __name__ == "__main__":
    unittest.main()
