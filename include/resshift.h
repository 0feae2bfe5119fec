/*
 * resshift.h - C API of libresshift, ResShift diffusion super-resolution.
 *
 * This is the single public header of libresshift.so (link with -lresshift,
 * or `pkg-config --cflags --libs resshift`). It is plain C99 and C++
 * compatible; it needs only <stddef.h> and <stdint.h>.
 *
 * ---------------------------------------------------------------------------
 * Overview
 * ---------------------------------------------------------------------------
 *
 *     resshift_engine *eng = NULL;
 *     if (resshift_engine_new(NULL, &eng) != RESSHIFT_OK) {
 *         fprintf(stderr, "%s\n", resshift_engine_last_error(NULL));
 *         return 1;
 *     }
 *     resshift_options opt;
 *     resshift_options_init(&opt);
 *     opt.use_seed = 1;
 *     opt.seed = 42;
 *     resshift_image *out = NULL;
 *     resshift_status st = resshift_upscale(eng, rgb, width, height, 0, 3, 8, &opt, &out);
 *     if (st != RESSHIFT_OK)
 *         fprintf(stderr, "%s: %s\n", resshift_status_string(st), resshift_engine_last_error(eng));
 *     else
 *         use(out->pixels, out->width, out->height, out->stride);
 *     resshift_image_free(out);
 *     resshift_engine_free(eng);
 *
 * An engine (resshift_engine) holds one loaded model and its ONNX Runtime
 * sessions. Create one per model and process and share it between threads.
 *
 * ---------------------------------------------------------------------------
 * Conventions (apply to every function unless its comment says otherwise)
 * ---------------------------------------------------------------------------
 *
 * Status.  Functions that can fail return a resshift_status: RESSHIFT_OK (0)
 *   or an error code. On failure, output parameters are set to NULL / 0 where
 *   the function documents it, caller buffers are left untouched, and a
 *   human-readable message is available from resshift_engine_last_error().
 *
 * Pixels.  Pixel buffers are interleaved ("chunky"), row-major, top row first.
 *   channels: 1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA (straight, not
 *   premultiplied alpha; colour is sRGB). bits_per_channel: 8 (uint8_t
 *   samples) or 16 (uint16_t samples in native byte order). stride is the
 *   distance in bytes between the starts of two rows, >= width * channels *
 *   bits_per_channel / 8; 0 means exactly that (rows packed). Buffers need
 *   no particular alignment. The output always has the input's channels and
 *   bits_per_channel, and width and height multiplied by the engine's scale.
 *
 * Ownership.  The library never keeps a pointer to caller memory after a call
 *   returns, and never writes to memory passed as const. Memory the library
 *   returns is owned by the caller and freed with the matching function:
 *   resshift_image_free() for resshift_image, resshift_buffer_free() for
 *   encoded buffers. Strings returned by the library are owned by it; each
 *   function says how long they stay valid.
 *
 * Threads.  Every function may be called from any thread. One engine may be
 *   used by any number of threads at the same time (calls beyond the
 *   configured ONNX Runtime concurrency wait for a free slot). No function
 *   keeps a lock while it calls back into the application.
 *
 * Sizes of option structs.  resshift_options, resshift_engine_params and
 *   resshift_info start with a `size` member that the caller sets to the
 *   sizeof of the struct it was compiled with (the *_init functions do it).
 *   Later versions of this header only append members, so an application
 *   built against an older header keeps working with a newer library.
 *   A newer application on an older library: unknown trailing members must
 *   be zero, otherwise the call fails with RESSHIFT_ERR_UNSUPPORTED.
 *
 * ---------------------------------------------------------------------------
 * Process-wide notes
 * ---------------------------------------------------------------------------
 *
 * The library contains a Go runtime, which starts when the library is loaded
 * and creates its own threads.
 *
 *  - It cannot be unloaded: dlclose() leaves it mapped (it is linked with
 *    -z nodelete), and its threads and memory stay until the process exits.
 *  - A process must not fork() after loading it, unless the child only calls
 *    exec*() or _exit(): the child would have the library's state but none
 *    of its threads, and the next call could deadlock or crash. Python:
 *    use multiprocessing with the "spawn" start method
 *    (multiprocessing.set_start_method("spawn")), or "forkserver" without
 *    preloading this library in the server.
 *  - The Go runtime installs signal handlers (SIGSEGV, SIGBUS, SIGFPE,
 *    SIGPIPE, SIGPROF, SIGURG, ...). An application that installs its own
 *    handlers for these after loading the library must use SA_ONSTACK and
 *    must chain to the previous handler.
 *  - Internal panics are recovered at the API boundary and reported as
 *    RESSHIFT_ERR_INTERNAL; the library never calls exit(). Fatal Go runtime
 *    errors (memory exhaustion inside the Go heap, corrupted memory caused
 *    by the caller) still abort the process.
 *  - The library uses libvips (image coding) and ONNX Runtime (inference).
 *    ONNX Runtime is found, in order, from: the engine configuration
 *    (runtime.ort_library / resshift_engine_params.ort_library), the
 *    RESSHIFT_ORT_LIB environment variable, libonnxruntime.so.1 next to
 *    libresshift.so or in a resshift/ folder beside it, next to the
 *    executable, and the path built into the library. A process loads only
 *    one ONNX Runtime.
 *  - Log messages go to stderr at level "warn" and above; set RESSHIFT_LOG to
 *    debug, info, warn, error or off before loading the library to change it.
 *    The RESSHIFT_* configuration variables (see resshift_engine_new) are
 *    read when an engine is created.
 */
