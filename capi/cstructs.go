package main

/*
#include "capi.h"
*/
import "C"

import "unsafe"

// libVersion is resshift_version(), for messages of the pure-Go checks.
var libVersion = C.GoString(C.resshift_version())

// Compile-time checks that the Go copies of the header's values
// (options.go) are the header's: a non-zero index into a one-element
// array does not compile.
var (
	_ = [1]struct{}{}[C.RESSHIFT_DEFAULT-rsDefault]
	_ = [1]struct{}{}[rsDefault-C.RESSHIFT_DEFAULT]
	_ = [1]struct{}{}[C.RESSHIFT_SAMPLER_DEFAULT-samplerDefault]
	_ = [1]struct{}{}[C.RESSHIFT_SAMPLER_DETERMINISTIC-samplerDeterministic]
	_ = [1]struct{}{}[C.RESSHIFT_SAMPLER_STOCHASTIC-samplerStochastic]
	_ = [1]struct{}{}[C.RESSHIFT_FORMAT_DEFAULT-formatDefault]
	_ = [1]struct{}{}[C.RESSHIFT_FORMAT_SAME-formatSame]
	_ = [1]struct{}{}[C.RESSHIFT_FORMAT_PNG-formatPNG]
	_ = [1]struct{}{}[C.RESSHIFT_FORMAT_JPEG-formatJPEG]
	_ = [1]struct{}{}[C.RESSHIFT_FORMAT_WEBP-formatWebP]
	_ = [1]struct{}{}[C.RESSHIFT_FORMAT_TIFF-formatTIFF]
	_ = [1]struct{}{}[unsafe.Sizeof(C.size_t(0))-sizeField]
)

// readSized applies the size rule (readSizedBytes) to the caller's struct
// at src, reading no more of it than sizedView allows, into dst (our struct
// with its defaults).
func (c *call) readSized(dst []byte, src unsafe.Pointer, name, initFn string) bool {
	n := sizedView(uintptr(*(*C.size_t)(src)), uintptr(len(dst)))
	return c.readSizedBytes(dst, unsafe.Slice((*byte)(src), n), name, initFn)
}

// optionsDefaults returns a resshift_options set by resshift_options_init,
// as bytes.
func optionsDefaults() []byte {
	var o C.resshift_options
	C.resshift_options_init(&o)
	return C.GoBytes(unsafe.Pointer(&o), C.int(unsafe.Sizeof(o)))
}

// optionsFromBytes copies the resshift_options held in b (as optionsDefaults
// returns it) into a cOptions.
func optionsFromBytes(b []byte) cOptions {
	var o C.resshift_options
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&o)), unsafe.Sizeof(o)), b)
	return cOptions{
		sampler: int32(o.sampler), useSeed: int32(o.use_seed), seed: uint64(o.seed),
		tile: int32(o.tile), overlap: int32(o.overlap), batch: int32(o.batch),
		format: int32(o.format), quality: int32(o.quality), stripMetadata: int32(o.strip_metadata), lossless: int32(o.lossless),
		progress: cAddr(unsafe.Pointer(o.progress)), progressUser: cAddr(o.progress_user),
		timeoutMS: int64(o.timeout_ms),
	}
}

// readOptions reads the caller's resshift_options (NULL = the defaults of
// resshift_options_init) by the size rule into a cOptions. It records the
// error and returns false when the size is unusable.
func (c *call) readOptions(p *C.resshift_options) (cOptions, bool) {
	b := optionsDefaults()
	if p != nil && !c.readSized(b, unsafe.Pointer(p), "options", "resshift_options_init") {
		return cOptions{}, false
	}
	return optionsFromBytes(b), true
}

// paramsDefaults returns a resshift_engine_params set by
// resshift_engine_params_init, as bytes.
func paramsDefaults() []byte {
	var p C.resshift_engine_params
	C.resshift_engine_params_init(&p)
	return C.GoBytes(unsafe.Pointer(&p), C.int(unsafe.Sizeof(p)))
}

// paramsFromBytes copies the resshift_engine_params held in b (as
// paramsDefaults returns it) into a cEngineParams.
func paramsFromBytes(b []byte) cEngineParams {
	var p C.resshift_engine_params
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&p)), unsafe.Sizeof(p)), b)
	return cEngineParams{
		configPath: cAddr(unsafe.Pointer(p.config_path)), model: cAddr(unsafe.Pointer(p.model)),
		provider: cAddr(unsafe.Pointer(p.provider)), ortLibrary: cAddr(unsafe.Pointer(p.ort_library)),
		intraOpThreads: int32(p.intra_op_threads), interOpThreads: int32(p.inter_op_threads),
		concurrency: int32(p.concurrency), deviceID: int32(p.device_id),
	}
}

// readParams reads the caller's resshift_engine_params (NULL = the defaults
// of resshift_engine_params_init) by the size rule into a cEngineParams. It
// records the error and returns false when the size is unusable.
func (c *call) readParams(p *C.resshift_engine_params) (cEngineParams, bool) {
	b := paramsDefaults()
	if p != nil && !c.readSized(b, unsafe.Pointer(p), "params", "resshift_engine_params_init") {
		return cEngineParams{}, false
	}
	return paramsFromBytes(b), true
}

// cAddr is the address of a C pointer, for the plain Go copies (cOptions,
// cEngineParams).
func cAddr(p unsafe.Pointer) uintptr { return uintptr(p) }

// cPointer returns the C pointer whose address a plain Go copy holds (the
// inverse of cAddr; the memory is C's, never the Go heap's).
func cPointer(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

// goString is C.GoString of a C string held as an address; "" for 0.
func goString(a uintptr) string {
	if a == 0 {
		return ""
	}
	return C.GoString((*C.char)(cPointer(a)))
}
