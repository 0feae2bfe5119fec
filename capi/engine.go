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

//export rsgo_engine_new
func rsgo_engine_new(p *C.resshift_engine_params, out *C.uintptr_t) (st C.int) {
	c := enter("resshift_engine_new", 0)
	defer c.exit(&st)
	if out == nil {
		return c.fail(stInvalid, "out is NULL")
	}
	params, ok := c.readParams(p)
	if !ok {
		return c.code
	}
	cfg, err := core.LoadConfig(goString(params.configPath))
	if err != nil {
		return c.fail(stInvalid, "%v", err)
	}
	if params.model != 0 {
		cfg.Model = goString(params.model)
	}
	if params.provider != 0 {
		cfg.Runtime.Provider = goString(params.provider)
	}
	if params.ortLibrary != 0 {
		cfg.Runtime.ORTLibrary = goString(params.ortLibrary)
	}
	if !c.checkParams(params, &cfg.Runtime) {
		return c.code
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
