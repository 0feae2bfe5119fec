"""MATLAB-style bicubic downscaling must reproduce the shipped Set5 and Set14 LR_x4 images byte for byte."""
import unittest
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from training.imresize import downscale_u8, imresize, imresize_u8, weight_matrix

EVAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "eval"


class TestWeights(unittest.TestCase):
    def test_rows_sum_to_one_and_identity(self):
        for n_in, n_out in ((16, 4), (17, 5), (8, 32), (10, 10)):
            m = weight_matrix(n_in, n_out)
            self.assertEqual(m.shape, (n_out, n_in))
            np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-12)
        np.testing.assert_allclose(weight_matrix(9, 9), np.eye(9), atol=1e-12)

    def test_intermediate_is_rounded(self):
        # the uint8 path rounds after the first axis pass, so it differs from rounding the float result once
        g = torch.Generator().manual_seed(3)
        x = torch.randint(0, 256, (1, 3, 64, 64), generator=g).double()
        once = imresize(x, 16, 16).clamp(0, 255).add(0.5).floor()
        twice = imresize_u8(x, 16, 16)
        self.assertTrue(torch.all((once - twice).abs() <= 1))
        self.assertGreater(int((once != twice).sum()), 0)


def _check_set(tc, name):
    root = EVAL / name
    files = sorted((root / "HR").glob("*.png"))
    tc.assertTrue(files, f"{root}/HR: no images")
    for hr_path in files:
        hr = np.asarray(Image.open(hr_path).convert("RGB"))
        lr_ref = np.asarray(Image.open(root / "LR_x4" / hr_path.name).convert("RGB")).astype(np.int32)
        t = torch.from_numpy(hr.copy()).permute(2, 0, 1)[None].double() / 255.0
        lr = (downscale_u8(t, 4)[0].permute(1, 2, 0).numpy() * 255).round().astype(np.int32)
        tc.assertEqual(lr.shape, lr_ref.shape, hr_path.name)
        diff = int((lr != lr_ref).sum())
        tc.assertEqual(diff, 0, f"{name}/{hr_path.name}: {diff} of {lr.size} samples differ from LR_x4")


class TestMatlabDownscale(unittest.TestCase):
    @unittest.skipUnless((EVAL / "Set5").is_dir(), "../shared/data/eval/Set5 absent")
    def test_set5_lr_x4_exact(self):
        _check_set(self, "Set5")

    @unittest.skipUnless((EVAL / "Set14").is_dir(), "../shared/data/eval/Set14 absent")
    def test_set14_lr_x4_exact(self):
        _check_set(self, "Set14")


if __name__ == "__main__":
    unittest.main()
