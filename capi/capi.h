/*
 * capi.h - internal declarations shared by the cgo preamble (capi/*.go) and
 * resshift.c. Not installed; the public header is include/resshift.h.
 */
#ifndef RESSHIFT_CAPI_INTERNAL_H
#define RESSHIFT_CAPI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "resshift.h"

/* A token identifying the calling thread, unique for the life of the
   process (never reused, unlike thread ids). 0 if the thread's slot could
   not be allocated. */
uint64_t rs_thread_token(void);

/* Moves up to max tokens of threads that have exited since the last call
   into buf and returns how many (their per-engine messages can be freed). */
int rs_take_dead_tokens(uint64_t *buf, int max);

/* The calling thread's message for calls without a live engine. rs_set_global_error
   takes ownership of msg (malloc'd; NULL clears). rs_global_error never returns NULL. */
void rs_set_global_error(char *msg);
const char *rs_global_error(void);

/* Calls a progress callback (cgo cannot call C function pointers directly). */
int rs_call_progress(resshift_progress_fn fn, void *user, int done, int total, int step, int steps);

/* malloc that may return NULL (cgo's C.malloc aborts on failure). */
void *rs_alloc(size_t n);

/* Allocates an image and its pixels in one block (64-byte aligned pixels);
   NULL on overflow or out of memory. */
resshift_image *rs_image_alloc(int32_t width, int32_t height, int32_t channels,
                               int32_t bits, size_t stride, size_t size);

/* The path of the shared object holding this code, or NULL (static storage). */
const char *rs_self_path(void);

#endif
