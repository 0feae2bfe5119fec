"""training/export.py Chain: the fused sampling chain graph (the Go engine's [chain] graph)."""
import tempfile
import unittest
from pathlib import Path

import torch

from training.export import Chain, export_chain
from training.model import build


class ChainTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.den = build({"kind": "res", "ch": 8, "blocks": 1}).eval()
        for p in self.den.parameters():  # the tail starts at zero: make it do something
            p.data.normal_(0, 0.1)

    def test_forward_is_the_step_loop(self):
        T, n, h, w = 4, 2, 4, 6
        x_T, lq, y = torch.randn(n, 3, 4 * h, 4 * w), torch.rand(n, 3, h, w) * 2 - 1, torch.rand(n, 3, 4 * h, 4 * w) * 2 - 1
        noise, coef = torch.randn(n, T - 1, 3, 4 * h, 4 * w), torch.rand(T, 5)
        with torch.no_grad():
            got = Chain(self.den, T)(x_T, lq, y, noise, coef)
            x = x_T
            for k in range(T):
                i = T - 1 - k
                x0 = self.den(x * coef[k, 0], torch.full((n,), i, dtype=torch.int64), lq, y).clamp(-1, 1)
                x = x0 if i == 0 else coef[k, 1] * x + coef[k, 2] * x0 + coef[k, 3] * y + coef[k, 4] * noise[:, k]
        self.assertTrue(torch.equal(got, x))

    def test_export_shares_weights(self):
        import onnx
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "chain.onnx"
            export_chain(self.den, 4, path)
            m = onnx.load(str(path))
        self.assertEqual([i.name for i in m.graph.input], ["x_t", "lq", "y", "noise", "coef"])
        self.assertEqual([o.name for o in m.graph.output], ["x0"])
        dims = [d.dim_value or d.dim_param for d in m.graph.input[3].type.tensor_type.shape.dim]
        self.assertEqual(dims[1:3], [3, 3])  # T-1 step-noise slots, 3 channels
        n_weights = sum(p.numel() for p in self.den.parameters())
        stored = sum(int(torch.tensor(list(t.dims)).prod()) if len(t.dims) else 1 for t in m.graph.initializer)
        self.assertLess(stored, 2 * n_weights)  # one copy of the weights for the T applications


if __name__ == "__main__":
    unittest.main()
