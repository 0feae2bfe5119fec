"""Statistics of each real-world degradation op (training/degrade) and of the whole pipeline."""
import io
import math
import unittest

import numpy as np
import torch
from PIL import Image

from training.degrade import kernels as K
from training.degrade.jpeg import jpeg, quant_tables
from training.degrade.ops import RESIZE_MODES, blur, gaussian_noise, poisson_noise, resize
from training.degrade.pipeline import Degrader, RealParams


def moments(k: torch.Tensor):
    """Covariance matrix [[Σxx, Σxy], [Σxy, Σyy]] of a kernel (x = column offset, y = row offset)."""
    n = k.shape[-1]
    r = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    k = k.double()
    return [[float((k * xx * xx).sum()), float((k * xx * yy).sum())],
            [float((k * xx * yy).sum()), float((k * yy * yy).sum())]]


def test_image(seed=0, size=128):
    """A deterministic photo-like RGB image in [0, 1] (smooth gradients, edges, texture), 1×3×size×size."""
    g = torch.Generator().manual_seed(seed)
    r = torch.linspace(0, 1, size)
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    base = torch.stack([0.5 + 0.3 * torch.sin(6 * xx + 2 * yy), 0.4 + 0.3 * yy, 0.6 - 0.3 * xx])
    base = base + 0.25 * ((xx > 0.3) & (xx < 0.6) & (yy > 0.2)).float()
    tex = torch.nn.functional.avg_pool2d(torch.rand(1, 3, size, size, generator=g), 3, 1, 1)[0]
    return (base + 0.1 * (tex - 0.5)).clamp(0, 1)[None]


class TestKernels(unittest.TestCase):
    def test_gaussian_sigma_and_angle(self):
        cases = [  # sx, sy, theta
            (1.0, 1.0, 0.0), (2.0, 2.0, 0.0), (2.5, 1.0, 0.0), (2.5, 1.0, math.pi / 3), (0.8, 2.0, -1.0)]
        for sx, sy, th in cases:
            k = K.gaussian(torch.tensor([sx], dtype=torch.float64), torch.tensor([sy], dtype=torch.float64),
                           torch.tensor([th], dtype=torch.float64), torch.tensor([21]), 21)[0]
            self.assertAlmostEqual(float(k.sum()), 1.0, places=5)
            c, s = math.cos(th), math.sin(th)
            # Σ = R diag(sx², sy²) Rᵀ with the principal axis u = c x + s y
            want = [[c * c * sx * sx + s * s * sy * sy, c * s * (sx * sx - sy * sy)],
                    [c * s * (sx * sx - sy * sy), s * s * sx * sx + c * c * sy * sy]]
            got = moments(k)
            for i in range(2):
                for j in range(2):
                    self.assertAlmostEqual(got[i][j], want[i][j], delta=0.02 * max(sx, sy) ** 2, msg=(sx, sy, th))

    def test_generalized_beta1_is_gaussian_and_tails(self):
        one = torch.ones(1, dtype=torch.float64)
        s = torch.tensor([2.0], dtype=torch.float64)
        ks = torch.tensor([21])
        g = K.gaussian(s, s, 0 * s, ks)
        self.assertTrue(torch.allclose(K.gaussian(s, s, 0 * s, ks, beta=one), g))
        # β < 1: heavier tails (larger variance); β > 1: lighter
        var = lambda k: moments(k[0])[0][0]
        self.assertGreater(var(K.gaussian(s, s, 0 * s, ks, beta=0.5 * one)), var(g))
        self.assertLess(var(K.gaussian(s, s, 0 * s, ks, beta=3 * one)), var(g))

    def test_plateau_flat_top(self):
        s = torch.tensor([3.0], dtype=torch.float64)
        k = K.plateau(s, s, 0 * s, torch.tensor([2.0], dtype=torch.float64), torch.tensor([21]))[0]
        self.assertAlmostEqual(float(k.sum()), 1.0, places=5)
        c = k[10, 10]
        self.assertGreater(float(k[10, 11] / c), 0.98)  # q = 1/9: 1/(1 + 1/81) = 0.988 (a Gaussian: 0.946)
        self.assertLess(float(k[10, 16] / c), 0.6)

    def test_sinc_is_lowpass(self):
        for omega in (math.pi / 3, math.pi / 2, 2 * math.pi / 3):
            k = K.sinc(torch.tensor([omega], dtype=torch.float64), torch.tensor([21]))[0].double()
            self.assertAlmostEqual(float(k.sum()), 1.0, places=5)
            resp = torch.fft.fft2(k, s=(256, 256)).abs()
            f = torch.fft.fftfreq(256) * 2 * math.pi  # radians per pixel
            self.assertGreater(float(resp[0, int(0.5 * omega / (2 * math.pi) * 256)]), 0.85)  # ripple of the 21-tap window
            hi = min(math.pi, 1.5 * omega)
            self.assertLess(float(resp[0, int(hi / (2 * math.pi) * 256) - 1]), 0.2, omega)
            self.assertEqual(float(f[0]), 0.0)

    def test_random_kernels(self):
        k = K.random_kernels(200, torch.Generator().manual_seed(5))
        self.assertEqual(tuple(k.shape), (200, 21, 21))
        self.assertTrue(torch.allclose(k.sum(dim=(1, 2)), torch.ones(200), atol=1e-5))
        self.assertTrue(torch.allclose(k, k.flip(1, 2), atol=1e-6))  # all kinds are point-symmetric
        self.assertTrue(torch.equal(k, K.random_kernels(200, torch.Generator().manual_seed(5))))
        self.assertFalse(torch.equal(k, K.random_kernels(200, torch.Generator().manual_seed(6))))
        # supports: a 7×7 kernel is zero outside its centre window; some kernels use it
        outer = k.clone()
        outer[:, 7:14, 7:14] = 0
        self.assertGreater(int((outer.abs().sum(dim=(1, 2)) == 0).sum()), 0)

    def test_final_sinc_prob(self):
        k = K.final_sinc_kernels(400, torch.Generator().manual_seed(1), prob=0.8)
        ident = (k[:, 10, 10] == 1).float().mean().item()
        self.assertAlmostEqual(ident, 0.2, delta=0.06)


