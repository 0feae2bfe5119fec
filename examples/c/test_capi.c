/*
 * test_capi.c - tests of the libresshift C ABI through C (run by
 * capi/capitest, or by hand):
 *
 *   test_capi misuse LIMITS.toml BAD.toml IMAGE.png
 *       every misuse returns the documented status with a useful message,
 *       leaves outputs NULL / caller buffers untouched, and does not crash
 *       or leak (run it under ASan or valgrind too). LIMITS.toml is a
 *       configuration with small [limits]; BAD.toml an invalid one;
 *       IMAGE.png a small valid PNG.
 *   test_capi threads
 *       several threads upscaling through one engine and through several
 *       engines at once; every result equals the single-threaded one, and
 *       error messages stay per thread.
 *   test_capi threadexit N
 *       N short-lived threads (64 at a time), each making one failing call
 *       on a shared engine and checking its message, then exiting; prints
 *       the resident set size after the first fifth and at the end
 *       ("rss_kb FIRST LAST"): the messages of exited threads must not
 *       pile up in the library.
 *   test_capi sizes
 *       prints the size and member offsets of the public structs as JSON
 *       (the Python test compares them with its ctypes mirror).
 *   test_capi raw IN.raw W H CHANNELS BITS SEED OUT.raw
 *       upscales packed raw pixels with resshift_upscale (writes OUT.raw),
 *       and checks that resshift_upscale_into with padded, unaligned input
 *       and output strides gives the same pixels.
 *
 * Build: cc -std=c99 -Wall -Wextra -Werror -pthread -Iinclude examples/c/test_capi.c \
 *            -Lbuild -lresshift -Wl,-rpath,$PWD/build -o build/test_capi
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resshift.h"

static int failures;
static int checks;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        checks++;                                                         \
        if (!(cond)) {                                                    \
            failures++;                                                   \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

/* expect checks a status and that the thread's message for eng contains want. */
static void expect(const char *what, resshift_engine *eng, resshift_status got, resshift_status want,
                   const char *want_msg) {
    const char *msg = resshift_engine_last_error(eng);
    checks++;
    if (got != want || (want_msg != NULL && strstr(msg, want_msg) == NULL) ||
        (want != RESSHIFT_OK && msg[0] == '\0') || (want == RESSHIFT_OK && msg[0] != '\0')) {
        failures++;
        fprintf(stderr, "FAIL %s: status %d (%s), want %d (%s); message \"%s\", want it to contain \"%s\"\n", what,
                got, resshift_status_string(got), want, resshift_status_string(want), msg,
                want_msg ? want_msg : "");
    } else {
        printf("ok   %-44s %-18s %s\n", what, resshift_status_string(got), msg);
    }
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    long n;
    unsigned char *buf;
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        exit(2);
    }
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(2);
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* A smooth 8-bit RGB test pattern. */
static void pattern(unsigned char *px, int w, int h, int ch, int salt) {
    int x, y, c;
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            for (c = 0; c < ch; c++)
                px[(y * w + x) * ch + c] = (unsigned char)((x * 5 + y * 3 + c * 70 + salt * 11 + ((x * y) & 15)) & 255);
}

/* ---- misuse ---------------------------------------------------------------- */

static int cancel_after;
static int progress_calls;

static int cancel_progress(void *user, int tiles_done, int tiles_total, int step, int steps) {
    resshift_engine *eng = user;
    int32_t w = 0;
    (void)tiles_done;
    (void)tiles_total;
    (void)step;
    (void)steps;
    progress_calls++;
    /* Re-entering the library from the callback is allowed. */
    if (resshift_output_size(eng, 2, 2, 3, 8, &w, NULL, NULL) != RESSHIFT_OK || w != 8) return 99;
    return progress_calls > cancel_after ? 7 : 0;
}

