"""The same training code on the CPU and, when one is present, on CUDA: one training step on device-resident data
with real-world degradations, Schedule.sample and rollout, and train.py end to end (chunked by --max-minutes,
resumed from its checkpoint)."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from training import train
from training.bank import ImageBank, Pairs
from training.diffusion import DiffusionConfig, Schedule
from training.model import ResDenoiser, timestep_embedding


def data_dir(root: Path):
    """A tiny training tree: 3 training images and 1 held-out CQ100 image (random textures)."""
    g = np.random.default_rng(0)
    (root / "CQ100" / "img").mkdir(parents=True)
    (root / "T91").mkdir()
    for i in range(3):
        Image.fromarray(g.integers(0, 256, (72, 64, 3), dtype=np.uint8)).save(root / "T91" / f"t{i}.png")
    Image.fromarray(g.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(root / "CQ100" / "img" / "a.png")


class DeviceCases:
    device = "cpu"

    def setUp(self):
        torch.set_num_threads(2)
        torch.manual_seed(0)

    def test_timestep_embedding(self):
        t = torch.tensor([0, 3], device=self.device)
        e = timestep_embedding(t, 8)
        self.assertEqual(e.device.type, torch.device(self.device).type)
        self.assertTrue(torch.allclose(e.cpu(), timestep_embedding(t.cpu(), 8), atol=1e-6))

    def test_train_step_sample_rollout(self):
        dev = torch.device(self.device)
        ims = [torch.randint(0, 256, (3, 48, 48), dtype=torch.uint8) for _ in range(2)]
        pairs = Pairs(ImageBank(ims, device=dev), crop=32, degradation="real", seed=1)
        hr, lq, y = pairs.batch(4)
        for t in (hr, lq, y):
            self.assertEqual(t.device.type, dev.type)
        sched = Schedule(DiffusionConfig(kappa=0.25))
        model = ResDenoiser(ch=8, blocks=1).to(dev)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        t = torch.randint(0, 4, (4,), device=dev)
        xt = sched.q_sample(hr, y, t, torch.randn_like(hr))
        xt[:2] = sched.rollout(model, lq[:2], y[:2], t[:2])
        self.assertEqual(xt.device.type, dev.type)
        pred = model(sched.scale_input(xt, t), t, lq, y)
        loss = F.mse_loss(pred, hr)
        opt.zero_grad()
        loss.backward()
        before = [p.detach().clone() for p in model.parameters()]
        opt.step()
        self.assertTrue(any(not torch.equal(a, p) for a, p in zip(before, model.parameters())))
        self.assertTrue(torch.isfinite(loss))
        for kind in ("deterministic", "stochastic"):
            g = torch.Generator().manual_seed(4)
            sr = sched.sample(model, lq, y, kind=kind, generator=g)
            self.assertEqual((sr.device.type, tuple(sr.shape)), (dev.type, tuple(y.shape)))
            # a CPU generator gives the same chain on every device
            ref = sched.sample(model.cpu(), lq.cpu(), y.cpu(), kind=kind, generator=torch.Generator().manual_seed(4))
            model.to(dev)
            self.assertTrue(torch.allclose(sr.cpu(), ref, atol=1e-4), kind)

    def test_train_chunks_and_resume(self):
        args = ["--arch", "res48", "--crop", "32", "--batch", "2", "--log-every", "1", "--val-every", "2",
                "--ckpt-every", "100", "--degradation", "real", "--kappa", "0.25", "--chain", "0.5",
                "--device", self.device, "--threads", "2"]
        if self.device == "cuda":
            args += ["--amp", "bf16"]
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            data_dir(tmp / "data")
            out = tmp / "run"
            common = ["--out", str(out), "--data", str(tmp / "data"), "--iters", "3"] + args
            train.main(common + ["--max-minutes", "1e-9"])  # the chunk ends after its first step, with a checkpoint
            ck = torch.load(out / "ckpt.pt", map_location="cpu")
            self.assertEqual((ck["step"], ck["degradation"], ck["diffusion"]["kappa"]), (1, "real", 0.25))
            self.assertLess((out / "ckpt.pt").stat().st_size, 16 * 2**20)
            train.main(common)  # resumes at step 1 and runs to 3
            ck = torch.load(out / "ckpt.pt", map_location="cpu")
            self.assertEqual(ck["step"], 3)
            recs = [json.loads(l) for l in (out / "log.jsonl").read_text().splitlines()]
            self.assertEqual([r["step"] for r in recs if "loss" in r], [1, 2, 3])
            val = [r["val_psnr_y"] for r in recs if "val_psnr_y" in r]
            self.assertEqual(len(val), 1)
            self.assertTrue(all(np.isfinite(v) for v in val[0].values()))
            self.assertTrue((out / "best_ema.pt").is_file() and (out / "last_ema.pt").is_file())


class TestCPU(DeviceCases, unittest.TestCase):
    device = "cpu"


@unittest.skipUnless(torch.cuda.is_available(), "no CUDA device")
class TestCUDA(DeviceCases, unittest.TestCase):
    device = "cuda"


if __name__ == "__main__":
    unittest.main()
