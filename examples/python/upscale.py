#!/usr/bin/env python3
"""Upscale an image file with libresshift (examples/python/resshift.py).

    upscale.py [--seed N] [--stochastic] [--config FILE] [--format F] [--quality Q] [--pixels] IN OUT

By default the file goes through resshift_upscale_encoded: libvips decodes and
encodes it, applying EXIF orientation and ICC profiles and keeping metadata,
alpha, gray and 16-bit depth. --pixels decodes with PIL instead and upscales
the pixels through resshift_upscale (numpy not needed), as an application
holding pixels would; PIL then writes OUT (no metadata).

The library comes from $RESSHIFT_LIB or build/libresshift.so.
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resshift  # noqa: E402


def write_atomic(path, data):
    """Writes data to a temporary file next to path, then renames it."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".upscale-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, help="noise seed (default: the configured seed)")
    ap.add_argument("--stochastic", action="store_true", help="stochastic sampler")
    ap.add_argument("--config", help="engine configuration (TOML)")
    ap.add_argument("--format", help="png, jpeg, webp or tiff (default: from OUT's extension, else the input's)")
    ap.add_argument("--quality", type=int, help="JPEG/WebP quality 1..100")
    ap.add_argument("--pixels", action="store_true", help="decode/encode with PIL and upscale pixels")
    ap.add_argument("-v", "--verbose", action="store_true", help="print progress")
    args = ap.parse_args(argv)

    opts = {"seed": args.seed, "sampler": "stochastic" if args.stochastic else None}
    if args.verbose:
        opts["progress"] = lambda done, total, step, steps: print(
            "tiles %d/%d, step %d/%d" % (done, total, step, steps), file=sys.stderr)
    fmt = args.format
    if fmt is None:
        ext = os.path.splitext(args.output)[1].lower().lstrip(".")
        fmt = ext if ext in ("png", "jpg", "jpeg", "webp", "tif", "tiff") else None

    try:
        with resshift.Engine(args.config) as eng:
            if args.pixels:
                from PIL import Image
                import io
                with Image.open(args.input) as im:
                    im.load()
                out = eng.upscale(im, **opts)
                buf = io.BytesIO()
                pil_fmt = {"jpg": "JPEG", "jpeg": "JPEG", "tif": "TIFF", "tiff": "TIFF", "webp": "WEBP"}.get(fmt, "PNG")
                save = {"quality": args.quality} if args.quality else {}
                out.save(buf, format=pil_fmt, **save)
                data = buf.getvalue()
            else:
                with open(args.input, "rb") as f:
                    data = eng.upscale_encoded(f.read(), format=fmt, quality=args.quality, **opts)
        write_atomic(args.output, data)
    except resshift.Error as e:
        print("upscale.py: %s: %s" % (args.input, e), file=sys.stderr)
        return 1
    except OSError as e:
        print("upscale.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
