"""Tests of the ctypes bindings (resshift.py) against the real library.

Run: RESSHIFT_LIB=build/libresshift.so /usr/bin/python3 examples/python/test_resshift.py
(capi/capitest runs it, with RESSHIFT_TEST_LAYOUT holding the C struct layout.)
Needs numpy and PIL (python3-numpy, python3-pil).
"""
import io
import json
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import resshift  # noqa: E402

ENGINE = None


def setUpModule():
    global ENGINE
    ENGINE = resshift.Engine(intra_op_threads=1, concurrency=2)


def tearDownModule():
    ENGINE.close()


def pattern(h, w, ch, dtype=np.uint8, salt=0):
    y, x, c = np.mgrid[0:h, 0:w, 0:ch]
    v = (x * 5 + y * 3 + c * 70 + salt * 11 + ((x * y) & 15)) & 255
    if dtype == np.uint16:
        return (v * 257 + x * 3).astype(np.uint16)
    return v.astype(np.uint8)


class TestBindings(unittest.TestCase):
    def test_version_and_info(self):
        self.assertEqual(resshift.abi_version(), resshift.ABI_VERSION)
        self.assertRegex(resshift.version(), r"^\d+\.\d+\.\d+$")
        info = ENGINE.info
        self.assertEqual(ENGINE.scale, 4)
        self.assertEqual(info["provider"], "cpu")
        self.assertTrue(info["model"])
        self.assertGreater(info["steps"], 0)

    def test_layout_matches_c(self):
        want = os.environ.get("RESSHIFT_TEST_LAYOUT")
        if not want:
            self.skipTest("RESSHIFT_TEST_LAYOUT not set (capi/capitest sets it from test_capi sizes)")
        self.assertEqual(resshift._layout(), json.loads(want))

    def test_numpy_layouts(self):
        for dtype in (np.uint8, np.uint16):
            for ch in (1, 2, 3, 4):
                with self.subTest(dtype=dtype.__name__, ch=ch):
                    a = pattern(10, 12, ch, dtype)
                    out = ENGINE.upscale(a, seed=3)
                    self.assertEqual(out.shape, (40, 48, ch))
                    self.assertEqual(out.dtype, dtype)
                    raw, ow, oh = ENGINE.upscale_raw(a.tobytes(), 12, 10, ch, 8 * a.itemsize, seed=3)
                    self.assertEqual((ow, oh), (48, 40))
                    self.assertEqual(out.tobytes(), raw)
        gray = ENGINE.upscale(pattern(10, 12, 1)[:, :, 0])
        self.assertEqual(gray.shape, (40, 48))

    def test_strided_views(self):
        big = pattern(20, 30, 4)
        view = big[3:13, 5:17, :3]  # rows further apart than they are long, not packed
        out = ENGINE.upscale(view, seed=5)
        self.assertTrue((out == ENGINE.upscale(np.ascontiguousarray(view), seed=5)).all())
        swapped = pattern(10, 12, 3, np.uint16).astype(">u2")
        self.assertTrue((ENGINE.upscale(swapped) == ENGINE.upscale(swapped.astype(np.uint16))).all())

    def test_pixels_equal_encoded(self):
        # The pixel path and the library's own PNG decode/encode give the same pixels.
        for mode, ch in (("L", 1), ("LA", 2), ("RGB", 3), ("RGBA", 4)):
            with self.subTest(mode=mode):
                a = pattern(12, 16, ch, salt=ch)
                im = Image.fromarray(a[:, :, 0] if ch == 1 else a, mode)
                buf = io.BytesIO()
                im.save(buf, format="PNG")
                enc = Image.open(io.BytesIO(ENGINE.upscale_encoded(buf.getvalue(), format="png", seed=9)))
                px = ENGINE.upscale(im, seed=9)
                self.assertEqual(px.mode, mode)
                self.assertEqual(enc.mode, mode)
                self.assertEqual(px.size, (64, 48))
                self.assertEqual(px.tobytes(), enc.tobytes())

    def test_pil_modes(self):
        pal = Image.fromarray(pattern(8, 8, 3)).convert("P")
        self.assertEqual(ENGINE.upscale(pal).mode, "RGB")
        i16 = Image.fromarray(pattern(8, 8, 1, np.uint16)[:, :, 0])
        self.assertEqual(i16.mode, "I;16")
        out = ENGINE.upscale(i16)
        self.assertEqual((out.mode, out.size), ("I;16", (32, 32)))

    def test_pil_16bit_gray_modes(self):
        # A 16-bit grey PNG opens in PIL as mode I; before, it came back solid white 8-bit RGB.
        a = pattern(8, 8, 1, np.uint16)[:, :, 0]
        ref = np.asarray(ENGINE.upscale(Image.fromarray(a), seed=3)).astype(np.int64)  # mode I;16
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, "PNG")
        buf.seek(0)
        png16 = Image.open(buf)
        png16.load()
        big_endian = Image.frombytes("I;16B", (8, 8), a.astype(">u2").tobytes())
        for name, im, mode in [("I from array", Image.fromarray(a.astype(np.int32)), "I"),
                               ("I from a 16-bit PNG", png16, "I"),
                               ("I;16B", big_endian, "I;16")]:
            with self.subTest(name):
                self.assertEqual(im.mode, "I;16B" if name == "I;16B" else "I")
                out = ENGINE.upscale(im, seed=3)
                self.assertEqual((out.mode, out.size), (mode, (32, 32)))
                got = np.asarray(out.convert("I")).astype(np.int64)
                self.assertTrue(np.array_equal(got, ref), "%s: differs from the I;16 result" % name)
                self.assertGreater(got.max(), 255)  # 16-bit values, not 8-bit or solid white
                self.assertLess(got.min(), 65535)
        for name, im in [("I below 0", Image.fromarray(np.full((4, 4), -1, np.int32))),
                         ("I above 65535", Image.fromarray(np.full((4, 4), 70000, np.int32))),
                         ("F", Image.fromarray(np.zeros((4, 4), np.float32)))]:
            with self.subTest(name), self.assertRaises(ValueError) as cm:
                ENGINE.upscale(im)
            self.assertIn("mode", str(cm.exception))

    def test_encoded_formats(self):
        buf = io.BytesIO()
        Image.fromarray(pattern(8, 10, 3)).save(buf, format="PNG")
        for fmt, magic in (("png", b"\x89PNG"), ("jpeg", b"\xff\xd8"), ("tiff", b"II*\x00")):
            with self.subTest(fmt=fmt):
                self.assertTrue(ENGINE.upscale_encoded(buf.getvalue(), format=fmt, quality=80).startswith(magic))
        with self.assertRaises(resshift.InvalidArgumentError):
            ENGINE.upscale_encoded(buf.getvalue(), format="jpeg", lossless=True)

    def test_errors(self):
        with self.assertRaises(resshift.InvalidArgumentError) as cm:
            ENGINE.upscale(np.zeros((4, 4, 5), np.uint8))
        self.assertIn("channels", str(cm.exception))
        self.assertEqual(cm.exception.status, 1)
        with self.assertRaises(resshift.UnsupportedError):
            ENGINE.upscale_raw(b"\0" * 48, 4, 4, 3, 12)
        with self.assertRaises(resshift.InvalidArgumentError) as cm:
            ENGINE.upscale(np.zeros((8, 8, 3), np.uint8), tile=6)
        self.assertIn("tile", str(cm.exception))
        with self.assertRaises(resshift.CorruptDataError):
            ENGINE.upscale_encoded(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
        with self.assertRaises(resshift.UnsupportedError):
            ENGINE.upscale_encoded(b"definitely not an image")
        with self.assertRaises(TypeError):
            ENGINE.upscale(np.zeros((4, 4), np.float32))
        with self.assertRaises(TypeError):
            ENGINE.upscale(np.zeros((4, 4), np.uint8), colour="blue")
        with self.assertRaises(ValueError):
            ENGINE.upscale_raw(b"\0" * 10, 4, 4, 3)
        with self.assertRaises(resshift.InvalidArgumentError) as cm:
            resshift.Engine("/nonexistent.toml")
        self.assertIn("/nonexistent.toml", cm.exception.message)

    def test_progress_and_cancel(self):
        calls = []
        ENGINE.upscale(pattern(8, 8, 3), progress=lambda *a: calls.append(a))
        self.assertEqual(calls[-1], (1, 1, calls[-1][3], calls[-1][3]))
        with self.assertRaises(resshift.CancelledError) as cm:
            ENGINE.upscale(pattern(8, 8, 3), progress=lambda done, total, step, steps: step >= 2)
        self.assertIn("progress callback", cm.exception.message)

        class Boom(Exception):
            pass

        def boom(*_):
            raise Boom("from the callback")

        with self.assertRaises(Boom):
            ENGINE.upscale(pattern(8, 8, 3), progress=boom)

    def test_threads(self):
        a = pattern(16, 20, 3, salt=4)
        want = ENGINE.upscale(a, seed=11, sampler="stochastic")
        results, errors = [], []

        def work():
            try:
                results.append(ENGINE.upscale(a, seed=11, sampler="stochastic"))
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 4)
        for r in results:
            self.assertTrue((r == want).all())

    def test_closed_engine(self):
        eng = resshift.Engine(intra_op_threads=1)
        eng.close()
        eng.close()
        with self.assertRaises(ValueError):
            eng.upscale(pattern(4, 4, 3))


if __name__ == "__main__":
    unittest.main(verbosity=2)
