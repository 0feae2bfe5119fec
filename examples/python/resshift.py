"""ctypes bindings for libresshift, the C ABI of resshift (include/resshift.h).

    import resshift
    with resshift.Engine() as eng:                  # the embedded default model
        out = eng.upscale(array, seed=42)           # numpy uint8/uint16 (H, W[, C]) -> same dtype
        img = eng.upscale(pil_image)                # PIL L, LA, RGB, RGBA, I;16, I (16-bit grey) -> same mode
        png = eng.upscale_encoded(open("in.png", "rb").read(), format="png")

The library is found from $RESSHIFT_LIB (the path of libresshift.so), then
build/libresshift.so of the source tree this file belongs to, then the
system search path (ctypes.util.find_library("resshift")).

numpy and PIL are optional: Engine.upscale_raw and Engine.upscale_encoded
work on bytes.

Threads: an Engine may be used from several Python threads at once; the GIL
is released while the library works. Processes: the library contains a Go
runtime and must not be used in a child created by fork() after it was
loaded - use multiprocessing with the "spawn" start method
(multiprocessing.set_start_method("spawn") or a get_context("spawn") pool).
"""

import ctypes
import ctypes.util
import os
import sys

try:
    import numpy as _np
except ImportError:  # pragma: no cover - numpy is optional
    _np = None

try:
    from PIL import Image as _PILImage
except ImportError:  # pragma: no cover - PIL is optional
    _PILImage = None

__all__ = [
    "Engine", "Error", "InvalidArgumentError", "UnsupportedError", "TooLargeError", "CorruptDataError",
    "BufferTooSmallError", "CancelledError", "ModelError", "RuntimeFailure", "OutOfMemoryError",
    "InternalError", "version", "abi_version", "ABI_VERSION",
]

ABI_VERSION = 1  # RESSHIFT_ABI_VERSION of the header these bindings mirror
_PIL_GRAY_I = ("I", "I;16B", "I;16L", "I;16N")  # 16-bit grey held in PIL's 32-bit I mode or another byte order
DEFAULT = -1     # RESSHIFT_DEFAULT

# ---- errors -----------------------------------------------------------------


class Error(Exception):
    """A libresshift call failed. status is the resshift_status code, message the library's message."""

    def __init__(self, status, message):
        self.status = status
        self.message = message
        super().__init__("%s: %s" % (_status_string(status), message) if message else _status_string(status))


class InvalidArgumentError(Error, ValueError):
    """RESSHIFT_ERR_INVALID_ARGUMENT."""


class UnsupportedError(Error, ValueError):
    """RESSHIFT_ERR_UNSUPPORTED."""


class TooLargeError(Error, ValueError):
    """RESSHIFT_ERR_TOO_LARGE: past a configured [limits] value."""


class CorruptDataError(Error, ValueError):
    """RESSHIFT_ERR_CORRUPT_DATA: encoded input could not be decoded."""


class BufferTooSmallError(Error, ValueError):
    """RESSHIFT_ERR_BUFFER_TOO_SMALL."""


class CancelledError(Error):
    """RESSHIFT_ERR_CANCELLED: the progress callback asked to stop."""


class ModelError(Error):
    """RESSHIFT_ERR_MODEL."""


class RuntimeFailure(Error, RuntimeError):
    """RESSHIFT_ERR_RUNTIME: ONNX Runtime or libvips failed."""


class OutOfMemoryError(Error, MemoryError):
    """RESSHIFT_ERR_OUT_OF_MEMORY."""


class InternalError(Error):
    """RESSHIFT_ERR_INTERNAL: a bug in the library."""


class TimedOutError(Error, TimeoutError):
    """RESSHIFT_ERR_TIMEOUT: the call ran past its time budget (options.timeout_ms)."""


_ERRORS = {
    1: InvalidArgumentError, 2: UnsupportedError, 3: TooLargeError, 4: CorruptDataError,
    5: BufferTooSmallError, 6: CancelledError, 7: ModelError, 8: RuntimeFailure,
    9: OutOfMemoryError, 10: InternalError, 11: TimedOutError,
}

# ---- C declarations (mirror include/resshift.h) ------------------------------

PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int)