#ifndef RESSHIFT_H
#define RESSHIFT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Versions                                                                 */
/* ======================================================================== */

/* Version of this header (semantic versioning). */
#define RESSHIFT_VERSION_MAJOR 0
#define RESSHIFT_VERSION_MINOR 2
#define RESSHIFT_VERSION_PATCH 0
/* The version as one number, MAJOR * 10000 + MINOR * 100 + PATCH. */
#define RESSHIFT_VERSION_NUMBER \
    (RESSHIFT_VERSION_MAJOR * 10000 + RESSHIFT_VERSION_MINOR * 100 + RESSHIFT_VERSION_PATCH)

/*
 * ABI version: changes only when a change breaks binary compatibility (it is
 * the number in the SONAME, libresshift.so.1). A program built with this
 * header works with any library whose resshift_abi_version() equals this
 * value and whose resshift_version() is not older than the header's.
 */
#define RESSHIFT_ABI_VERSION 1

/*
 * The library's version, "MAJOR.MINOR.PATCH". The string is static: never
 * free it. Thread-safe; never fails.
 */
const char *resshift_version(void);

/* The library's RESSHIFT_ABI_VERSION. Thread-safe; never fails. */
int resshift_abi_version(void);

/* ======================================================================== */
/* Status codes                                                             */
/* ======================================================================== */

/* Values are part of the ABI and never change; new codes may be added. */
typedef enum resshift_status {
    RESSHIFT_OK = 0,
    /* A parameter is wrong: NULL pointer, size <= 0, stride too small,
       channels not 1..4, unknown enum value, invalid option or configuration
       value, an engine handle that is not live. */
    RESSHIFT_ERR_INVALID_ARGUMENT = 1,
    /* Valid but not supported: bits_per_channel other than 8 or 16, an image
       format that is not accepted, options newer than this library. */
    RESSHIFT_ERR_UNSUPPORTED = 2,
    /* The input or output exceeds a configured limit ([limits] in the
       configuration: max_input_pixels, max_file_bytes, max_output_pixels). */
    RESSHIFT_ERR_TOO_LARGE = 3,
    /* Encoded input could not be decoded (truncated, damaged, empty). */
    RESSHIFT_ERR_CORRUPT_DATA = 4,
    /* The caller's output buffer is smaller than the result; nothing was
       written. resshift_output_size() gives the size needed. */
    RESSHIFT_ERR_BUFFER_TOO_SMALL = 5,
    /* The progress callback returned non-zero. */
    RESSHIFT_ERR_CANCELLED = 6,
    /* The model pack could not be loaded, or the network produced an
       invalid result (NaN/Inf, a constant frame). */
    RESSHIFT_ERR_MODEL = 7,
    /* ONNX Runtime or libvips failed (library not found, execution provider
       not available, inference or encoder failure). */
    RESSHIFT_ERR_RUNTIME = 8,
    /* A memory allocation failed. */
    RESSHIFT_ERR_OUT_OF_MEMORY = 9,
    /* A bug in the library (an internal panic was recovered). */
    RESSHIFT_ERR_INTERNAL = 10,
    /* The call ran past resshift_options.timeout_ms and produced no output
       (since 0.2; returned only to callers that set timeout_ms). */
    RESSHIFT_ERR_TIMEOUT = 11
} resshift_status;

