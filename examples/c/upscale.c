/*
 * upscale.c - example program for libresshift (include/resshift.h).
 *
 *   upscale [options] IN OUT      upscale an image file (JPEG, PNG, WebP, TIFF, ...)
 *                                 with resshift_upscale_encoded; OUT is written
 *                                 to OUT.tmp and renamed, so it is never half-written
 *   upscale [options] --demo OUT  upscale a generated 64x48 RGB buffer with
 *                                 resshift_upscale and write OUT as a binary PPM
 *
 * options: -c CONFIG.toml  engine configuration (default: built-in defaults)
 *          -s SEED         noise seed (default: the configured seed)
 *          --stochastic    stochastic sampler (default: the configured sampler)
 *          -f FORMAT       output format for files: png, jpeg, webp, tiff
 *                          (default: from OUT's extension, .png .jpg .jpeg
 *                          .webp .tif .tiff; another extension needs -f)
 *          -q QUALITY      JPEG/WebP quality 1..100
 *          -v              print progress to stderr
 *
 * Build: cc -std=c99 -Wall -Wextra -Werror -Iinclude examples/c/upscale.c \
 *            -Lbuild -lresshift -Wl,-rpath,$PWD/build -o build/upscale
 *    or: cc -std=c99 upscale.c $(pkg-config --cflags --libs resshift)
 *        (the .pc file adds an rpath to the installed library folder)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resshift.h"

#define DEMO_W 64
#define DEMO_H 48

static void usage(void) {
    fprintf(stderr,
            "usage: upscale [-c config.toml] [-s seed] [--stochastic] [-f png|jpeg|webp|tiff] [-q quality] [-v] IN OUT\n"
            "       upscale [-c config.toml] [-s seed] [--stochastic] [-v] --demo OUT.ppm\n");
}

/* Progress callback: prints to stderr; never cancels. */
static int on_progress(void *user, int tiles_done, int tiles_total, int step, int steps) {
    const char *name = user;
    fprintf(stderr, "%s: tiles %d/%d, step %d/%d\n", name, tiles_done, tiles_total, step, steps);
    return 0;
}