static int misuse(const char *limits_config, const char *bad_config, const char *png_path) {
    resshift_engine *eng = NULL, *small = NULL, *tmp = (resshift_engine *)0x1;
    resshift_image *img = (resshift_image *)0x1;
    resshift_options opt;
    resshift_info info;
    resshift_engine_params params;
    resshift_status st;
    enum { W = 16, H = 12 };
    unsigned char px[W * H * 4];
    unsigned char *dst;
    size_t png_size = 0, need = 0, out_size = 1, i;
    unsigned char *png = read_file(png_path, &png_size);
    void *out_data = (void *)0x1;
    int32_t ow = -1, oh = -1;

    pattern(px, W, H, 4, 0);

    /* Static functions. */
    CHECK(strcmp(resshift_status_string(RESSHIFT_ERR_TOO_LARGE), "too large") == 0, "%s",
          resshift_status_string(RESSHIFT_ERR_TOO_LARGE));
    CHECK(strcmp(resshift_status_string((resshift_status)999), "unknown status") == 0, "999");
    for (i = 0; i <= 10; i++) CHECK(resshift_status_string((resshift_status)i)[0] != '\0', "status %d", (int)i);
    {
        char want[32];
        snprintf(want, sizeof want, "%d.%d.%d", RESSHIFT_VERSION_MAJOR, RESSHIFT_VERSION_MINOR, RESSHIFT_VERSION_PATCH);
        CHECK(strcmp(resshift_version(), want) == 0, "version %s, header %s", resshift_version(), want);
        CHECK(resshift_abi_version() == RESSHIFT_ABI_VERSION, "abi %d", resshift_abi_version());
    }
    resshift_options_init(NULL);
    resshift_engine_params_init(NULL);
    resshift_engine_free(NULL);
    resshift_image_free(NULL);
    resshift_buffer_free(NULL);

    /* Engine creation. */
    st = resshift_engine_new(NULL, NULL);
    expect("engine_new out NULL", NULL, st, RESSHIFT_ERR_INVALID_ARGUMENT, "out is NULL");
    st = resshift_engine_new("/nonexistent/resshift.toml", &tmp);
    expect("engine_new missing config", NULL, st, RESSHIFT_ERR_INVALID_ARGUMENT, "/nonexistent/resshift.toml");
    CHECK(tmp == NULL, "out not cleared on failure");
    st = resshift_engine_new(bad_config, &tmp);
    expect("engine_new invalid config", NULL, st, RESSHIFT_ERR_INVALID_ARGUMENT, "sampler.kind");
    resshift_engine_params_init(&params);
    params.concurrency = 0;
    st = resshift_engine_new_with(&params, &tmp);
    expect("engine_new_with concurrency 0", NULL, st, RESSHIFT_ERR_INVALID_ARGUMENT, "params.concurrency");
    resshift_engine_params_init(&params);
    params.provider = "bogus";
    st = resshift_engine_new_with(&params, &tmp);
    expect("engine_new_with provider bogus", NULL, st, RESSHIFT_ERR_INVALID_ARGUMENT, "provider");
    resshift_engine_params_init(&params);
    params.model = "/nonexistent/model";
    st = resshift_engine_new_with(&params, &tmp);
    expect("engine_new_with missing model", NULL, st, RESSHIFT_ERR_MODEL, "/nonexistent/model");
    /* Embedded packs by name or alias; an unknown name lists the known ones. */
    resshift_engine_params_init(&params);
    params.model = "reel";
    st = resshift_engine_new_with(&params, &tmp);
    expect("engine_new_with unknown model name", NULL, st, RESSHIFT_ERR_MODEL, "resshift-lite-x4 (clean)");
    resshift_engine_params_init(&params);
    params.model = "clean";
    params.intra_op_threads = 1;
    st = resshift_engine_new_with(&params, &tmp);
    expect("engine_new_with model by alias", NULL, st, RESSHIFT_OK, NULL);
    if (st == RESSHIFT_OK) {
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        st = resshift_engine_info(tmp, &info);
        expect("info of the model by alias", tmp, st, RESSHIFT_OK, NULL);
        CHECK(strcmp(info.model, "resshift-lite-x4") == 0 && strcmp(info.source, "embedded") == 0,
              "model by alias: info model %s source %s", info.model, info.source);
        resshift_engine_free(tmp);
        tmp = NULL;
    }
    resshift_engine_params_init(&params);
    params.size = 0;
    st = resshift_engine_new_with(&params, &tmp);
    expect("engine_new_with params.size 0", NULL, st, RESSHIFT_ERR_INVALID_ARGUMENT, "resshift_engine_params_init");

    resshift_engine_params_init(&params);
    params.intra_op_threads = 1;
    st = resshift_engine_new_with(&params, &eng);
    expect("engine_new_with defaults", NULL, st, RESSHIFT_OK, NULL);
    if (st != RESSHIFT_OK) return 1;
    st = resshift_engine_new(limits_config, &small);
    expect("engine_new small limits", NULL, st, RESSHIFT_OK, NULL);
    if (st != RESSHIFT_OK) return 1;

    /* Info. */
    memset(&info, 0, sizeof info);
    st = resshift_engine_info(eng, &info);
    expect("info size 0", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "sizeof(resshift_info)");
    st = resshift_engine_info(eng, NULL);
    expect("info NULL", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "info is NULL");
    {
        /* An older, shorter struct: only the members that fit are written. */
        unsigned char buf[sizeof(resshift_info)];
        size_t short_size = offsetof(resshift_info, steps);
        memset(buf, 0xAB, sizeof buf);
        memcpy(buf, &short_size, sizeof short_size);
        st = resshift_engine_info(eng, (resshift_info *)(void *)buf);
        expect("info older struct", eng, st, RESSHIFT_OK, NULL);
        CHECK(((resshift_info *)(void *)buf)->scale == 4, "scale %d", ((resshift_info *)(void *)buf)->scale);
        for (i = short_size; i < sizeof buf; i++)
            if (buf[i] != 0xAB) break;
        CHECK(i == sizeof buf, "info wrote past its size at byte %d", (int)i);
    }
    info.size = sizeof info;
    st = resshift_engine_info(eng, &info);
    expect("info", eng, st, RESSHIFT_OK, NULL);
    CHECK(info.scale == 4 && info.steps > 0 && info.model != NULL && strlen(info.model) > 0 &&
              strcmp(info.provider, "cpu") == 0 && info.ort_version[0] != '\0' && info.multiple > 0,
          "info scale %d steps %d model %s provider %s", info.scale, info.steps, info.model, info.provider);

    /* Sizes. */
    st = resshift_output_size(eng, W, H, 4, 16, &ow, &oh, &need);
    expect("output_size", eng, st, RESSHIFT_OK, NULL);
    CHECK(ow == W * 4 && oh == H * 4 && need == (size_t)W * 4 * H * 4 * 4 * 2, "%dx%d %d", ow, oh, (int)need);
    st = resshift_output_size(eng, W, H, 0, 8, &ow, &oh, &need);
    expect("output_size channels 0", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "channels");
    CHECK(ow == 0 && oh == 0 && need == 0, "outputs not cleared");
    st = resshift_output_size(NULL, W, H, 3, 8, NULL, NULL, NULL);
    expect("output_size engine NULL", NULL, st, RESSHIFT_ERR_INVALID_ARGUMENT, "engine is NULL");

    /* Arguments of resshift_upscale. */
    st = resshift_upscale(NULL, px, W, H, 0, 3, 8, NULL, &img);
    expect("upscale engine NULL", NULL, st, RESSHIFT_ERR_INVALID_ARGUMENT, "engine is NULL");
    CHECK(img == NULL, "out not cleared");
    st = resshift_upscale(eng, NULL, W, H, 0, 3, 8, NULL, &img);
    expect("upscale pixels NULL", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "pixels is NULL");
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, NULL, NULL);
    expect("upscale out NULL", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "out is NULL");
    st = resshift_upscale(eng, px, 0, H, 0, 3, 8, NULL, &img);
    expect("upscale width 0", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "width and height");
    st = resshift_upscale(eng, px, W, -5, 0, 3, 8, NULL, &img);
    expect("upscale height -5", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "-5");
    st = resshift_upscale(eng, px, W, H, W * 3 - 1, 3, 8, NULL, &img);
    expect("upscale stride < row", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "stride 47 is smaller than a row");
    st = resshift_upscale(eng, px, W, H, 0, 0, 8, NULL, &img);
    expect("upscale channels 0", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "got 0");
    st = resshift_upscale(eng, px, W, H, 0, 5, 8, NULL, &img);
    expect("upscale channels 5", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "got 5");
    st = resshift_upscale(eng, px, W, H, 0, 3, 12, NULL, &img);
    expect("upscale 12 bits", eng, st, RESSHIFT_ERR_UNSUPPORTED, "bits_per_channel must be 8 or 16, got 12");
    st = resshift_upscale(eng, px, 0x7fffffff, 0x7fffffff, 0, 3, 8, NULL, &img);
    expect("upscale huge", eng, st, RESSHIFT_ERR_TOO_LARGE, "max_input_pixels");
    CHECK(img == NULL, "out not cleared");

    /* Options. */
    resshift_options_init(&opt);
    opt.size = 0;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("options.size 0", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "resshift_options_init");
    resshift_options_init(&opt);
    opt.sampler = 7;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("options.sampler 7", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "options.sampler");
    resshift_options_init(&opt);
    opt.tile = 6;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("options.tile 6", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "tile");
    /* The tiling limits are the config's and the CLI's (tile.Settings.Check). */
    resshift_options_init(&opt);
    opt.tile = 5000;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("options.tile 5000", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "options.tile: must be a positive number of LR pixels up to 4096");
    resshift_options_init(&opt);
    opt.batch = -2;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("options.batch -2", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "options.batch: must be in 1..1024 tiles");
    resshift_options_init(&opt);
    opt.overlap = -2;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("options.overlap -2", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "options.overlap");
    resshift_options_init(&opt);
    opt.batch = 1000;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("options.batch 1000", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "batch");
    resshift_options_init(&opt);
    opt.quality = 101;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("options.quality 101", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "options.quality");
    {
        /* Options from a newer header: unknown trailing members must be zero. */
        struct {
            resshift_options base;
            uint64_t future;
        } newer;
        resshift_options_init(&newer.base);
        newer.base.size = sizeof newer;
        newer.future = 1;
        st = resshift_upscale(eng, px, W, H, 0, 3, 8, &newer.base, &img);
        expect("options from a newer header", eng, st, RESSHIFT_ERR_UNSUPPORTED, "newer resshift.h");
        newer.future = 0;
        st = resshift_upscale(eng, px, W, H, 0, 3, 8, &newer.base, &img);
        expect("options newer header, zero tail", eng, st, RESSHIFT_OK, NULL);
        resshift_image_free(img);
        img = NULL;
        /* An older, shorter struct: missing members take their defaults. */
        resshift_options_init(&opt);
        opt.size = offsetof(resshift_options, tile);
        opt.tile = 6; /* beyond size: ignored */
        st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
        expect("options from an older header", eng, st, RESSHIFT_OK, NULL);
        resshift_image_free(img);
        img = NULL;
    }

    /* resshift_upscale_into. */
    st = resshift_output_size(eng, W, H, 3, 8, &ow, &oh, &need);
    expect("output_size rgb8", eng, st, RESSHIFT_OK, NULL);
    dst = malloc(need);
    memset(dst, 0xAB, need);
    st = resshift_upscale_into(eng, px, W, H, 0, 3, 8, NULL, dst, 0, need - 1);
    expect("upscale_into buffer too small", eng, st, RESSHIFT_ERR_BUFFER_TOO_SMALL, "needs 9216 bytes");
    for (i = 0; i < need; i++)
        if (dst[i] != 0xAB) break;
    CHECK(i == need, "buffer written at %d after an error", (int)i);
    st = resshift_upscale_into(eng, px, W, H, 0, 3, 8, NULL, dst, (size_t)ow * 3 + 1, need);
    expect("upscale_into stride needs more", eng, st, RESSHIFT_ERR_BUFFER_TOO_SMALL, "dst_stride 193");
    st = resshift_upscale_into(eng, px, W, H, 0, 3, 8, NULL, dst, (size_t)ow * 3 - 1, need);
    expect("upscale_into dst_stride < row", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "dst_stride 191");
    st = resshift_upscale_into(eng, px, W, H, 0, 3, 8, NULL, NULL, 0, need);
    expect("upscale_into dst NULL", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "dst is NULL");
    st = resshift_upscale_into(eng, px, W, H, 0, 3, 8, NULL, dst, 0, need);
    expect("upscale_into", eng, st, RESSHIFT_OK, NULL);
    for (i = 0; i < need; i++)
        if (dst[i] != 0xAB) break;
    CHECK(i < need, "nothing written");
    free(dst);

    /* Limits from the configuration (max_input_pixels 1000, max_output_pixels 10000, max_file_bytes 100000). */
    st = resshift_upscale(small, px, 40, 30, 0, 1, 8, NULL, &img);
    expect("input past max_input_pixels", small, st, RESSHIFT_ERR_TOO_LARGE, "limit 1000");
    st = resshift_upscale(small, px, 30, 30, 0, 1, 8, NULL, &img);
    expect("output past max_output_pixels", small, st, RESSHIFT_ERR_TOO_LARGE, "limit 10000");
    st = resshift_output_size(small, 40, 30, 1, 8, NULL, NULL, &need);
    expect("output_size past the limit", small, st, RESSHIFT_ERR_TOO_LARGE, "max_input_pixels");
    {
        size_t big = 100001;
        unsigned char *blob = calloc(1, big);
        memcpy(blob, png, png_size < big ? png_size : big);
        st = resshift_upscale_encoded(small, blob, big, NULL, &out_data, &out_size);
        expect("encoded past max_file_bytes", small, st, RESSHIFT_ERR_TOO_LARGE, "limit 100000");
        free(blob);
    }
    CHECK(out_data == NULL && out_size == 0, "outputs not cleared");

    /* Cancellation through the progress callback, and re-entrance. */
    resshift_options_init(&opt);
    opt.progress = cancel_progress;
    opt.progress_user = eng;
    cancel_after = 0;
    progress_calls = 0;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("cancel at the first step", eng, st, RESSHIFT_ERR_CANCELLED, "progress callback returned 7");
    CHECK(img == NULL && progress_calls == 1, "img %p, %d calls", (void *)img, progress_calls);
    cancel_after = 2;
    progress_calls = 0;
    st = resshift_upscale_encoded(eng, png, png_size, &opt, &out_data, &out_size);
    expect("cancel encoded at the third step", eng, st, RESSHIFT_ERR_CANCELLED, "cancelled");
    CHECK(progress_calls == 3, "%d calls", progress_calls);
    cancel_after = 1000;
    progress_calls = 0;
    st = resshift_upscale(eng, px, W, H, 0, 3, 8, &opt, &img);
    expect("progress without cancelling", eng, st, RESSHIFT_OK, NULL);
    CHECK(img != NULL && progress_calls >= 4, "%d calls", progress_calls);
    resshift_image_free(img);
    img = NULL;

    /* Encoded input. */
    st = resshift_upscale_encoded(eng, NULL, 10, NULL, &out_data, &out_size);
    expect("encoded data NULL", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "data is NULL");
    st = resshift_upscale_encoded(eng, png, 0, NULL, &out_data, &out_size);
    expect("encoded size 0", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "size is 0");
    st = resshift_upscale_encoded(eng, png, png_size, NULL, NULL, &out_size);
    expect("encoded out_data NULL", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "out_data is NULL");
    st = resshift_upscale_encoded(eng, "hello, world", 12, NULL, &out_data, &out_size);
    expect("encoded garbage", eng, st, RESSHIFT_ERR_UNSUPPORTED, "unsupported");
    st = resshift_upscale_encoded(eng, png, png_size / 2, NULL, &out_data, &out_size);
    expect("encoded truncated png", eng, st, RESSHIFT_ERR_CORRUPT_DATA, "decode");
    resshift_options_init(&opt);
    opt.format = RESSHIFT_FORMAT_JPEG;
    opt.lossless = 1;
    st = resshift_upscale_encoded(eng, png, png_size, &opt, &out_data, &out_size);
    expect("encoded lossless jpeg", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "lossless");
    opt.format = 42;
    st = resshift_upscale_encoded(eng, png, png_size, &opt, &out_data, &out_size);
    expect("encoded format 42", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "options.format");
    CHECK(out_data == NULL && out_size == 0, "outputs not cleared");
    resshift_options_init(&opt);
    opt.format = RESSHIFT_FORMAT_WEBP;
    opt.quality = 80;
    st = resshift_upscale_encoded(eng, png, png_size, &opt, &out_data, &out_size);
    expect("encoded to webp", eng, st, RESSHIFT_OK, NULL);
    CHECK(out_data != NULL && out_size > 12 && memcmp((char *)out_data + 8, "WEBP", 4) == 0, "not a WebP");
    resshift_buffer_free(out_data);
    out_data = NULL;

    /* A success clears the thread's message. */
    st = resshift_upscale(eng, px, W, H, 0, 2, 8, NULL, &img);
    expect("gray+alpha upscale clears the message", eng, st, RESSHIFT_OK, NULL);
    CHECK(img != NULL && img->channels == 2 && img->bits_per_channel == 8 && img->width == W * 4 &&
              img->stride == (size_t)W * 4 * 2 && img->size == img->stride * (size_t)img->height &&
              ((uintptr_t)img->pixels % 64) == 0,
          "image fields");
    resshift_image_free(img);
    img = NULL;

    /* Freed and foreign handles. */
    resshift_engine_free(small);
    st = resshift_upscale(small, px, W, H, 0, 3, 8, NULL, &img);
    expect("upscale on a freed engine", small, st, RESSHIFT_ERR_INVALID_ARGUMENT, "not a live engine");
    resshift_engine_free(small); /* double free: detected, ignored */
    st = resshift_engine_info((resshift_engine *)(uintptr_t)0x1234, &info);
    expect("info on a foreign handle", NULL, st, RESSHIFT_ERR_INVALID_ARGUMENT, "not a live engine");

    resshift_engine_free(eng);
    free(png);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}