/*
 * A short static English description of a status ("invalid argument").
 * Unknown values give "unknown status". Never returns NULL; never free it.
 * Thread-safe.
 */
const char *resshift_status_string(resshift_status status);

/* ======================================================================== */
/* Engine                                                                   */
/* ======================================================================== */

/* An engine: one loaded model. Opaque; only used through pointers. */
typedef struct resshift_engine resshift_engine;

/* For int32_t members of option structs: use the engine's configured value. */
#define RESSHIFT_DEFAULT (-1)

/*
 * Engine parameters for resshift_engine_new_with(). Initialise with
 * resshift_engine_params_init(), then set what you need.
 */
typedef struct resshift_engine_params {
    size_t size;                 /* sizeof(resshift_engine_params) */
    /* TOML configuration file (see configs/ in the source), or NULL for the
       built-in defaults. */
    const char *config_path;
    /* Model pack: the name or alias of a pack embedded in the library
       ("resshift-lite-x4", "clean"; `resshift info --models` lists them),
       "default" for the embedded default model, or a directory holding
       model.toml (a bare word that names an embedded pack selects the pack:
       write "./clean" for a folder of that name); NULL = the configuration's
       `model`. An unknown name fails with RESSHIFT_ERR_MODEL and a message
       listing the embedded names. */
    const char *model;
    /* Execution provider, "cpu", "cuda" or "tensorrt"; NULL = configured. */
    const char *provider;
    /* Path of libonnxruntime.so (file or directory); NULL = configured or
       discovered (see the process-wide notes above). */
    const char *ort_library;
    /* ONNX Runtime intra-op threads per run: 0 = ONNX Runtime's default
       (one per core), n > 0 = n; RESSHIFT_DEFAULT = configured. */
    int32_t intra_op_threads;
    /* ONNX Runtime inter-op threads: as intra_op_threads. */
    int32_t inter_op_threads;
    /* Concurrent ONNX Runtime runs per engine, >= 1; RESSHIFT_DEFAULT =
       configured (1 by default). More threads than this may call the engine;
       the extra ones wait. */
    int32_t concurrency;
    /* GPU ordinal for cuda/tensorrt; RESSHIFT_DEFAULT = configured. */
    int32_t device_id;
} resshift_engine_params;

/*
 * Sets *params to "everything from the configuration": size =
 * sizeof(resshift_engine_params), strings NULL, numbers RESSHIFT_DEFAULT.
 * NULL is ignored. Thread-safe; never fails.
 */
void resshift_engine_params_init(resshift_engine_params *params);

/*
 * Creates an engine from the configuration file at config_path (TOML), or
 * from the built-in defaults (the embedded default model on CPU) when
 * config_path is NULL. In both cases the RESSHIFT_* environment variables
 * override the file (RESSHIFT_MODEL, RESSHIFT_PROVIDER, RESSHIFT_THREADS,
 * RESSHIFT_SAMPLER, RESSHIFT_SEED, RESSHIFT_TILE, RESSHIFT_OVERLAP,
 * RESSHIFT_BATCH, RESSHIFT_ALLOW_FALLBACK, RESSHIFT_ORT_LIB).
 *
 * On success *out is the new engine, to be released with
 * resshift_engine_free(). On failure *out is NULL and the message is
 * resshift_engine_last_error(NULL). Loading a model takes some time (it
 * creates the ONNX Runtime sessions); create engines once, not per image.
 *
 * Errors: INVALID_ARGUMENT (out is NULL, unreadable or invalid
 * configuration: the message names the key), MODEL (model pack),
 * RUNTIME (ONNX Runtime could not be loaded or the provider is missing).
 * Thread-safe.
 */
resshift_status resshift_engine_new(const char *config_path, resshift_engine **out);

/*
 * As resshift_engine_new(params->config_path, out), then the non-default
 * members of *params override the configuration. params may be NULL (same
 * as resshift_engine_new(NULL, out)). Thread-safe.
 */
resshift_status resshift_engine_new_with(const resshift_engine_params *params,
                                         resshift_engine **out);