class TestOps(unittest.TestCase):
    def test_blur(self):
        x = test_image(1, 64).repeat(2, 1, 1, 1)
        const = torch.full((2, 3, 40, 40), 0.3)
        k = K.random_kernels(2, torch.Generator().manual_seed(0))
        self.assertTrue(torch.allclose(blur(const, k), const, atol=1e-6))
        self.assertTrue(torch.allclose(blur(x, K.pulse(2)), x, atol=1e-6))
        # a kernel with its mass one pixel right of the centre: convolution moves the image right by one
        sh = torch.zeros(2, 21, 21)
        sh[:, 10, 11] = 1
        out = blur(x, sh)
        self.assertTrue(torch.allclose(out[..., 1:], x[..., :-1], atol=1e-6))
        # per-sample kernels
        k2 = torch.stack([K.pulse(1)[0], sh[0]])
        out = blur(x, k2)
        self.assertTrue(torch.allclose(out[0], x[0], atol=1e-6))
        self.assertTrue(torch.allclose(out[1, ..., 1:], x[1, ..., :-1], atol=1e-6))

    def test_resize_shapes(self):
        x = test_image(2, 64)
        for mode in RESIZE_MODES:
            for h, w in ((16, 16), (96, 80), (10, 64)):
                self.assertEqual(tuple(resize(x, h, w, mode).shape), (1, 3, h, w), mode)
        with self.assertRaisesRegex(ValueError, "nearest"):
            resize(x, 8, 8, "nearest")

    def test_gaussian_noise_std(self):
        x = torch.full((4, 3, 256, 256), 0.5)
        sigma = torch.tensor([1, 10, 30, 30]) / 255.0
        gray = torch.tensor([False, False, False, True])
        g = torch.Generator().manual_seed(0)
        n = gaussian_noise(x, sigma, gray, g) - x
        for i in range(4):
            self.assertAlmostEqual(float(n[i].std() / sigma[i]), 1.0, delta=0.02)
        self.assertTrue(torch.equal(n[3, 0], n[3, 1]) and torch.equal(n[3, 1], n[3, 2]))
        corr = float((n[2, 0] * n[2, 1]).mean() / (n[2, 0].std() * n[2, 1].std()))
        self.assertLess(abs(corr), 0.02)
        self.assertTrue(torch.equal(n, gaussian_noise(x, sigma, gray, torch.Generator().manual_seed(0)) - x))

    def test_poisson_noise_std(self):
        for level in (0.2, 0.5, 0.9):
            x = torch.full((3, 3, 256, 256), level)
            scale = torch.tensor([0.5, 1.0, 3.0])
            n = poisson_noise(x, scale, torch.tensor([False, False, True]), torch.Generator().manual_seed(1)) - x
            for i in range(3):
                want = float(scale[i]) * math.sqrt(level / 255.0)
                self.assertAlmostEqual(float(n[i].std()) / want, 1.0, delta=0.03, msg=(level, i))
                self.assertLess(abs(float(n[i].mean())), 0.1 * want)
            self.assertTrue(torch.equal(n[2, 0], n[2, 2]))