/* ---- threads --------------------------------------------------------------- */

enum { TW = 40, TH = 28, THREADS = 4, ROUNDS = 2 };

struct job {
    resshift_engine *eng;
    const unsigned char *px;
    const unsigned char *want;
    size_t want_size;
    int id;
    int progress;
    int ok;
};

static int count_progress(void *user, int a, int b, int c, int d) {
    struct job *j = user;
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    j->progress++;
    return 0;
}

static void *worker(void *arg) {
    struct job *j = arg;
    int r;
    j->ok = 1;
    for (r = 0; r < ROUNDS; r++) {
        resshift_options opt;
        resshift_image *img = NULL;
        resshift_status st;
        const char *msg;
        char want_msg[64];
        /* A per-thread failing call: the message must survive other threads' calls. */
        st = resshift_upscale(j->eng, j->px, TW, TH, 0, 3, 8 + j->id, NULL, &img);
        msg = resshift_engine_last_error(j->eng);
        snprintf(want_msg, sizeof want_msg, "got %d", 8 + j->id);
        if (st != RESSHIFT_ERR_UNSUPPORTED || strstr(msg, want_msg) == NULL) {
            fprintf(stderr, "FAIL thread %d: status %d, message %s\n", j->id, st, msg);
            j->ok = 0;
        }
        resshift_options_init(&opt);
        opt.sampler = RESSHIFT_SAMPLER_STOCHASTIC;
        opt.use_seed = 1;
        opt.seed = 99;
        opt.tile = 16;
        opt.overlap = 4;
        opt.progress = count_progress;
        opt.progress_user = j;
        st = resshift_upscale(j->eng, j->px, TW, TH, 0, 3, 8, &opt, &img);
        if (st != RESSHIFT_OK) {
            fprintf(stderr, "FAIL thread %d: %s: %s\n", j->id, resshift_status_string(st), resshift_engine_last_error(j->eng));
            j->ok = 0;
            continue;
        }
        if (img->size != j->want_size || memcmp(img->pixels, j->want, j->want_size) != 0) {
            fprintf(stderr, "FAIL thread %d: result differs from the single-threaded one\n", j->id);
            j->ok = 0;
        }
        if (resshift_engine_last_error(j->eng)[0] != '\0') {
            fprintf(stderr, "FAIL thread %d: message not cleared by a success\n", j->id);
            j->ok = 0;
        }
        resshift_image_free(img);
    }
    return NULL;
}

