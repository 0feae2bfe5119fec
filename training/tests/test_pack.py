"""training/pack_images.py: the pack holds the same pixels as the source tree, under its byte budget."""
import tarfile
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from training import pack_images
from training.data import load_held_out, load_images


def tree(root: Path):
    g = np.random.default_rng(1)
    for d in ("CQ100/img", "T91", "SunHays80"):
        (root / d).mkdir(parents=True)
    smooth = lambda h, w: (np.linspace(0, 255, h * w * 3).reshape(h, w, 3) + g.integers(0, 8, (h, w, 3))).astype(np.uint8)
    for i in range(9):  # 8 held out + 1 for training
        Image.fromarray(smooth(40, 48)).save(root / "CQ100" / "img" / f"c{i}.png")
    Image.fromarray(smooth(50, 30)).save(root / "T91" / "t0.bmp")
    Image.fromarray(smooth(64, 64)).save(root / "SunHays80" / "s0.jpg", quality=90)
    Image.fromarray(smooth(2000, 100)).save(root / "SunHays80" / "tall.jpg", quality=90)  # pre-shrunk: WebP


class TestPack(unittest.TestCase):
    def test_lossless_round_trip_and_budget(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            tree(tmp / "src")
            pack_images.main(["--data", str(tmp / "src"), "--out", str(tmp / "p.tar")])
            with tarfile.open(tmp / "p.tar") as tar:
                names = tar.getnames()
                tar.extractall(tmp / "dst")
            self.assertIn("SunHays80/s0.jpg", names)  # JPEG copied byte for byte
            self.assertIn("SunHays80/tall.webp", names)
            self.assertIn("T91/t0.webp", names)
            self.assertEqual((tmp / "src/SunHays80/s0.jpg").read_bytes(), (tmp / "dst/SunHays80/s0.jpg").read_bytes())
            a_train, a_val = load_images(str(tmp / "src"))
            b_train, b_val = load_images(str(tmp / "dst"))
            self.assertEqual((len(a_val), len(a_train)), (8, 4))
            for u, v in zip(a_val, load_held_out(str(tmp / "src"))):  # the same images in the same order
                self.assertTrue(torch.equal(u, v))
            key = lambda t: (tuple(t.shape), t.numpy().tobytes())
            for a, b in ((a_train, b_train), (a_val, b_val)):
                self.assertEqual(sorted(map(key, a)), sorted(map(key, b)))  # the same pixels
            # a tight budget keeps the held-out images first and records what was left out
            pack_images.main(["--data", str(tmp / "src"), "--out", str(tmp / "q.tar"), "--budget-mb", "0.1"])
            self.assertLess((tmp / "q.tar").stat().st_size, 100_000)
            with tarfile.open(tmp / "q.tar") as tar:
                man = tar.extractfile("MANIFEST.txt").read().decode()
            self.assertIn("left out", man)
            self.assertTrue(all(f"packed\tCQ100/img/c{i}.webp" in man for i in range(8)))


if __name__ == "__main__":
    unittest.main()