/*
 * Releases an engine. NULL is ignored; so is a handle already freed (the
 * library detects it). Calls still running on other threads finish
 * normally; the engine's resources are released when the last one returns.
 * After this call the handle must not be used again: later calls fail with
 * RESSHIFT_ERR_INVALID_ARGUMENT. Every string the engine returned
 * (resshift_engine_last_error, resshift_info) becomes invalid. Thread-safe.
 */
void resshift_engine_free(resshift_engine *engine);

/*
 * The message of the most recent call that the calling thread made on
 * engine: "" if that call succeeded or there was none. "Calls on engine" are
 * resshift_engine_info, resshift_output_size and resshift_upscale*;
 * resshift_engine_last_error itself does not change the message.
 *
 * Messages are kept per engine and per thread: other threads' calls never
 * change or invalidate the calling thread's message. The string is owned by
 * the library and stays valid until the calling thread's next call on the
 * same engine, or resshift_engine_free(engine), whichever comes first.
 *
 * With engine == NULL, or a handle that is not live (already freed), the
 * message is that of the calling thread's most recent call that had no live
 * engine: resshift_engine_new / resshift_engine_new_with, or any call that
 * was passed a NULL or dead engine. That string stays valid until the
 * calling thread's next such call, or the thread's exit.
 *
 * Never returns NULL. Thread-safe.
 */
const char *resshift_engine_last_error(resshift_engine *engine);

/* Sampler choices for resshift_options.sampler. */
typedef enum resshift_sampler {
    RESSHIFT_SAMPLER_DEFAULT = 0,       /* the engine's configured sampler */
    RESSHIFT_SAMPLER_DETERMINISTIC = 1, /* no noise after the prior (same seed, same image) */
    RESSHIFT_SAMPLER_STOCHASTIC = 2     /* ResShift's posterior sampling */
} resshift_sampler;

/*
 * Description of an engine, filled by resshift_engine_info(). String
 * members are owned by the engine and valid until resshift_engine_free().
 */
typedef struct resshift_info {
    size_t size;                /* set by the caller: sizeof(resshift_info) */
    int32_t scale;              /* upscaling factor (4 for the default model) */
    int32_t steps;              /* denoiser calls per tile batch */
    int32_t tile;               /* default LR tile side, in input pixels */
    int32_t overlap;            /* default LR overlap between tiles */
    int32_t batch;              /* default tiles per ONNX Runtime call */
    int32_t multiple;           /* tile must be a multiple of this */
    int32_t max_batch;          /* largest batch the model accepts */
    int32_t fixed_tile;         /* non-zero: the model only accepts `tile` and `max_batch` */
    uint64_t seed;              /* default seed */
    const char *sampler;        /* default sampler: "deterministic" or "stochastic" */
    const char *model;          /* model name, e.g. "resshift-lite-x4" */
    const char *model_version;  /* model version */
    const char *license;        /* model licence (SPDX identifier where known) */
    const char *space;          /* "pixel" or "latent" */
    const char *provider;       /* execution provider in use: "cpu", "cuda", ... */
    const char *ort_version;    /* ONNX Runtime version, e.g. "1.24.3" */
    const char *source;         /* "embedded" or the model pack directory */
} resshift_info;

/*
 * Fills *info. The caller sets info->size = sizeof(resshift_info) first; the
 * library writes only the members that fit in info->size bytes. Errors:
 * INVALID_ARGUMENT (engine or info NULL / not live, info->size too small).
 * Thread-safe.
 */
resshift_status resshift_engine_info(resshift_engine *engine, resshift_info *info);

/* ======================================================================== */
/* Per-call options                                                         */
/* ======================================================================== */

/*
 * Progress callback. Called synchronously on the thread that called
 * resshift_upscale*, after every denoiser call: tiles_done of tiles_total
 * tiles are finished, and the current batch of tiles has finished step of
 * steps denoiser calls. Return 0 to continue, non-zero to cancel: the call
 * then returns RESSHIFT_ERR_CANCELLED (at the latest after the next denoiser
 * call) and produces no output. The callback may call any function of this
 * library, including on the same engine; it must not unwind (longjmp, C++
 * exceptions) through the library.
 */
typedef int (*resshift_progress_fn)(void *user, int tiles_done, int tiles_total,
                                    int step, int steps);

