/*
 * resshift.c - the public C entry points of libresshift.
 *
 * The functions declared in include/resshift.h are defined here, in C, so
 * that their prototypes (const qualifiers, enum types) are exactly the
 * header's; the ones that need the engine forward to the Go exports rsgo_*
 * (capi/*.go). Engine handles are integers from the Go handle table, cast
 * to resshift_engine*: C never dereferences them and Go pointers never
 * reach C.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "resshift.h"
#include "capi.h"
#include "_cgo_export.h"

#define RS_STR2(x) #x
#define RS_STR(x) RS_STR2(x)

/* ---- static information -------------------------------------------------- */

const char *resshift_version(void) {
    return RS_STR(RESSHIFT_VERSION_MAJOR) "." RS_STR(RESSHIFT_VERSION_MINOR) "." RS_STR(RESSHIFT_VERSION_PATCH);
}

int resshift_abi_version(void) { return RESSHIFT_ABI_VERSION; }

const char *resshift_status_string(resshift_status status) {
    switch (status) {
    case RESSHIFT_OK: return "ok";
    case RESSHIFT_ERR_INVALID_ARGUMENT: return "invalid argument";
    case RESSHIFT_ERR_UNSUPPORTED: return "unsupported";
    case RESSHIFT_ERR_TOO_LARGE: return "too large";
    case RESSHIFT_ERR_CORRUPT_DATA: return "corrupt data";
    case RESSHIFT_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case RESSHIFT_ERR_CANCELLED: return "cancelled";
    case RESSHIFT_ERR_MODEL: return "model error";
    case RESSHIFT_ERR_RUNTIME: return "runtime error";
    case RESSHIFT_ERR_OUT_OF_MEMORY: return "out of memory";
    case RESSHIFT_ERR_INTERNAL: return "internal error";
    case RESSHIFT_ERR_TIMEOUT: return "timed out";
    }
    return "unknown status";
}

void resshift_options_init(resshift_options *o) {
    if (o == NULL) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
    o->sampler = RESSHIFT_SAMPLER_DEFAULT;
    o->use_seed = 0;
    o->tile = RESSHIFT_DEFAULT;
    o->overlap = RESSHIFT_DEFAULT;
    o->batch = RESSHIFT_DEFAULT;
    o->format = RESSHIFT_FORMAT_DEFAULT;
    o->quality = RESSHIFT_DEFAULT;
    o->strip_metadata = RESSHIFT_DEFAULT;
    o->lossless = 0;
    o->timeout_ms = 0;
}

void resshift_engine_params_init(resshift_engine_params *p) {
    if (p == NULL) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->intra_op_threads = RESSHIFT_DEFAULT;
    p->inter_op_threads = RESSHIFT_DEFAULT;
    p->concurrency = RESSHIFT_DEFAULT;
    p->device_id = RESSHIFT_DEFAULT;
}

/* ---- engine ---------------------------------------------------------------- */

resshift_status resshift_engine_new(const char *config_path, resshift_engine **out) {
    resshift_engine_params p;
    resshift_engine_params_init(&p);
    p.config_path = config_path;
    return resshift_engine_new_with(&p, out);
}

resshift_status resshift_engine_new_with(const resshift_engine_params *params, resshift_engine **out) {
    uintptr_t id = 0;
    int st;
    if (out != NULL) *out = NULL;
    st = rsgo_engine_new((resshift_engine_params *)params, out != NULL ? &id : NULL);
    if (st == RESSHIFT_OK && out != NULL) *out = (resshift_engine *)id;
    return (resshift_status)st;
}

void resshift_engine_free(resshift_engine *engine) {
    if (engine == NULL) return;
    rsgo_engine_free((uintptr_t)engine);
}

const char *resshift_engine_last_error(resshift_engine *engine) {
    char *msg = NULL;
    if (engine != NULL && rsgo_last_error((uintptr_t)engine, &msg)) return msg != NULL ? msg : "";
    return rs_global_error();
}

resshift_status resshift_engine_info(resshift_engine *engine, resshift_info *info) {
    return (resshift_status)rsgo_engine_info((uintptr_t)engine, info);
}

/* ---- upscaling ------------------------------------------------------------- */

resshift_status resshift_output_size(resshift_engine *engine, int32_t width, int32_t height,
                                     int32_t channels, int32_t bits_per_channel,
                                     int32_t *out_width, int32_t *out_height, size_t *out_bytes) {
    return (resshift_status)rsgo_output_size((uintptr_t)engine, width, height, channels, bits_per_channel,
                                             out_width, out_height, out_bytes);
}

resshift_status resshift_upscale(resshift_engine *engine, const void *pixels,
                                 int32_t width, int32_t height, size_t stride,
                                 int32_t channels, int32_t bits_per_channel,
                                 const resshift_options *options, resshift_image **out) {
    if (out != NULL) *out = NULL;
    return (resshift_status)rsgo_upscale((uintptr_t)engine, (void *)pixels, width, height, stride, channels,
                                         bits_per_channel, (resshift_options *)options, out, NULL, 0, 0, 0);
}

resshift_status resshift_upscale_into(resshift_engine *engine, const void *pixels,
                                      int32_t width, int32_t height, size_t stride,
                                      int32_t channels, int32_t bits_per_channel,
                                      const resshift_options *options,
                                      void *dst, size_t dst_stride, size_t dst_size) {
    return (resshift_status)rsgo_upscale((uintptr_t)engine, (void *)pixels, width, height, stride, channels,
                                         bits_per_channel, (resshift_options *)options, NULL, dst, dst_stride,
                                         dst_size, 1);
}