/* Reads a whole file; returns NULL (and prints why) on failure. */
static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 16;
            unsigned char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                fprintf(stderr, "%s: out of memory\n", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        perror(path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = n;
    return buf;
}

/* Writes path atomically: path.tmp, then rename. Returns 0 on success. */
static int write_file(const char *path, const void *head, size_t head_size, const void *data, size_t size) {
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    FILE *f;
    int ok;
    if (tmp == NULL) return -1;
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    f = fopen(tmp, "wb");
    if (f == NULL) {
        perror(tmp);
        free(tmp);
        return -1;
    }
    ok = fwrite(head, 1, head_size, f) == head_size && fwrite(data, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        perror(path);
        remove(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* The demo pattern (tests recompute it): gradients and a diagonal texture. */
static void demo_pixels(unsigned char *px) {
    int x, y;
    for (y = 0; y < DEMO_H; y++) {
        for (x = 0; x < DEMO_W; x++) {
            unsigned char *p = px + (y * DEMO_W + x) * 3;
            p[0] = (unsigned char)(x * 255 / (DEMO_W - 1));
            p[1] = (unsigned char)(y * 255 / (DEMO_H - 1));
            p[2] = (unsigned char)(((x + 2 * y) * 37) & 255);
        }
    }
}

static int parse_format(const char *s, int32_t *out) {
    static const struct { const char *name; int32_t value; } formats[] = {
        {"png", RESSHIFT_FORMAT_PNG}, {"jpeg", RESSHIFT_FORMAT_JPEG}, {"jpg", RESSHIFT_FORMAT_JPEG},
        {"webp", RESSHIFT_FORMAT_WEBP}, {"tiff", RESSHIFT_FORMAT_TIFF}, {"tif", RESSHIFT_FORMAT_TIFF},
    };
    size_t i;
    for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(s, formats[i].name) == 0) {
            *out = formats[i].value;
            return 0;
        }
    }
    return -1;
}

/* format_of_name sets *out from the extension of path (case-insensitive);
   -1 when it has none that names a format. */
static int format_of_name(const char *path, int32_t *out) {
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash != NULL ? slash : path, '.');
    char ext[8];
    size_t i;
    if (dot == NULL || strlen(dot + 1) >= sizeof ext) return -1;
    for (i = 0; dot[1 + i] != '\0'; i++) {
        char c = dot[1 + i];
        ext[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    ext[i] = '\0';
    return parse_format(ext, out);
}

int main(int argc, char **argv) {
    const char *config = NULL, *in = NULL, *out = NULL;
    int demo = 0, format_given = 0, i, rc = 1;
    resshift_options opt;
    resshift_engine *eng = NULL;
    resshift_info info;
    resshift_status st;

    if (resshift_abi_version() != RESSHIFT_ABI_VERSION) {
        fprintf(stderr, "libresshift ABI %d, this program was built for %d\n", resshift_abi_version(), RESSHIFT_ABI_VERSION);
        return 1;
    }
    resshift_options_init(&opt);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--demo") == 0) {
            demo = 1;
        } else if (strcmp(a, "--stochastic") == 0) {
            opt.sampler = RESSHIFT_SAMPLER_STOCHASTIC;
        } else if (strcmp(a, "-v") == 0) {
            opt.progress = on_progress;
            opt.progress_user = (void *)"upscale";
        } else if (strcmp(a, "-c") == 0 && val != NULL) {
            config = val;
            i++;
        } else if (strcmp(a, "-s") == 0 && val != NULL) {
            char *end;
            opt.use_seed = 1;
            opt.seed = (uint64_t)strtoull(val, &end, 10);
            if (*val == '\0' || *end != '\0') {
                fprintf(stderr, "upscale: -s: not a number: %s\n", val);
                return 2;
            }
            i++;
        } else if (strcmp(a, "-f") == 0 && val != NULL) {
            if (parse_format(val, &opt.format) != 0) {
                fprintf(stderr, "upscale: -f: unknown format %s\n", val);
                return 2;
            }
            format_given = 1;
            i++;
        } else if (strcmp(a, "-q") == 0 && val != NULL) {
            opt.quality = atoi(val);
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            usage();
            return 2;
        } else if (in == NULL && !demo) {
            in = a;
        } else if (out == NULL) {
            out = a;
        } else {
            usage();
            return 2;
        }
    }
    if (demo && in != NULL && out == NULL) { /* "--demo OUT" given after OUT was taken as IN */
        out = in;
        in = NULL;
    }
    if (out == NULL || (!demo && in == NULL)) {
        usage();
        return 2;
    }
    /* The bytes must match the name: without -f, OUT's extension decides. */
    if (!demo && !format_given && format_of_name(out, &opt.format) != 0) {
        fprintf(stderr, "upscale: %s: cannot tell the output format from the extension; "
                        "use .png, .jpg, .webp or .tif, or -f FORMAT\n", out);
        return 2;
    }

    st = resshift_engine_new(config, &eng);
    if (st != RESSHIFT_OK) {
        fprintf(stderr, "upscale: %s: %s\n", resshift_status_string(st), resshift_engine_last_error(NULL));
        return 1;
    }
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    if (resshift_engine_info(eng, &info) == RESSHIFT_OK)
        fprintf(stderr, "upscale: libresshift %s, model %s (x%d, %d steps) on %s, ONNX Runtime %s\n",
                resshift_version(), info.model, info.scale, info.steps, info.provider, info.ort_version);

    if (demo) {
        unsigned char px[DEMO_W * DEMO_H * 3];
        resshift_image *img = NULL;
        char head[64];
        demo_pixels(px);
        st = resshift_upscale(eng, px, DEMO_W, DEMO_H, DEMO_W * 3, 3, 8, &opt, &img);
        if (st != RESSHIFT_OK) {
            fprintf(stderr, "upscale: %s: %s\n", resshift_status_string(st), resshift_engine_last_error(eng));
        } else {
            /* img->stride == img->width * 3 for an 8-bit RGB result: PPM rows are packed too. */
            int n = snprintf(head, sizeof head, "P6\n%d %d\n255\n", (int)img->width, (int)img->height);
            if (write_file(out, head, (size_t)n, img->pixels, img->size) == 0) rc = 0;
        }
        resshift_image_free(img);
    } else {
        size_t size = 0, out_size = 0;
        void *out_data = NULL;
        unsigned char *data = read_file(in, &size);
        if (data != NULL) {
            st = resshift_upscale_encoded(eng, data, size, &opt, &out_data, &out_size);
            if (st != RESSHIFT_OK)
                fprintf(stderr, "upscale: %s: %s: %s\n", in, resshift_status_string(st), resshift_engine_last_error(eng));
            else if (write_file(out, "", 0, out_data, out_size) == 0)
                rc = 0;
            resshift_buffer_free(out_data);
            free(data);
        }
    }
    resshift_engine_free(eng);
    return rc;
}