/* Output formats for resshift_upscale_encoded. */
typedef enum resshift_format {
    RESSHIFT_FORMAT_DEFAULT = 0, /* the configured [output] format, else the input's format */
    RESSHIFT_FORMAT_SAME = 1,    /* the input's format (PNG for GIF/HEIF/AVIF input) */
    RESSHIFT_FORMAT_PNG = 2,
    RESSHIFT_FORMAT_JPEG = 3,
    RESSHIFT_FORMAT_WEBP = 4,
    RESSHIFT_FORMAT_TIFF = 5
} resshift_format;

/*
 * Options of one upscale call. Initialise with resshift_options_init(), then
 * set what you need; the defaults come from the engine's configuration.
 * Passing NULL instead of options means all defaults. The same input,
 * engine configuration and options give the same pixels, however many
 * threads or engines run at once. tile and overlap change which pixels the
 * network sees together, so they change the result slightly (the noise
 * does not depend on them).
 */
typedef struct resshift_options {
    size_t size;          /* sizeof(resshift_options) */
    int32_t sampler;      /* a resshift_sampler */
    int32_t use_seed;     /* non-zero: use `seed`; 0: the configured seed */
    uint64_t seed;        /* noise seed */
    int32_t tile;         /* LR tile side: a positive multiple of resshift_info.multiple, <= 4096; 0 or RESSHIFT_DEFAULT = configured */
    int32_t overlap;      /* LR overlap, 0..tile-1; RESSHIFT_DEFAULT = configured */
    int32_t batch;        /* tiles per ONNX Runtime call, 1..max_batch; 0 or RESSHIFT_DEFAULT = configured */
    /* The next four members are used by resshift_upscale_encoded only. */
    int32_t format;       /* a resshift_format */
    int32_t quality;      /* JPEG/WebP quality 1..100; 0 = the format's default; RESSHIFT_DEFAULT = configured */
    int32_t strip_metadata; /* 1: drop ICC/EXIF/XMP/IPTC; 0: keep; RESSHIFT_DEFAULT = configured */
    int32_t lossless;     /* non-zero: lossless WebP (an error with JPEG) */
    resshift_progress_fn progress; /* NULL: no callback */
    void *progress_user;  /* passed to progress as `user` */
    /* Since 0.2. Time budget of the call in milliseconds; 0 = no limit. A
       call not done in time returns RESSHIFT_ERR_TIMEOUT ("timed out after
       ...") and outputs nothing. It is checked after decoding, between
       denoiser calls and before the result is handed out, so a call
       overruns by at most one denoiser call (or one decode/encode). */
    int64_t timeout_ms;
} resshift_options;

/*
 * Sets *options to the defaults: size = sizeof(resshift_options), sampler
 * RESSHIFT_SAMPLER_DEFAULT, use_seed 0, tile/overlap/batch/quality/
 * strip_metadata RESSHIFT_DEFAULT, format RESSHIFT_FORMAT_DEFAULT,
 * lossless 0, no callback, timeout_ms 0 (no limit). NULL is ignored. Thread-safe; never fails.
 */
void resshift_options_init(resshift_options *options);

/* ======================================================================== */
/* Upscaling pixels                                                         */
/* ======================================================================== */

/*
 * An image returned by the library. Allocate nothing yourself: the library
 * creates it, resshift_image_free() releases it together with its pixels.
 */
typedef struct resshift_image {
    int32_t width;            /* input width * scale */
    int32_t height;           /* input height * scale */
    int32_t channels;         /* as the input: 1..4 */
    int32_t bits_per_channel; /* as the input: 8 or 16 */
    size_t stride;            /* bytes per row: width * channels * bits_per_channel / 8 (packed) */
    size_t size;              /* bytes of pixels: stride * height */
    void *pixels;             /* interleaved samples, 64-byte aligned; owned by the image */
} resshift_image;

/*
 * The size of the result of upscaling a width x height image with the given
 * channels and bits_per_channel on this engine. Any of out_width,
 * out_height and out_bytes may be NULL. *out_bytes is the size of a packed
 * result (stride width*scale*channels*bits/8), the smallest buffer
 * resshift_upscale_into accepts with dst_stride 0.
 *
 * Errors: INVALID_ARGUMENT (engine, sizes, channels), UNSUPPORTED (bits),
 * TOO_LARGE (input or output past the configured limits, or a result whose
 * size does not fit in memory when the limits are off). On failure the
 * outputs are set to 0. Thread-safe.
 */