void resshift_image_free(resshift_image *image) { free(image); }

resshift_status resshift_upscale_encoded(resshift_engine *engine, const void *data, size_t size,
                                         const resshift_options *options,
                                         void **out_data, size_t *out_size) {
    if (out_data != NULL) *out_data = NULL;
    if (out_size != NULL) *out_size = 0;
    return (resshift_status)rsgo_upscale_encoded((uintptr_t)engine, (void *)data, size,
                                                 (resshift_options *)options, out_data, out_size);
}

void resshift_buffer_free(void *data) { free(data); }

/* ---- internal helpers (capi.h) -------------------------------------------- */

struct rs_thread {
    uint64_t token;
    char *global_error;
};

static pthread_key_t rs_key;
static pthread_once_t rs_key_once = PTHREAD_ONCE_INIT;
static int rs_key_ok;
static uint64_t rs_next_token = 1;

/* Tokens of exited threads, drained by the Go side (rs_take_dead_tokens),
   which frees their per-engine messages. The destructor must not call into
   Go (Go's own per-thread state may already be gone), hence the queue. It
   grows as needed (8 bytes per thread that exited since the last call) and
   is released once drained. */
static pthread_mutex_t rs_dead_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t *rs_dead;
static size_t rs_ndead, rs_dead_cap;

static void rs_thread_free(void *p) {
    struct rs_thread *t = p;
    if (t == NULL) return;
    pthread_mutex_lock(&rs_dead_mu);
    if (rs_ndead == rs_dead_cap) {
        size_t cap = rs_dead_cap != 0 ? 2 * rs_dead_cap : 64;
        uint64_t *q = realloc(rs_dead, cap * sizeof *q);
        if (q != NULL) { /* out of memory: this thread's messages stay until the engine is freed */
            rs_dead = q;
            rs_dead_cap = cap;
        }
    }
    if (rs_ndead < rs_dead_cap) rs_dead[rs_ndead++] = t->token;
    pthread_mutex_unlock(&rs_dead_mu);
    free(t->global_error);
    free(t);
}

int rs_take_dead_tokens(uint64_t *buf, int max) {
    size_t n;
    if (max <= 0 || __atomic_load_n(&rs_ndead, __ATOMIC_RELAXED) == 0) return 0;
    pthread_mutex_lock(&rs_dead_mu);
    n = rs_ndead < (size_t)max ? rs_ndead : (size_t)max;
    memcpy(buf, rs_dead + (rs_ndead - n), n * sizeof *buf);
    rs_ndead -= n;
    if (rs_ndead == 0 && rs_dead_cap > 4096) { /* give back a queue grown by a burst */
        free(rs_dead);
        rs_dead = NULL;
        rs_dead_cap = 0;
    }
    pthread_mutex_unlock(&rs_dead_mu);
    return (int)n;
}

static void rs_key_init(void) { rs_key_ok = pthread_key_create(&rs_key, rs_thread_free) == 0; }

static struct rs_thread *rs_thread_get(void) {
    struct rs_thread *t;
    pthread_once(&rs_key_once, rs_key_init);
    if (!rs_key_ok) return NULL;
    t = pthread_getspecific(rs_key);
    if (t == NULL) {
        t = calloc(1, sizeof *t);
        if (t == NULL) return NULL;
        t->token = __atomic_fetch_add(&rs_next_token, 1, __ATOMIC_RELAXED);
        if (pthread_setspecific(rs_key, t) != 0) {
            free(t);
            return NULL;
        }
    }
    return t;
}

uint64_t rs_thread_token(void) {
    struct rs_thread *t = rs_thread_get();
    return t != NULL ? t->token : 0;
}

void rs_set_global_error(char *msg) {
    struct rs_thread *t = rs_thread_get();
    if (t == NULL) {
        free(msg);
        return;
    }
    free(t->global_error);
    t->global_error = msg;
}

const char *rs_global_error(void) {
    struct rs_thread *t = rs_thread_get();
    if (t == NULL) return "resshift: no per-thread error slot (out of memory)";
    return t->global_error != NULL ? t->global_error : "";
}

int rs_call_progress(resshift_progress_fn fn, void *user, int done, int total, int step, int steps) {
    return fn(user, done, total, step, steps);
}

void *rs_alloc(size_t n) { return malloc(n > 0 ? n : 1); }

resshift_image *rs_image_alloc(int32_t width, int32_t height, int32_t channels, int32_t bits,
                               size_t stride, size_t size) {
    enum { ALIGN = 64 };
    size_t head = (sizeof(resshift_image) + ALIGN - 1) / ALIGN * ALIGN;
    void *block;
    resshift_image *img;
    if (size > SIZE_MAX - head - ALIGN) return NULL;
    /* malloc's alignment (16) is raised to 64 by over-allocating; the image
       struct sits at the start of the block so that free(img) frees all. */
    block = malloc(head + size + ALIGN);
    if (block == NULL) return NULL;
    img = block;
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->bits_per_channel = bits;
    img->stride = stride;
    img->size = size;
    {
        uintptr_t p = (uintptr_t)block + head;
        p = (p + ALIGN - 1) / ALIGN * ALIGN;
        img->pixels = (void *)p;
    }
    return img;
}

const char *rs_self_path(void) {
    Dl_info info;
    if (dladdr((void *)&resshift_version, &info) != 0 && info.dli_fname != NULL) return info.dli_fname;
    return NULL;
}