class _EngineParams(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("config_path", ctypes.c_char_p),
        ("model", ctypes.c_char_p),
        ("provider", ctypes.c_char_p),
        ("ort_library", ctypes.c_char_p),
        ("intra_op_threads", ctypes.c_int32),
        ("inter_op_threads", ctypes.c_int32),
        ("concurrency", ctypes.c_int32),
        ("device_id", ctypes.c_int32),
    ]


class _Info(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("scale", ctypes.c_int32),
        ("steps", ctypes.c_int32),
        ("tile", ctypes.c_int32),
        ("overlap", ctypes.c_int32),
        ("batch", ctypes.c_int32),
        ("multiple", ctypes.c_int32),
        ("max_batch", ctypes.c_int32),
        ("fixed_tile", ctypes.c_int32),
        ("seed", ctypes.c_uint64),
        ("sampler", ctypes.c_char_p),
        ("model", ctypes.c_char_p),
        ("model_version", ctypes.c_char_p),
        ("license", ctypes.c_char_p),
        ("space", ctypes.c_char_p),
        ("provider", ctypes.c_char_p),
        ("ort_version", ctypes.c_char_p),
        ("source", ctypes.c_char_p),
    ]


class _Options(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("sampler", ctypes.c_int32),
        ("use_seed", ctypes.c_int32),
        ("seed", ctypes.c_uint64),
        ("tile", ctypes.c_int32),
        ("overlap", ctypes.c_int32),
        ("batch", ctypes.c_int32),
        ("format", ctypes.c_int32),
        ("quality", ctypes.c_int32),
        ("strip_metadata", ctypes.c_int32),
        ("lossless", ctypes.c_int32),
        ("progress", PROGRESS_FN),
        ("progress_user", ctypes.c_void_p),
        ("timeout_ms", ctypes.c_int64),  # since 0.2; 0 = no time budget
    ]


_SAMPLERS = {None: 0, "deterministic": 1, "stochastic": 2}
_FORMATS = {None: 0, "same": 1, "png": 2, "jpeg": 3, "jpg": 3, "webp": 4, "tiff": 5, "tif": 5}


def _layout():
    """Sizes and member offsets of the mirrored structs (tests compare them with C's)."""
    out = {}
    for name, st in (("resshift_engine_params", _EngineParams), ("resshift_info", _Info),
                     ("resshift_options", _Options)):
        out[name] = ctypes.sizeof(st)
        for f in st._fields_:
            out["%s.%s" % (name, f[0])] = getattr(st, f[0]).offset
    return out


