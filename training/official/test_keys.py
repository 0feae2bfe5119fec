"""Our modules must have exactly the state-dict keys, shapes and dtypes of the official checkpoints.

    /usr/bin/python3 -m unittest training.official.test_keys

The reference lists in testdata/ were written from the official classes (parity.py --write-keys). The models are
built with parameter initialisation switched off (no forward pass), so the test takes a few seconds.
"""

import contextlib
import os
import unittest

import torch

from .convert import clean_state_dict, build_unet, build_vq
from .unet_swin import repo_shift_mask, relative_position_index

HERE = os.path.dirname(os.path.abspath(__file__))


def read_keys(name):
    out = {}
    order = []
    with open(os.path.join(HERE, "testdata", name)) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, shape, dtype = line.split()
            out[key] = (tuple(int(s) for s in shape.split(",")) if shape else (), dtype)
            order.append(key)
    return out, order


def own_keys(model):
    sd = model.state_dict()
    return {k: (tuple(v.shape), str(v.dtype).replace("torch.", "")) for k, v in sd.items()}, list(sd)


@contextlib.contextmanager
def no_init():
    """Skip the random initialisation of parameters (only names and shapes are looked at)."""
    names = ("kaiming_uniform_", "uniform_", "normal_", "ones_", "zeros_", "trunc_normal_")
    saved = {n: getattr(torch.nn.init, n) for n in names}
    try:
        for n in names:
            setattr(torch.nn.init, n, lambda t, *a, **k: t)
        yield
    finally:
        for n, f in saved.items():
            setattr(torch.nn.init, n, f)


class KeysTest(unittest.TestCase):
    def compare(self, model, listing):
        want, want_order = read_keys(listing)
        got, got_order = own_keys(model)
        missing = sorted(set(want) - set(got))
        unexpected = sorted(set(got) - set(want))
        self.assertEqual(missing, [], "keys of the official model that ours lacks")
        self.assertEqual(unexpected, [], "keys ours has that the official model lacks")
        bad = [(k, got[k], want[k]) for k in want if got[k] != want[k]]
        self.assertEqual(bad, [], "(key, ours, official) with different shape or dtype")
        self.assertEqual(got_order, want_order, "state-dict order")

    def test_unet_keys(self):
        with no_init():
            m = build_unet()
        self.compare(m, "official_keys_unet.txt")
        self.assertEqual(sum(p.numel() for p in m.parameters()), 118_593_583)

    def test_vq_f4_keys(self):
        with no_init():
            m = build_vq()
        self.compare(m, "official_keys_vq_f4.txt")
        self.assertEqual(sum(p.numel() for p in m.parameters()), 55_322_782)


class MaskTest(unittest.TestCase):
    def test_repo_rule(self):
        # RESSHIFT.md §3.3: only the last window row is masked, by in-window column groups (col >= 4).
        for h, w in ((8, 8), (16, 16), (16, 32), (32, 16), (64, 64), (24, 40)):
            m = repo_shift_mask(h, w, 8, 4)
            nwr, nwc = h // 8, w // 8
            self.assertEqual(tuple(m.shape), (nwr * nwc, 64, 64))
            self.assertTrue(torch.all(m[: (nwr - 1) * nwc] == 0))
            g = (torch.arange(64) % 8) >= 4
            want = torch.where(g[:, None] != g[None, :], -100.0, 0.0)
            for win in range((nwr - 1) * nwc, nwr * nwc):
                self.assertTrue(torch.equal(m[win], want))

    def test_relative_position_index(self):
        idx = relative_position_index(8)
        self.assertEqual(tuple(idx.shape), (64, 64))
        self.assertEqual(int(idx.min()), 0)
        self.assertEqual(int(idx.max()), 224)
        self.assertEqual(int(idx[0, 0]), 112)    # same token: centre of the 15x15 table


class LoaderTest(unittest.TestCase):
    def test_prefixes(self):
        t = torch.zeros(1)
        sd = clean_state_dict({"state_dict": {"module._orig_mod.a.b": t, "module.c": t, "d": t}})
        self.assertEqual(sorted(sd), ["a.b", "c", "d"])
        with self.assertRaises(ValueError):
            clean_state_dict({"module.a": t, "a": t})


if __name__ == "__main__":
    unittest.main()
