"""The model.toml that convert.py writes for each official model must equal the committed copy.

    /usr/bin/python3 -m unittest training.official.test_manifests          # check (no torch forward, ~seconds)
    /usr/bin/python3 -m training.official.test_manifests --write           # regenerate testdata/manifests/

testdata/manifests/<version>/model.toml is what ``convert.py --version <version>`` (default --tile 64, default
overlap tile/8 = 8, official weights) writes. core/officialpack_test.go parses the same files with the engine's
manifest reader and compares the resulting schedules with RESSHIFT.md §1.3, so a change to the manifest writer
shows up here first and the schedule check keeps covering what the converter really emits.
"""

import os
import sys
import tomllib
import unittest

from .convert import MULTIPLE, VERSIONS, manifest

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFESTS = os.path.join(HERE, "testdata", "manifests")
TILE = 64
OVERLAP = TILE // 8            # convert.py's default --overlap

# RESSHIFT.md §3.1 / §1.3: the diffusion parameters of the released x4 models.
WANT_DIFFUSION = {
    "v1": dict(steps=15, min_noise_level=0.04),
    "v2": dict(steps=15, min_noise_level=0.04),
    "v3": dict(steps=4, min_noise_level=0.2),
    "bicsr": dict(steps=4, min_noise_level=0.2),
}
COMMON_DIFFUSION = dict(kappa=2.0, schedule="exponential", power=0.3, etas_end=0.99, predict_type="xstart",
                        normalize_input=True)


def committed_path(version):
    return os.path.join(MANIFESTS, version, "model.toml")


def generate(version):
    """The manifest text convert.py writes for an official (non-random) conversion with default options."""
    return manifest(version, TILE, OVERLAP, random_weights=False)


class ManifestTest(unittest.TestCase):
    def test_versions_covered(self):
        self.assertEqual(sorted(VERSIONS), sorted(WANT_DIFFUSION))
        self.assertEqual(sorted(os.listdir(MANIFESTS)), sorted(WANT_DIFFUSION),
                         f"directories under {MANIFESTS}")

    def test_committed_equals_generated(self):
        for version in sorted(WANT_DIFFUSION):
            with self.subTest(version=version):
                with open(committed_path(version), encoding="utf-8") as f:
                    committed = f.read()
                self.assertEqual(generate(version), committed,
                                 f"convert.manifest({version!r}) changed; if intended, regenerate with "
                                 f"python3 -m training.official.test_manifests --write")

    def test_diffusion_params(self):
        for version, want in sorted(WANT_DIFFUSION.items()):
            with self.subTest(version=version):
                m = tomllib.loads(generate(version))
                self.assertEqual(m["diffusion"], dict(COMMON_DIFFUSION, **want))
                self.assertEqual((m["scale"], m["space"], m["version"]), (4, "latent", version))
                self.assertEqual(m["latent"], dict(channels=3, factor=4))
                self.assertEqual(m["tiling"], dict(multiple=MULTIPLE, tile=TILE, overlap=OVERLAP, fixed=True,
                                                   max_batch=1))
                self.assertIn("S-Lab", m["license"])

    def test_random_pack_manifest(self):
        # A --random pack differs only in name, description and licence (never claims the S-Lab weights).
        for version in sorted(WANT_DIFFUSION):
            with self.subTest(version=version):
                off, rnd = tomllib.loads(generate(version)), tomllib.loads(manifest(version, TILE, OVERLAP, True))
                self.assertTrue(rnd["name"].endswith("-random"), rnd["name"])
                self.assertIn("RANDOM WEIGHTS", rnd["description"])
                self.assertNotIn("S-Lab", rnd["license"])
                for k in ("name", "description", "license"):
                    off.pop(k), rnd.pop(k)
                self.assertEqual(rnd, off)


def write():
    for version in sorted(VERSIONS):
        path = committed_path(version)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(generate(version))
        print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        unittest.main()
