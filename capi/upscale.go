package main

/*
#include "capi.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/pipeline"
)

// options converts the caller's resshift_options (may be NULL) into the
// engine's per-call and encoder options, starting from the engine's
// configured defaults, and the call's time budget (0 = none): readOptions
// copies the struct by the size rule, checkOptions checks and converts it,
// and a progress callback is wrapped here. It records the error and returns
// false on bad values.
func (c *call) options(p *C.resshift_options, eng *core.Engine) (core.Options, imageio.EncodeOptions, time.Duration, bool) {
	o, ok := c.readOptions(p)
	if !ok {
		return core.Options{}, imageio.EncodeOptions{}, 0, false
	}
	opt, enc, timeout, ok := c.checkOptions(o, eng.Options(), pipeline.EncodeOptions(eng))
	if !ok {
		return opt, enc, 0, false
	}
	if o.progress != 0 {
		fn, user := (C.resshift_progress_fn)(cPointer(o.progress)), cPointer(o.progressUser)
		opt.Progress = func(p core.Progress) error {
			// Runs on the calling thread, with no lock held.
			if r := C.rs_call_progress(fn, user, C.int(p.TilesDone), C.int(p.Tiles), C.int(p.Step), C.int(p.Steps)); r != 0 {
				return fmt.Errorf("progress callback returned %d at tile %d/%d, step %d/%d", int(r), p.TilesDone, p.Tiles, p.Step, p.Steps)
			}
			return nil
		}
	}
	return opt, enc, timeout, true
}

// budget returns the context of a call with the given time budget (0 =
// none); release it with the cancel function.
func budget(timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), timeout)
}

// timedOut records RESSHIFT_ERR_TIMEOUT and returns true when the call's
// budget has expired (whatever err says: the engine reports the expiry as
// a cancellation, an encoder finishing late reports nothing).
func (c *call) timedOut(ctx context.Context, timeout time.Duration) bool {
	if timeout <= 0 || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return false
	}
	c.fail(stTimeout, "timed out after %v (options.timeout_ms = %d); no output", timeout, timeout.Milliseconds())
	return true
}

//export rsgo_output_size
func rsgo_output_size(h C.uintptr_t, w, hh, ch, bits C.int32_t, outW, outH *C.int32_t, outBytes *C.size_t) (st C.int) {
	c := enter("resshift_output_size", h)
	defer c.exit(&st)
	if outW != nil {
		*outW = 0
	}
	if outH != nil {
		*outH = 0
	}
	if outBytes != nil {
		*outBytes = 0
	}
	eng, ok := c.engine()
	if !ok {
		return c.code
	}
	l, ok := c.checkLayout(eng.Scale(), pipeline.Limits(eng), int(w), int(hh), 0, int(ch), int(bits), false)
	if !ok {
		return c.code
	}
	if outW != nil {
		*outW = C.int32_t(l.W)
	}
	if outH != nil {
		*outH = C.int32_t(l.H)
	}
	if outBytes != nil {
		*outBytes = C.size_t(l.outSize)
	}
	return stOK
}

//export rsgo_upscale
func rsgo_upscale(h C.uintptr_t, px unsafe.Pointer, w, hh C.int32_t, stride C.size_t, ch, bits C.int32_t,
	o *C.resshift_options, out **C.resshift_image, dst unsafe.Pointer, dstStride, dstSize C.size_t, into C.int) (st C.int) {
	op := "resshift_upscale"
	if into != 0 {
		op = "resshift_upscale_into"
	}
	c := enter(op, h)
	defer c.exit(&st)
	eng, ok := c.engine()
	if !ok {
		return c.code
	}
	switch {
	case px == nil:
		return c.fail(stInvalid, "pixels is NULL")
	case into == 0 && out == nil:
		return c.fail(stInvalid, "out is NULL")
	case into != 0 && dst == nil:
		return c.fail(stInvalid, "dst is NULL")
	}
	l, ok := c.checkLayout(eng.Scale(), pipeline.Limits(eng), int(w), int(hh), uintptr(stride), int(ch), int(bits), true)
	if !ok {
		return c.code
	}
	opt, _, timeout, ok := c.options(o, eng)
	if !ok {
		return c.code
	}

	// Check or allocate the destination before the expensive part.
	var img *C.resshift_image
	dstRow := uintptr(dstStride)
	if into != 0 {
		if dstRow == 0 {
			dstRow = l.outRow
		}
		if dstRow < l.outRow {
			return c.fail(stInvalid, "dst_stride %d is smaller than an output row: %d × %d channels × %d bytes = %d", dstRow, l.W, l.ch, l.bps, l.outRow)
		}
		if need, ok := span(l.H, dstRow, l.outRow); !ok || need > uint64(dstSize) {
			needs := "more than the address space"
			if ok {
				needs = fmt.Sprintf("%d bytes", need)
			}
			return c.fail(stBufferTooSmall, "dst_size is %d bytes; the %d×%d result (%d channels × %d bits) with dst_stride %d needs %s",
				uint64(dstSize), l.W, l.H, l.ch, l.bits, dstRow, needs)
		}
	} else {
		img = C.rs_image_alloc(C.int32_t(l.W), C.int32_t(l.H), C.int32_t(l.ch), C.int32_t(l.bits), C.size_t(l.outRow), C.size_t(l.outSize))
		if img == nil {
			return c.fail(stNoMemory, "cannot allocate the %d×%d result (%d bytes)", l.W, l.H, l.outSize)
		}
		defer func() {
			if img != nil { // not handed out: an error or a panic
				C.resshift_image_free(img)
			}
		}()
	}

	ctx, cancel := budget(timeout)
	defer cancel()
	res, _, err := pipeline.UpscaleImage(ctx, eng, toImage(px, l), opt)
	if c.timedOut(ctx, timeout) {
		return c.code
	}
	if err != nil {
		return c.err(err)
	}
	if into != 0 {
		writePixels(dst, dstRow, res, l)
		return stOK
	}
	writePixels(img.pixels, l.outRow, res, l)
	*out, img = img, nil
	return stOK
}

//export rsgo_upscale_encoded
func rsgo_upscale_encoded(h C.uintptr_t, data unsafe.Pointer, size C.size_t, o *C.resshift_options,
	outData *unsafe.Pointer, outSize *C.size_t) (st C.int) {
	c := enter("resshift_upscale_encoded", h)
	defer c.exit(&st)
	eng, ok := c.engine()
	if !ok {
		return c.code
	}
	switch {
	case data == nil:
		return c.fail(stInvalid, "data is NULL")
	case size == 0:
		return c.fail(stInvalid, "size is 0")
	case outData == nil:
		return c.fail(stInvalid, "out_data is NULL")
	case outSize == nil:
		return c.fail(stInvalid, "out_size is NULL")
	case uint64(size) > math.MaxInt:
		return c.fail(stTooLarge, "size %d does not fit in memory", uint64(size))
	}
	opt, enc, timeout, ok := c.options(o, eng)
	if !ok {
		return c.code
	}
	ctx, cancel := budget(timeout)
	defer cancel()
	b, _, err := pipeline.UpscaleBytes(ctx, eng, unsafe.Slice((*byte)(data), int(size)), opt, enc)
	if c.timedOut(ctx, timeout) {
		return c.code
	}
	if err != nil {
		return c.err(err)
	}
	p := C.rs_alloc(C.size_t(len(b)))
	if p == nil {
		return c.fail(stNoMemory, "cannot allocate the %d-byte result", len(b))
	}
	copy(unsafe.Slice((*byte)(p), len(b)), b)
	*outData, *outSize = p, C.size_t(len(b))
	return stOK
}