def _find_library():
    env = os.environ.get("RESSHIFT_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    local = os.path.join(here, "..", "..", "build", "libresshift.so")
    if os.path.exists(local):
        return os.path.normpath(local)
    found = ctypes.util.find_library("resshift")
    if found:
        return found
    raise OSError("libresshift not found: set RESSHIFT_LIB to the path of libresshift.so "
                  "(`make lib` builds build/libresshift.so)")


_lib = None


def _load():
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(_find_library())  # CDLL releases the GIL during calls
    eng_p = ctypes.c_void_p
    lib.resshift_version.restype = ctypes.c_char_p
    lib.resshift_version.argtypes = []
    lib.resshift_abi_version.restype = ctypes.c_int
    lib.resshift_abi_version.argtypes = []
    lib.resshift_status_string.restype = ctypes.c_char_p
    lib.resshift_status_string.argtypes = [ctypes.c_int]
    lib.resshift_engine_params_init.restype = None
    lib.resshift_engine_params_init.argtypes = [ctypes.POINTER(_EngineParams)]
    lib.resshift_options_init.restype = None
    lib.resshift_options_init.argtypes = [ctypes.POINTER(_Options)]
    lib.resshift_engine_new_with.restype = ctypes.c_int
    lib.resshift_engine_new_with.argtypes = [ctypes.POINTER(_EngineParams), ctypes.POINTER(eng_p)]
    lib.resshift_engine_free.restype = None
    lib.resshift_engine_free.argtypes = [eng_p]
    lib.resshift_engine_last_error.restype = ctypes.c_char_p
    lib.resshift_engine_last_error.argtypes = [eng_p]
    lib.resshift_engine_info.restype = ctypes.c_int
    lib.resshift_engine_info.argtypes = [eng_p, ctypes.POINTER(_Info)]
    lib.resshift_output_size.restype = ctypes.c_int
    lib.resshift_output_size.argtypes = [eng_p, ctypes.c_int32, ctypes.c_int32, ctypes.c_int32, ctypes.c_int32,
                                         ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32),
                                         ctypes.POINTER(ctypes.c_size_t)]
    lib.resshift_upscale_into.restype = ctypes.c_int
    lib.resshift_upscale_into.argtypes = [eng_p, ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32, ctypes.c_size_t,
                                          ctypes.c_int32, ctypes.c_int32, ctypes.POINTER(_Options),
                                          ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t]
    lib.resshift_upscale_encoded.restype = ctypes.c_int
    lib.resshift_upscale_encoded.argtypes = [eng_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(_Options),
                                             ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
    lib.resshift_buffer_free.restype = None
    lib.resshift_buffer_free.argtypes = [ctypes.c_void_p]
    if lib.resshift_abi_version() != ABI_VERSION:
        raise OSError("libresshift ABI %d, these bindings need %d" % (lib.resshift_abi_version(), ABI_VERSION))
    _lib = lib
    return lib


def _status_string(status):
    try:
        return _load().resshift_status_string(status).decode()
    except OSError:
        return "status %d" % status


def version():
    """The library's version string, e.g. "0.1.0"."""
    return _load().resshift_version().decode()


def abi_version():
    """The library's RESSHIFT_ABI_VERSION."""
    return _load().resshift_abi_version()


def _opt(v):
    return DEFAULT if v is None else int(v)


def _enc(s):
    return None if s is None else os.fsencode(s)


# ---- engine -----------------------------------------------------------------


class Engine:
    """A loaded model (resshift_engine). Thread-safe; close() it (or use `with`) to free it early.

    model: the name or alias of a pack embedded in the library ("resshift-lite-x4", "clean"), "default",
    or a pack directory; None = the configuration's model (the embedded default).
    """

    def __init__(self, config=None, *, model=None, provider=None, ort_library=None, intra_op_threads=None,
                 inter_op_threads=None, concurrency=None, device_id=None):
        lib = _load()
        p = _EngineParams()
        lib.resshift_engine_params_init(ctypes.byref(p))
        # Keep the encoded strings alive for the call.
        self._keep = [_enc(config), _enc(model), _enc(provider), _enc(ort_library)]
        p.config_path, p.model, p.provider, p.ort_library = self._keep
        p.intra_op_threads = _opt(intra_op_threads)
        p.inter_op_threads = _opt(inter_op_threads)
        p.concurrency = _opt(concurrency)
        p.device_id = _opt(device_id)
        h = ctypes.c_void_p()
        st = lib.resshift_engine_new_with(ctypes.byref(p), ctypes.byref(h))
        if st != 0:
            raise _ERRORS.get(st, Error)(st, lib.resshift_engine_last_error(None).decode(errors="replace"))
        self._h = h
        info = _Info()
        info.size = ctypes.sizeof(info)
        self._check(lib.resshift_engine_info(h, ctypes.byref(info)))
        self.info = {
            name: (getattr(info, name).decode() if isinstance(getattr(info, name), bytes) else getattr(info, name))
            for name, _ in _Info._fields_ if name != "size"
        }
        self.scale = info.scale

    # -- lifecycle

    def close(self):
        """Frees the engine. Calls running in other threads finish first. Idempotent."""
        h, self._h = getattr(self, "_h", None), None
        if h is not None and _lib is not None:
            _lib.resshift_engine_free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def _handle(self):
        if self._h is None:
            raise ValueError("resshift: engine is closed")
        return self._h

    def _check(self, st, h=None):
        if st != 0:
            msg = _lib.resshift_engine_last_error(h if h is not None else self._h).decode(errors="replace")
            raise _ERRORS.get(st, Error)(st, msg)

    # -- options

    def _options(self, seed, sampler, tile, overlap, batch, progress, format=None, quality=None,
                 strip_metadata=None, lossless=False):
        lib = _lib
        o = _Options()
        lib.resshift_options_init(ctypes.byref(o))
        if sampler not in _SAMPLERS:
            raise ValueError("sampler must be 'deterministic' or 'stochastic', got %r" % (sampler,))
        o.sampler = _SAMPLERS[sampler]
        if seed is not None:
            o.use_seed, o.seed = 1, int(seed)
        o.tile, o.overlap, o.batch = _opt(tile), _opt(overlap), _opt(batch)
        fmt = None if format is None else str(format).lower()
        if fmt not in _FORMATS:
            raise ValueError("format must be png, jpeg, webp, tiff or 'same', got %r" % (format,))
        o.format = _FORMATS[fmt]
        o.quality = _opt(quality)
        o.strip_metadata = DEFAULT if strip_metadata is None else int(bool(strip_metadata))
        o.lossless = int(bool(lossless))
        state = {"exc": None, "cb": None}
        if progress is not None:
            def trampoline(_user, done, total, step, steps):
                try:
                    return 1 if progress(done, total, step, steps) else 0
                except BaseException as e:  # re-raised after the call; cancel now
                    state["exc"] = e
                    return 1
            state["cb"] = PROGRESS_FN(trampoline)  # kept alive in state during the call
            o.progress = state["cb"]
        return o, state

    def _finish(self, st, state, h):
        if state["exc"] is not None:
            raise state["exc"]
        self._check(st, h)

    # -- pixels

    def output_size(self, width, height, channels=3, bits=8):
        """(out_width, out_height, bytes) of the result for an input of this size."""
        h = self._handle()
        ow, oh, n = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_size_t()
        self._check(_lib.resshift_output_size(h, width, height, channels, bits, ctypes.byref(ow), ctypes.byref(oh),
                                              ctypes.byref(n)), h)
        return ow.value, oh.value, n.value

    def _upscale_ptr(self, ptr, width, height, stride, channels, bits, dst, dst_size, opts):
        h = self._handle()
        o, state = self._options(**opts)
        st = _lib.resshift_upscale_into(h, ptr, width, height, stride, channels, bits, ctypes.byref(o),
                                        dst, 0, dst_size)
        self._finish(st, state, h)

    def upscale_raw(self, data, width, height, channels, bits=8, stride=0, **opts):
        """Upscales interleaved pixels held in a bytes-like object (8-bit, or 16-bit native-endian).

        Returns (bytes, out_width, out_height); the result has the input's channels and bits, packed rows.
        Options: seed, sampler ('deterministic'|'stochastic'), tile, overlap, batch, progress.
        """
        mv = memoryview(data).cast("B")
        src = (ctypes.c_char * len(mv)).from_buffer_copy(mv) if mv.readonly else (ctypes.c_char * len(mv)).from_buffer(mv)
        plausible = width > 0 and height > 0 and 1 <= channels <= 4 and bits in (8, 16)
        row = width * channels * bits // 8 if plausible else 0  # else the library reports the problem
        if plausible and len(mv) < (stride or row) * (height - 1) + row:
            raise ValueError("resshift: %d bytes hold fewer than %d rows of %d bytes" % (len(mv), height, stride or row))
        ow, oh, n = self.output_size(width, height, channels, bits)
        out = ctypes.create_string_buffer(n)
        self._upscale_ptr(ctypes.cast(src, ctypes.c_void_p), width, height, stride, channels, bits, out, n,
                          _pixel_opts(opts))
        return out.raw, ow, oh

    def upscale(self, image, **opts):
        """Upscales a numpy array or a PIL image and returns the same kind.

        numpy: uint8 or uint16, shape (H, W) (gray) or (H, W, C) with C in 1..4 (gray, gray+alpha, RGB, RGBA).
        PIL: modes L, LA, RGB, RGBA and I;16 keep their mode; I (how PIL opens 16-bit grey PNGs) is
        upscaled as 16-bit grey and stays I (values outside 0..65535 are a ValueError), I;16B/L/N give
        I;16; F is a ValueError; P, 1, CMYK, ... are converted to RGB(A).
        Options: seed, sampler ('deterministic'|'stochastic'), tile, overlap, batch,
        progress (callable(tiles_done, tiles_total, step, steps), a true result cancels).
        """
        opts = _pixel_opts(opts)
        if _np is not None and isinstance(image, _np.ndarray):
            return self._upscale_array(image, opts)
        if _PILImage is not None and isinstance(image, _PILImage.Image):
            return self._upscale_pil(image, opts)
        raise TypeError("resshift: upscale takes a numpy array or a PIL image (use upscale_raw for bytes), got %s"
                        % type(image).__name__)

    def _upscale_array(self, a, opts):
        if a.dtype.kind != "u" or a.dtype.itemsize not in (1, 2):
            raise TypeError("resshift: array dtype must be uint8 or uint16, got %s" % a.dtype)
        gray2d = a.ndim == 2
        if gray2d:
            a = a[:, :, None]
        if a.ndim != 3:
            raise ValueError("resshift: array shape must be (H, W) or (H, W, C), got %s" % (a.shape,))
        hgt, wid, ch = a.shape
        a = a.astype(a.dtype.newbyteorder("="), copy=False)
        if a.strides[2] != a.itemsize or a.strides[1] != ch * a.itemsize or a.strides[0] <= 0:
            a = _np.ascontiguousarray(a)
        bits = 8 * a.itemsize
        ow, oh, n = self.output_size(wid, hgt, ch, bits)
        out = _np.empty((oh, ow, ch), dtype=a.dtype)
        self._upscale_ptr(a.ctypes.data, wid, hgt, a.strides[0], ch, bits, out.ctypes.data, out.nbytes, opts)
        return out[:, :, 0] if gray2d else out

    def _upscale_pil(self, im, opts):
        if im.mode in _PIL_GRAY_I:
            return self._upscale_pil_gray_i(im, opts)
        if im.mode in ("F", "I;32", "I;32B", "I;32L"):
            raise ValueError("resshift: PIL mode %s is not supported: convert to a mode with a known range "
                             "(L, I;16, RGB, ...) first" % im.mode)
        modes = {"L": (1, 8), "LA": (2, 8), "RGB": (3, 8), "RGBA": (4, 8), "I;16": (1, 16)}
        if im.mode not in modes:
            transparent = im.mode in ("P", "PA") and ("transparency" in im.info or im.mode == "PA")
            im = im.convert("RGBA" if transparent or "A" in im.getbands() else "RGB")
        ch, bits = modes[im.mode]
        data = im.tobytes()
        if bits == 16 and sys.byteorder != "little":  # PIL's I;16 is little-endian, the library native-endian
            data = _swap16(data)
        out, ow, oh = self.upscale_raw(data, im.width, im.height, ch, bits, **opts)
        if bits == 16 and sys.byteorder != "little":
            out = _swap16(out)
        return _PILImage.frombytes(im.mode, (ow, oh), out)

    def _upscale_pil_gray_i(self, im, opts):
        # 16-bit grey in 32-bit mode I (how PIL opens 16-bit grey PNGs) or in another byte order:
        # upscaled as 16-bit grey; the result is mode I for I and I;16 for the I;16 variants.
        # Values outside 0..65535 have no 16-bit meaning: an error, never clipped.
        src = im if im.mode == "I" else im.convert("I")
        lo, hi = src.getextrema()
        if lo < 0 or hi > 65535:
            raise ValueError("resshift: PIL mode %s image has values %d..%d, outside the 16-bit range 0..65535; "
                             "scale it into 0..65535 (or 0..255, mode L) first" % (im.mode, lo, hi))
        out = self._upscale_pil(src.convert("I;16"), opts)
        return out.convert("I") if im.mode == "I" else out

    # -- encoded

    def upscale_encoded(self, data, *, format=None, quality=None, strip_metadata=None, lossless=False, **opts):
        """Upscales an encoded image (JPEG, PNG, WebP, TIFF, GIF, HEIF) and returns the encoded result.

        format: 'png', 'jpeg', 'webp', 'tiff', 'same' or None (the configured format, else the input's).
        quality: 1..100 for JPEG/WebP; strip_metadata: True/False/None (configured); lossless: WebP.
        Other options as for upscale.
        """
        h = self._handle()
        data = bytes(data)
        o, state = self._options(format=format, quality=quality, strip_metadata=strip_metadata,
                                 lossless=lossless, **_pixel_opts(opts))
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        st = _lib.resshift_upscale_encoded(h, data, len(data), ctypes.byref(o), ctypes.byref(out), ctypes.byref(n))
        self._finish(st, state, h)
        try:
            return ctypes.string_at(out, n.value)
        finally:
            _lib.resshift_buffer_free(out)


def _pixel_opts(opts):
    allowed = {"seed", "sampler", "tile", "overlap", "batch", "progress"}
    unknown = set(opts) - allowed
    if unknown:
        raise TypeError("resshift: unknown option(s): %s" % ", ".join(sorted(unknown)))
    full = dict.fromkeys(allowed)
    full.update(opts)
    return full


def _swap16(b):
    arr = bytearray(b)
    arr[0::2], arr[1::2] = arr[1::2], arr[0::2]
    return bytes(arr)
