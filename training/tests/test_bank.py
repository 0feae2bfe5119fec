"""The device-resident image bank (batched crops with dihedral transforms), the pair makers and the synthetic
real-world validation set."""
import unittest

import torch

from training import realval
from training.bank import ImageBank, Pairs
from training.imresize import downscale_u8, upsample_torch


def dihedral(t):
    """The 8 flips / 90° rotations of a C×H×W tensor."""
    out = []
    for r in range(4):
        u = torch.rot90(t, r, dims=(1, 2))
        out += [u, u.flip(2)]
    return out


def image(seed, h, w):
    return torch.randint(0, 256, (3, h, w), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)


class TestBank(unittest.TestCase):
    def test_crops_are_dihedral_views(self):
        im = image(0, 16, 16)
        bank = ImageBank([im])
        views = dihedral(im)
        seen = set()
        crops = bank.crops(64, 16, torch.Generator().manual_seed(1))
        self.assertEqual((crops.dtype, tuple(crops.shape)), (torch.uint8, (64, 3, 16, 16)))
        for c in crops:
            hits = [i for i, v in enumerate(views) if torch.equal(c, v)]
            self.assertEqual(len(hits), 1)
            seen.add(hits[0])
        self.assertEqual(len(seen), 8)

    def test_crop_positions_and_weights(self):
        big, small = image(1, 40, 60), image(2, 20, 20)
        bank = ImageBank([small, big, image(3, 6, 6)], min_side=8)  # the 6×6 image is left out
        self.assertEqual(bank.count, 2)
        crops = bank.crops(400, 8, torch.Generator().manual_seed(2))
        from_big = 0
        # every 8×8 window of each source, 3×(H-7)×(W-7)×8×8
        wins = [(src.unfold(1, 8, 1).unfold(2, 8, 1), name) for src, name in ((big, "big"), (small, "small"))]
        for c in crops:
            found = None
            for win, name in wins:
                for v in dihedral(c):  # the crop, transformed back, is a window of its source
                    eq = (win == v[:, None, None]).all(dim=0).all(dim=-1).all(dim=-1)
                    if bool(eq.any()):
                        found = name
                        break
                if found:
                    break
            self.assertIsNotNone(found)
            from_big += found == "big"
        self.assertAlmostEqual(from_big / 400, 2400 / 2800, delta=0.06)  # weighted by area
        self.assertTrue(torch.equal(crops, bank.crops(400, 8, torch.Generator().manual_seed(2))))

    def test_errors(self):
        with self.assertRaisesRegex(ValueError, "uint8"):
            ImageBank([torch.zeros(3, 8, 8)])
        with self.assertRaisesRegex(ValueError, "no training image"):
            ImageBank([image(0, 8, 8)], min_side=16)
        with self.assertRaisesRegex(ValueError, "larger than an image"):
            ImageBank([image(0, 8, 8)]).crops(1, 16, torch.Generator())


class TestPairs(unittest.TestCase):
    def test_bicubic_and_real(self):
        bank = ImageBank([image(4, 48, 48), image(5, 64, 40)])
        for deg in ("bicubic", "real"):
            p = Pairs(bank, crop=32, degradation=deg, seed=3)
            hr, lq, y = p.batch(4)
            self.assertEqual((hr.shape, lq.shape, y.shape), ((4, 3, 32, 32), (4, 3, 8, 8), (4, 3, 32, 32)))
            for t in (hr, lq):
                self.assertTrue(float(t.min()) >= -1 and float(t.max()) <= 1)
            self.assertTrue(torch.allclose(y, upsample_torch(lq, 4)))
            if deg == "bicubic":
                self.assertTrue(torch.allclose(lq, downscale_u8((hr + 1) / 2, 4) * 2 - 1))
            # the stream is reproducible from a saved state
            st = p.state()
            a = p.batch(2)
            p.load_state(st)
            b = p.batch(2)
            for u, v in zip(a, b):
                self.assertTrue(torch.equal(u, v))
        with self.assertRaisesRegex(ValueError, "degradation"):
            Pairs(bank, degradation="jpeg")
        with self.assertRaisesRegex(ValueError, "multiple of the scale"):
            Pairs(bank, crop=30)


class TestRealVal(unittest.TestCase):
    def test_fixed_pairs(self):
        ims = [image(10 + i, 80, 72) for i in range(2)]
        a = realval.pairs(ims, per_image=2)
        b = realval.pairs(ims, per_image=2)
        self.assertEqual([n for n, *_ in a], ["val00_0", "val00_1", "val01_0", "val01_1"])
        for (_, h1, l1, y1), (_, h2, l2, y2) in zip(a, b):
            self.assertEqual((tuple(h1.shape), tuple(l1.shape)), ((1, 3, 72, 72), (1, 3, 18, 18)))
            self.assertTrue(torch.equal(l1, l2) and torch.equal(h1, h2) and torch.equal(y1, y2))
        self.assertFalse(torch.equal(a[0][2], a[1][2]))  # each copy has its own degradation


if __name__ == "__main__":
    unittest.main()