def psnr(a, b):
    return float(-10 * torch.log10(((a - b) ** 2).mean()))


def blockiness(x):
    """Mean |horizontal step| across 8-pixel block boundaries over the mean step inside blocks (luma-ish)."""
    d = (x[..., 1:] - x[..., :-1]).abs().mean(dim=(0, 1, 2))
    at = torch.arange(d.shape[0]) % 8 == 7
    return float(d[at].mean() / d[~at].mean())


class TestJpeg(unittest.TestCase):
    def test_tables(self):
        lt, ct = quant_tables(torch.tensor([50, 100, 10]))
        self.assertEqual(int(lt[0, 0, 0]), 16)
        self.assertEqual(int(ct[0, 7, 7]), 99)
        self.assertTrue(torch.all(lt[1] == 1) and torch.all(ct[1] == 1))
        self.assertEqual(int(lt[2, 0, 0]), 80)  # scale 500 %

    def test_quality_against_pil(self):
        x = test_image(3, 128)
        pil = Image.fromarray((x[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
        xq = torch.from_numpy(np.asarray(pil).copy()).permute(2, 0, 1)[None].float() / 255
        got = {}
        for q in (30, 50, 75, 95):
            b = io.BytesIO()
            pil.save(b, "JPEG", quality=q)  # libjpeg, 4:2:0
            ref = torch.from_numpy(np.asarray(Image.open(b)).copy()).permute(2, 0, 1)[None].float() / 255
            out = jpeg(xq, torch.tensor([q]))
            got[q] = psnr(out, xq)
            self.assertAlmostEqual(got[q], psnr(ref, xq), delta=0.6, msg=f"q={q}")
            self.assertGreater(psnr(out, ref), 38, f"q={q}")
        self.assertGreater(got[95], 40)  # close to identity
        self.assertGreater(got[95] - got[30], 5)
        out30 = jpeg(xq, torch.tensor([30]))
        self.assertGreater(blockiness(out30), 1.2 * blockiness(xq))  # q = 30 is blocky

    def test_per_sample_quality_and_shape(self):
        x = torch.cat([test_image(4, 72)[..., :40, :], test_image(5, 72)[..., :40, :]])  # 40×72: padded to 48×80
        out = jpeg(x, torch.tensor([30, 95]))
        self.assertEqual(out.shape, x.shape)
        self.assertTrue(torch.equal(out[:1], jpeg(x[:1], torch.tensor([30]))))
        self.assertTrue(torch.equal(out[1:], jpeg(x[1:], torch.tensor([95]))))
        self.assertTrue(torch.equal(out, (out * 255).round() / 255))  # 8-bit levels


class TestPipeline(unittest.TestCase):
    def test_shapes_levels_seeding(self):
        torch.set_num_threads(2)
        hr = torch.cat([test_image(i, 64) for i in range(4)])
        a = Degrader(seed=7)(hr)
        self.assertEqual(tuple(a.shape), (4, 3, 16, 16))
        self.assertTrue(torch.equal(a, (a * 255).round() / 255))
        self.assertTrue(0 <= float(a.min()) and float(a.max()) <= 1)
        self.assertTrue(torch.equal(a, Degrader(seed=7)(hr)))
        self.assertFalse(torch.equal(a, Degrader(seed=8)(hr)))
        d = Degrader(seed=9)
        st = d.state()
        b1 = d(hr)
        d.load_state(st)
        self.assertTrue(torch.equal(b1, d(hr)))
        with self.assertRaisesRegex(ValueError, "multiple of the scale"):
            d(hr[..., :62])

    def test_degrades(self):
        # averaged over many draws the LR is worse than a clean area downscale, and no degradation is a no-op
        hr = torch.cat([test_image(i, 64) for i in range(8)])
        clean = resize(hr, 16, 16, "area")
        d = Degrader(seed=1)
        errs = [psnr(d(hr), clean) for _ in range(4)]
        self.assertLess(sum(errs) / len(errs), 35)
        self.assertEqual(RealParams().jpeg_range, (30, 95))


if __name__ == "__main__":
    unittest.main()
