"""MATLAB-style bicubic downscaling must reproduce the shipped Set5 LR_x4 images (±1 level on ≥99% of samples)."""
import unittest
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from training.imresize import downscale_u8

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "eval" / "Set5"


@unittest.skipUnless(DATA.is_dir(), "../shared/data/eval/Set5 absent")
class TestMatlabDownscale(unittest.TestCase):
    def test_set5_lr_x4(self):
        torch.set_num_threads(2)
        for hr_path in sorted((DATA / "HR").glob("*.png")):
            hr = np.asarray(Image.open(hr_path).convert("RGB"))
            lr_ref = np.asarray(Image.open(DATA / "LR_x4" / hr_path.name).convert("RGB")).astype(np.int32)
            t = torch.from_numpy(hr.copy()).permute(2, 0, 1)[None].double() / 255.0
            lr = (downscale_u8(t, 4)[0].permute(1, 2, 0).numpy() * 255).round().astype(np.int32)
            self.assertEqual(lr.shape, lr_ref.shape, hr_path.name)
            ok = np.mean(np.abs(lr - lr_ref) <= 1)
            self.assertGreaterEqual(ok, 0.99, f"{hr_path.name}: {ok:.4f} within one level")


if __name__ == "__main__":
    unittest.main()
