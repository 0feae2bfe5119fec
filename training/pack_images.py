"""Pack the training images compactly for a GPU machine: one tar under a byte budget (default 40 MB).

    /usr/bin/python3 -m training.pack_images --out training/runs/train-images.tar      # or: make pack-images
    # on the GPU machine: mkdir data && tar -xf train-images.tar -C data
    #                     python3 -m training.train --data data --device cuda --amp bf16 ...

Every image is stored losslessly as the training code sees it (`data.load_image`: RGB, very large photos pre-shrunk
×1/2): JPEG files that need no pre-shrink are copied byte for byte (decoding them gives the same pixels), everything
else becomes lossless WebP. The folder layout is kept (CQ100/img/… stays, so the held-out CQ100 images are still held
out). All the images do not fit in 40 MB, so the pack is a documented subset chosen to carry the most training pixels:
the held-out validation images first, then the others in order of packed bytes per pixel (cheapest first: mostly the
JPEG originals, then the most compressible lossless images; ties by path); an image that would take the tar over the
budget is left out and the rest are still tried. MANIFEST.txt inside the tar lists every source image as `packed` or
`left out` with its packed size.
"""
from __future__ import annotations

import argparse
import io
import os
import tarfile
from pathlib import Path

from .data import held_out, list_images, load_image


def encode(path: Path, max_side: int = 1600) -> tuple[str, bytes]:
    """(suffix, bytes) of the lossless packed form of one training image."""
    img = load_image(path, max_side)
    if path.suffix.lower() in (".jpg", ".jpeg") and img.size == _size(path):
        return path.suffix, path.read_bytes()
    buf = io.BytesIO()
    img.save(buf, "WEBP", lossless=True, quality=100, method=4)
    return ".webp", buf.getvalue()


def _size(path: Path):
    from PIL import Image
    with Image.open(path) as im:
        return im.size


def order(root: Path) -> list[tuple[Path, str, bytes]]:
    """(source, packed suffix, packed bytes) of every image: the held-out CQ100 images first, then the rest by packed
    bytes per pixel, ascending."""
    stems = held_out(root)
    held, rest = [], []
    for p in list_images(root):
        suffix, data = encode(p)
        if p.parent == root / "CQ100" / "img" and p.stem in stems:
            held.append((p, suffix, data))
        else:
            w, h = load_image(p).size
            rest.append((len(data) / (w * h), str(p), (p, suffix, data)))
    rest.sort(key=lambda r: (r[0], r[1]))
    return held + [r[2] for r in rest]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/train")
    ap.add_argument("--out", default="training/runs/train-images.tar")
    ap.add_argument("--budget-mb", type=float, default=40.0, help="maximum tar size in MB (10^6 bytes)")
    args = ap.parse_args(argv)
    root = Path(args.data)
    if not root.is_dir():
        raise SystemExit(f"--data {root}: no such directory")
    budget = int(args.budget_mb * 1e6) - 64 * 1024  # room for the manifest and tar padding
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    used, lines, packed = 0, [], 0
    with tarfile.open(tmp, "w") as tar:
        for p, suffix, data in order(root):
            rel = p.relative_to(root).with_suffix(suffix)
            cost = len(data) + 1024  # header + padding
            if used + cost > budget:
                lines.append(f"left out\t{p.relative_to(root)}\t{len(data)}")
                continue
            info = tarfile.TarInfo(str(rel))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            used += cost
            packed += 1
            lines.append(f"packed\t{rel}\t{len(data)}")
        man = ("# training/pack_images.py: status, path in the pack, bytes\n" + "\n".join(lines) + "\n").encode()
        info = tarfile.TarInfo("MANIFEST.txt")
        info.size = len(man)
        tar.addfile(info, io.BytesIO(man))
    os.replace(tmp, out)
    left = sum(1 for l in lines if l.startswith("left"))
    print(f"{out}: {packed} images packed, {left} left out, {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
