package main

/*
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/ort"
)

// maxStructGrowth bounds how far past our sizeof a caller's struct size may
// go: a larger size is treated as garbage (an uninitialised struct), not as
// a newer header.
const maxStructGrowth = 1024

// readSized copies a caller's size-prefixed struct (resshift_options,
// resshift_engine_params) into dst, which holds our defaults: members past
// the caller's size keep them; trailing members from a newer header must be
// zero. It records the error and returns false when the size is unusable.
func (c *call) readSized(dst, src unsafe.Pointer, ours uintptr, name, initFn string) bool {
	theirs := uintptr(*(*C.size_t)(src))
	switch {
	case theirs < unsafe.Sizeof(C.size_t(0)):
		c.fail(stInvalid, "%s.size is %d: initialise the struct with %s", name, theirs, initFn)
		return false
	case theirs > ours+maxStructGrowth:
		c.fail(stInvalid, "%s.size is %d, implausibly larger than this library's %d: initialise the struct with %s", name, theirs, ours, initFn)
		return false
	}
	n := min(theirs, ours)
	copy(unsafe.Slice((*byte)(dst), n), unsafe.Slice((*byte)(src), n))
	if theirs > ours {
		for i, b := range unsafe.Slice((*byte)(unsafe.Add(src, ours)), theirs-ours) {
			if b != 0 {
				c.fail(stUnsupported, "%s has members this library (version %s) does not know set (non-zero byte at offset %d of %d): the application was built with a newer resshift.h",
					name, C.GoString(C.resshift_version()), int(ours)+i, theirs)
				return false
			}
		}
	}
	*(*C.size_t)(dst) = C.size_t(ours)
	return true
}

//export rsgo_engine_new
func rsgo_engine_new(p *C.resshift_engine_params, out *C.uintptr_t) (st C.int) {
	c := enter("resshift_engine_new", 0)
	defer c.exit(&st)
	if out == nil {
		return c.fail(stInvalid, "out is NULL")
	}
	var params C.resshift_engine_params
	C.resshift_engine_params_init(&params)
	if p != nil && !c.readSized(unsafe.Pointer(&params), unsafe.Pointer(p), unsafe.Sizeof(params), "params", "resshift_engine_params_init") {
		return c.code
	}
	path := ""
	if params.config_path != nil {
		path = C.GoString(params.config_path)
	}
	cfg, err := core.LoadConfig(path)
	if err != nil {
		return c.fail(stInvalid, "%v", err)
	}
	if params.model != nil {
		cfg.Model = C.GoString(params.model)
	}
	if params.provider != nil {
		cfg.Runtime.Provider = C.GoString(params.provider)
	}
	if params.ort_library != nil {
		cfg.Runtime.ORTLibrary = C.GoString(params.ort_library)
	}
	for _, f := range []struct {
		name string
		v    C.int32_t
		dst  *int
		min  int
	}{
		{"intra_op_threads", params.intra_op_threads, &cfg.Runtime.IntraOpThreads, 0},
		{"inter_op_threads", params.inter_op_threads, &cfg.Runtime.InterOpThreads, 0},
		{"concurrency", params.concurrency, &cfg.Runtime.Concurrency, 1},
		{"device_id", params.device_id, &cfg.Runtime.DeviceID, 0},
	} {
		if f.v == C.RESSHIFT_DEFAULT {
			continue
		}
		if int(f.v) < f.min {
			return c.fail(stInvalid, "params.%s: must be >= %d or RESSHIFT_DEFAULT (-1), got %d", f.name, f.min, f.v)
		}
		*f.dst = int(f.v)
	}
	if cfg.Runtime.ORTLibrary == "" && os.Getenv(ort.EnvLibrary) == "" {
		if ok, _ := ort.Initialized(); !ok {
			cfg.Runtime.ORTLibrary = ortBesideLibrary()
		}
	}
	eng, err := core.New(cfg, slog.Default())
	if err != nil {
		return c.fail(classifySetup(err), "%v", err)
	}
	e := register(eng)
	_, lib := ort.Initialized()
	slog.Debug("resshift: engine created", "handle", fmt.Sprintf("%#x", e.id), "model", eng.Info().Model,
		"provider", eng.Info().Provider, "ort_library", lib)
	*out = C.uintptr_t(e.id)
	return stOK
}

// ortBesideLibrary returns libonnxruntime.so.1 found next to libresshift.so
// (or in a resshift/ folder beside it, where `make install` puts it), or "".
func ortBesideLibrary() string {
	self := C.rs_self_path()
	if self == nil {
		return ""
	}
	dir := filepath.Dir(C.GoString(self))
	for _, p := range []string{filepath.Join(dir, "libonnxruntime.so.1"), filepath.Join(dir, "resshift", "libonnxruntime.so.1")} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

//export rsgo_engine_info
func rsgo_engine_info(h C.uintptr_t, info *C.resshift_info) (st C.int) {
	c := enter("resshift_engine_info", h)
	defer c.exit(&st)
	if _, ok := c.engine(); !ok {
		return c.code
	}
	if info == nil {
		return c.fail(stInvalid, "info is NULL")
	}
	head := unsafe.Sizeof(C.size_t(0))
	theirs := uintptr(info.size)
	if theirs <= head || theirs > unsafe.Sizeof(*info)+maxStructGrowth {
		return c.fail(stInvalid, "info->size is %d: set it to sizeof(resshift_info)", theirs)
	}
	n := min(theirs, unsafe.Sizeof(*info))
	src := unsafe.Slice((*byte)(unsafe.Pointer(&c.e.info)), n)
	dst := unsafe.Slice((*byte)(unsafe.Pointer(info)), n)
	copy(dst[head:], src[head:])
	return stOK
}
