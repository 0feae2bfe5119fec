/*
 * timeout.c - checks resshift_options.timeout_ms (since 0.2) through the
 * public header: run by capi/capitest (TestCTimeout) as
 *
 *   timeout IN.png
 *
 * Prints one line per check and "N checks, M failures"; exits 1 on any
 * failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resshift.h"

static int checks, failures;

static void expect(const char *what, resshift_engine *eng, resshift_status got, resshift_status want,
                   const char *want_msg) {
    const char *msg = resshift_engine_last_error(eng);
    checks++;
    if (got != want || (want_msg != NULL && strstr(msg, want_msg) == NULL)) {
        failures++;
        printf("FAIL %s: status %d (%s), want %d (%s); message \"%s\", want \"%s\"\n", what, got,
               resshift_status_string(got), want, resshift_status_string(want), msg, want_msg ? want_msg : "");
        return;
    }
    printf("ok %s: %s%s%s\n", what, resshift_status_string(got), msg[0] ? ": " : "", msg);
}

static void check(const char *what, int cond) {
    checks++;
    if (!cond) failures++;
    printf("%s %s\n", cond ? "ok" : "FAIL", what);
}

static unsigned char *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: timeout IN.png\n");
        return 2;
    }
    size_t png_size = 0;
    unsigned char *png = read_file(argv[1], &png_size);
    if (png == NULL) {
        perror(argv[1]);
        return 2;
    }
    check("status string of RESSHIFT_ERR_TIMEOUT", strcmp(resshift_status_string(RESSHIFT_ERR_TIMEOUT), "timed out") == 0);

    resshift_engine *eng = NULL;
    resshift_status st = resshift_engine_new(NULL, &eng);
    expect("engine", NULL, st, RESSHIFT_OK, NULL);
    if (st != RESSHIFT_OK) return 1;

    enum { W = 64, H = 48 };
    static unsigned char rgb[W * H * 3];
    for (size_t i = 0; i < sizeof rgb; i++) rgb[i] = (unsigned char)(i * 7 + i / 191);

    resshift_options opt;
    resshift_options_init(&opt);
    check("options_init sets timeout_ms 0", opt.timeout_ms == 0);

    /* 1 ms: the model run takes far longer, so the call times out. */
    opt.timeout_ms = 1;
    resshift_image *out = (resshift_image *)1;
    st = resshift_upscale(eng, rgb, W, H, 0, 3, 8, &opt, &out);
    expect("upscale, timeout_ms 1", eng, st, RESSHIFT_ERR_TIMEOUT, "timed out after 1ms (options.timeout_ms = 1); no output");
    check("upscale timed out: *out is NULL", out == NULL);

    static unsigned char dst[W * 4 * H * 4 * 3];
    memset(dst, 0xab, sizeof dst);
    st = resshift_upscale_into(eng, rgb, W, H, 0, 3, 8, &opt, dst, 0, sizeof dst);
    expect("upscale_into, timeout_ms 1", eng, st, RESSHIFT_ERR_TIMEOUT, "timed out after 1ms");
    int untouched = 1;
    for (size_t i = 0; i < sizeof dst; i++) untouched &= dst[i] == 0xab;
    check("upscale_into timed out: dst untouched", untouched);

    void *data = (void *)1;
    size_t size = 1;
    st = resshift_upscale_encoded(eng, png, png_size, &opt, &data, &size);
    expect("upscale_encoded, timeout_ms 1", eng, st, RESSHIFT_ERR_TIMEOUT, "timed out after 1ms");
    check("upscale_encoded timed out: no output", data == NULL && size == 0);

    opt.timeout_ms = -5;
    st = resshift_upscale(eng, rgb, W, H, 0, 3, 8, &opt, &out);
    expect("timeout_ms -5", eng, st, RESSHIFT_ERR_INVALID_ARGUMENT, "options.timeout_ms: must be >= 0");

    /* A generous budget: the call succeeds. */
    opt.timeout_ms = 10 * 60 * 1000;
    st = resshift_upscale(eng, rgb, 16, 12, 0, 3, 8, &opt, &out);
    expect("upscale, timeout_ms 600000", eng, st, RESSHIFT_OK, NULL);
    check("result 64x48", st == RESSHIFT_OK && out != NULL && out->width == 64 && out->height == 48);
    resshift_image_free(out);

    /* An application built with the 0.1 header: its options end before
       timeout_ms, and whatever lies beyond its size is not read. */
    struct {
        resshift_options o;
        unsigned char junk[16];
    } old;
    memset(&old, 0x5a, sizeof old);
    resshift_options_init(&old.o);
    old.o.size = offsetof(resshift_options, timeout_ms);
    memset((char *)&old.o + old.o.size, 0x5a, sizeof old - old.o.size);
    out = NULL;
    st = resshift_upscale(eng, rgb, 16, 12, 0, 3, 8, &old.o, &out);
    expect("0.1-sized options (no timeout_ms)", eng, st, RESSHIFT_OK, NULL);
    resshift_image_free(out);

    resshift_engine_free(eng);
    free(png);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