resshift_status resshift_output_size(resshift_engine *engine, int32_t width, int32_t height,
                                     int32_t channels, int32_t bits_per_channel,
                                     int32_t *out_width, int32_t *out_height, size_t *out_bytes);

/*
 * Upscales width x height pixels (see "Pixels" above; stride 0 = packed
 * rows) and returns a new image in *out, released with
 * resshift_image_free(). options may be NULL (defaults). The pixels are only
 * read, and only during the call.
 *
 * Gray input is upscaled as RGB with three equal planes and returned as the
 * mean of the three output planes; alpha is upscaled with bicubic
 * interpolation, separately from the colour.
 *
 * On failure *out is NULL. Errors: INVALID_ARGUMENT (engine, pixels or out
 * NULL, width or height <= 0, stride smaller than a row, channels not 1..4,
 * invalid options), UNSUPPORTED (bits_per_channel not 8 or 16, options from
 * a newer header with unknown members set), TOO_LARGE (limits), CANCELLED,
 * TIMEOUT, MODEL, RUNTIME, OUT_OF_MEMORY, INTERNAL.
 *
 * Thread-safe; any number of threads may upscale through one engine.
 */
resshift_status resshift_upscale(resshift_engine *engine, const void *pixels,
                                 int32_t width, int32_t height, size_t stride,
                                 int32_t channels, int32_t bits_per_channel,
                                 const resshift_options *options, resshift_image **out);

/*
 * As resshift_upscale, but writes the result into the caller's buffer dst of
 * dst_size bytes, rows dst_stride bytes apart (0 = packed). The result has
 * width*scale x height*scale pixels with the input's channels and depth
 * (see resshift_output_size). dst must not overlap pixels. The buffer is
 * written only when the call succeeds; on any error it is left untouched.
 *
 * Errors: as resshift_upscale, plus BUFFER_TOO_SMALL when dst_size is
 * smaller than (out_height - 1) * dst_stride + out_width * channels *
 * bits_per_channel / 8 (the message gives the size needed), and
 * INVALID_ARGUMENT for dst NULL or a non-zero dst_stride smaller than a
 * row. Thread-safe.
 */
resshift_status resshift_upscale_into(resshift_engine *engine, const void *pixels,
                                      int32_t width, int32_t height, size_t stride,
                                      int32_t channels, int32_t bits_per_channel,
                                      const resshift_options *options,
                                      void *dst, size_t dst_stride, size_t dst_size);

/* Releases an image returned by resshift_upscale. NULL is ignored. Thread-safe. */
void resshift_image_free(resshift_image *image);

/* ======================================================================== */
/* Upscaling encoded images                                                 */
/* ======================================================================== */

/*
 * Decodes an encoded image (JPEG, PNG, WebP, TIFF, GIF, HEIF/AVIF: the first
 * page), upscales it and encodes the result. options->format, quality,
 * strip_metadata and lossless choose the output (by default the configured
 * [output] settings, else the input's format). EXIF orientation is applied,
 * ICC profiles are converted to sRGB, alpha, gray, 16-bit depth and
 * metadata are kept where the output format can hold them.
 *
 * On success *out_data (released with resshift_buffer_free) holds
 * *out_size bytes. On failure *out_data is NULL and *out_size 0. The input is
 * only read, and only during the call.
 *
 * Errors: INVALID_ARGUMENT (NULL pointers, size 0, invalid options),
 * UNSUPPORTED (format not accepted), CORRUPT_DATA (undecodable data),
 * TOO_LARGE (max_file_bytes, max_input_pixels, max_output_pixels),
 * CANCELLED, TIMEOUT, MODEL, RUNTIME, OUT_OF_MEMORY, INTERNAL. Thread-safe.
 */
resshift_status resshift_upscale_encoded(resshift_engine *engine, const void *data, size_t size,
                                         const resshift_options *options,
                                         void **out_data, size_t *out_size);

/* Releases a buffer returned by resshift_upscale_encoded. NULL is ignored. Thread-safe. */
void resshift_buffer_free(void *data);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RESSHIFT_H */