static int run_jobs(const char *what, resshift_engine **engs, int nengs, const unsigned char *px,
                    const resshift_image *want) {
    pthread_t th[THREADS];
    struct job jobs[THREADS];
    int i, ok = 1;
    for (i = 0; i < THREADS; i++) {
        jobs[i].eng = engs[i % nengs];
        jobs[i].px = px;
        jobs[i].want = want->pixels;
        jobs[i].want_size = want->size;
        jobs[i].id = i + 1;
        jobs[i].progress = 0;
        jobs[i].ok = 0;
        if (pthread_create(&th[i], NULL, worker, &jobs[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 0;
        }
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        ok = ok && jobs[i].ok && jobs[i].progress > 0;
    }
    printf("%s   %s: %d threads x %d rounds\n", ok ? "ok " : "FAIL", what, THREADS, ROUNDS);
    return ok;
}

static int threads(void) {
    resshift_engine *engs[2] = {NULL, NULL};
    resshift_engine_params params;
    resshift_options opt;
    resshift_image *want = NULL;
    unsigned char px[TW * TH * 3];
    resshift_status st;
    int ok = 1, i;

    pattern(px, TW, TH, 3, 1);
    resshift_engine_params_init(&params);
    params.concurrency = 2;
    params.intra_op_threads = 1;
    for (i = 0; i < 2; i++) {
        st = resshift_engine_new_with(&params, &engs[i]);
        if (st != RESSHIFT_OK) {
            fprintf(stderr, "engine: %s\n", resshift_engine_last_error(NULL));
            return 1;
        }
    }
    /* The single-threaded reference, with the workers' options (several tiles). */
    resshift_options_init(&opt);
    opt.sampler = RESSHIFT_SAMPLER_STOCHASTIC;
    opt.use_seed = 1;
    opt.seed = 99;
    opt.tile = 16;
    opt.overlap = 4;
    st = resshift_upscale(engs[0], px, TW, TH, 0, 3, 8, &opt, &want);
    if (st != RESSHIFT_OK) {
        fprintf(stderr, "reference: %s\n", resshift_engine_last_error(engs[0]));
        return 1;
    }
    ok = run_jobs("one engine", engs, 1, px, want) && ok;
    ok = run_jobs("two engines", engs, 2, px, want) && ok;
    resshift_image_free(want);
    resshift_engine_free(engs[0]);
    resshift_engine_free(engs[1]);
    return !ok;
}

/* ---- threadexit ------------------------------------------------------------ */

static long rss_kb(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * 4;
}

struct failjob {
    resshift_engine *eng;
    const unsigned char *px;
    int ok;
};

static void *fail_once(void *arg) {
    struct failjob *j = arg;
    resshift_image *img = NULL;
    resshift_status st = resshift_upscale(j->eng, j->px, TW, TH, 0, 3, 9, NULL, &img);
    j->ok = st == RESSHIFT_ERR_UNSUPPORTED && strstr(resshift_engine_last_error(j->eng), "got 9") != NULL && img == NULL;
    return NULL;
}

static int threadexit(int n) {
    enum { WAVE = 64 };
    resshift_engine *eng = NULL;
    unsigned char px[TW * TH * 3];
    pthread_t th[WAVE];
    struct failjob jobs[WAVE];
    long first = -1;
    int done = 0, bad = 0, i;

    pattern(px, TW, TH, 3, 1);
    if (resshift_engine_new(NULL, &eng) != RESSHIFT_OK) {
        fprintf(stderr, "engine: %s\n", resshift_engine_last_error(NULL));
        return 1;
    }
    while (done < n) {
        int k = n - done < WAVE ? n - done : WAVE;
        for (i = 0; i < k; i++) {
            jobs[i].eng = eng;
            jobs[i].px = px;
            jobs[i].ok = 0;
            if (pthread_create(&th[i], NULL, fail_once, &jobs[i]) != 0) {
                fprintf(stderr, "pthread_create failed after %d threads\n", done + i);
                return 1;
            }
        }
        for (i = 0; i < k; i++) {
            pthread_join(th[i], NULL);
            bad += !jobs[i].ok;
        }
        done += k;
        if (first < 0 && done >= n / 5) first = rss_kb();
    }
    printf("threads %d bad %d rss_kb %ld %ld\n", done, bad, first, rss_kb());
    resshift_engine_free(eng);
    return bad != 0;
}

/* ---- raw ------------------------------------------------------------------- */

static int raw(int argc, char **argv) {
    const char *in_path = argv[2], *out_path = argv[8];
    int w = atoi(argv[3]), h = atoi(argv[4]), ch = atoi(argv[5]), bits = atoi(argv[6]);
    size_t size = 0, row = (size_t)w * (size_t)ch * (size_t)(bits / 8), y, need = 0;
    size_t in_stride = row + 5, out_stride;
    unsigned char *px = read_file(in_path, &size), *padded, *dst;
    resshift_engine *eng = NULL;
    resshift_options opt;
    resshift_image *img = NULL;
    resshift_status st;
    int32_t ow = 0, oh = 0;
    FILE *f;
    (void)argc;

    if (size != row * (size_t)h) {
        fprintf(stderr, "raw: %s has %d bytes, want %d\n", in_path, (int)size, (int)(row * (size_t)h));
        return 2;
    }
    if (resshift_engine_new(NULL, &eng) != RESSHIFT_OK) {
        fprintf(stderr, "raw: %s\n", resshift_engine_last_error(NULL));
        return 1;
    }
    resshift_options_init(&opt);
    opt.use_seed = 1;
    opt.seed = strtoull(argv[7], NULL, 10);
    st = resshift_upscale(eng, px, w, h, 0, ch, bits, &opt, &img);
    if (st != RESSHIFT_OK) {
        fprintf(stderr, "raw: %s: %s\n", resshift_status_string(st), resshift_engine_last_error(eng));
        return 1;
    }
    f = fopen(out_path, "wb");
    if (f == NULL || fwrite(img->pixels, 1, img->size, f) != img->size || fclose(f) != 0) {
        perror(out_path);
        return 2;
    }

    /* The same through resshift_upscale_into, with padded rows at odd
       addresses in and out (16-bit samples unaligned). */
    padded = malloc(in_stride * (size_t)h + 1);
    for (y = 0; y < (size_t)h; y++) memcpy(padded + 1 + y * in_stride, px + y * row, row);
    if (resshift_output_size(eng, w, h, ch, bits, &ow, &oh, &need) != RESSHIFT_OK) return 1;
    out_stride = img->stride + 3;
    need = out_stride * (size_t)(oh - 1) + img->stride;
    dst = malloc(need + 1);
    st = resshift_upscale_into(eng, padded + 1, w, h, in_stride, ch, bits, &opt, dst + 1, out_stride, need);
    if (st != RESSHIFT_OK) {
        fprintf(stderr, "raw into: %s: %s\n", resshift_status_string(st), resshift_engine_last_error(eng));
        return 1;
    }
    for (y = 0; y < (size_t)oh; y++) {
        if (memcmp(dst + 1 + y * out_stride, (unsigned char *)img->pixels + y * img->stride, img->stride) != 0) {
            fprintf(stderr, "raw: resshift_upscale_into differs from resshift_upscale at row %d\n", (int)y);
            return 1;
        }
    }
    printf("ok   raw %dx%d ch %d bits %d -> %dx%d (upscale_into with strides %d/%d agrees)\n", w, h, ch, bits,
           img->width, img->height, (int)in_stride, (int)out_stride);
    free(dst);
    free(padded);
    free(px);
    resshift_image_free(img);
    resshift_engine_free(eng);
    return 0;
}

/* ---- sizes ----------------------------------------------------------------- */

static int sizes(void) {
    const char *sep = "{";
#define SIZE(T) (printf("%s\"" #T "\": %d", sep, (int)sizeof(T)), sep = ", ")
#define OFF(T, m) (printf("%s\"" #T "." #m "\": %d", sep, (int)offsetof(T, m)), sep = ", ")
    SIZE(resshift_engine_params);
    OFF(resshift_engine_params, size);
    OFF(resshift_engine_params, config_path);
    OFF(resshift_engine_params, model);
    OFF(resshift_engine_params, provider);
    OFF(resshift_engine_params, ort_library);
    OFF(resshift_engine_params, intra_op_threads);
    OFF(resshift_engine_params, inter_op_threads);
    OFF(resshift_engine_params, concurrency);
    OFF(resshift_engine_params, device_id);
    SIZE(resshift_info);
    OFF(resshift_info, size);
    OFF(resshift_info, scale);
    OFF(resshift_info, steps);
    OFF(resshift_info, tile);
    OFF(resshift_info, overlap);
    OFF(resshift_info, batch);
    OFF(resshift_info, multiple);
    OFF(resshift_info, max_batch);
    OFF(resshift_info, fixed_tile);
    OFF(resshift_info, seed);
    OFF(resshift_info, sampler);
    OFF(resshift_info, model);
    OFF(resshift_info, model_version);
    OFF(resshift_info, license);
    OFF(resshift_info, space);
    OFF(resshift_info, provider);
    OFF(resshift_info, ort_version);
    OFF(resshift_info, source);
    SIZE(resshift_options);
    OFF(resshift_options, size);
    OFF(resshift_options, sampler);
    OFF(resshift_options, use_seed);
    OFF(resshift_options, seed);
    OFF(resshift_options, tile);
    OFF(resshift_options, overlap);
    OFF(resshift_options, batch);
    OFF(resshift_options, format);
    OFF(resshift_options, quality);
    OFF(resshift_options, strip_metadata);
    OFF(resshift_options, lossless);
    OFF(resshift_options, progress);
    OFF(resshift_options, progress_user);
    OFF(resshift_options, timeout_ms);
#undef SIZE
#undef OFF
    printf("}\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "misuse") == 0) return misuse(argv[2], argv[3], argv[4]);
    if (argc == 2 && strcmp(argv[1], "threads") == 0) return threads();
    if (argc == 2 && strcmp(argv[1], "sizes") == 0) return sizes();
    if (argc == 3 && strcmp(argv[1], "threadexit") == 0) return threadexit(atoi(argv[2]));
    if (argc == 9 && strcmp(argv[1], "raw") == 0) return raw(argc, argv);
    fprintf(stderr,
            "usage: test_capi misuse LIMITS.toml BAD.toml IMAGE.png\n"
            "       test_capi threads\n"
            "       test_capi threadexit N\n"
            "       test_capi sizes\n"
            "       test_capi raw IN.raw W H CHANNELS BITS SEED OUT.raw\n");
    return 2;
}
