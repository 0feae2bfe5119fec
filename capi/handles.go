package main

/*
#include <stdlib.h>
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"unsafe"

	"github.com/resshift/resshift/core"
)

// An entry is one live engine in the handle table. C sees only its id,
// cast to resshift_engine*; ids are never reused, so a freed or foreign
// handle is detected instead of dereferenced.
type entry struct {
	id   uintptr
	eng  *core.Engine
	info C.resshift_info // strings allocated with C.CString, freed by destroy
	strs []*C.char

	refs int  // calls in flight; guarded by tableMu
	dead bool // resshift_engine_free was called; guarded by tableMu

	// errs holds the last message per calling thread (rs_thread_token),
	// C-allocated so that resshift_engine_last_error can return it. The
	// messages of threads that have exited are freed at the next call
	// (dropDeadThreads), so the table holds at most one message per live
	// thread (plus those of threads that exited since the last call). A live
	// thread's message is never freed by another thread: it stays valid
	// until that thread's next call on the engine, as documented.
	errMu sync.Mutex
	errs  map[uint64]*C.char
}

const (
	handleBase = uintptr(0x52530000) // "RS"
	handleStep = 16
)

var (
	tableMu sync.Mutex
	table   = map[uintptr]*entry{}
	handles uintptr // ids handed out so far
)

// register adds a new engine to the table and returns its entry.
func register(eng *core.Engine) *entry {
	e := &entry{eng: eng, errs: map[uint64]*C.char{}}
	e.fillInfo()
	tableMu.Lock()
	handles++
	e.id = handleBase + handles*handleStep
	table[e.id] = e
	tableMu.Unlock()
	return e
}

// acquire returns the live entry for h with a reference held, or nil.
func acquire(h uintptr) *entry {
	tableMu.Lock()
	defer tableMu.Unlock()
	e := table[h]
	if e != nil {
		e.refs++
	}
	return e
}

// release drops a reference; the last reference of a freed engine destroys it.
func (e *entry) release() {
	tableMu.Lock()
	e.refs--
	last := e.dead && e.refs == 0
	tableMu.Unlock()
	if last {
		e.destroy()
	}
}

// unregister removes h from the table (later calls fail) and destroys the
// engine now or, when calls are in flight, when the last one returns.
func unregister(h uintptr) {
	tableMu.Lock()
	e := table[h]
	if e == nil {
		tableMu.Unlock()
		return
	}
	delete(table, h)
	e.dead = true
	last := e.refs == 0
	tableMu.Unlock()
	if last {
		e.destroy()
	}
}

func (e *entry) destroy() {
	if err := e.eng.Close(); err != nil {
		slog.Warn("resshift: closing engine", "err", err)
	}
	for _, s := range e.strs {
		C.free(unsafe.Pointer(s))
	}
	e.strs = nil
	e.errMu.Lock()
	for k, s := range e.errs {
		C.free(unsafe.Pointer(s))
		delete(e.errs, k)
	}
	e.errMu.Unlock()
}

// cstr returns a C copy of s owned by the entry.
func (e *entry) cstr(s string) *C.char {
	p := C.CString(s)
	e.strs = append(e.strs, p)
	return p
}

func (e *entry) fillInfo() {
	inf := e.eng.Info()
	o := e.eng.Options()
	fixed := 0
	if inf.FixedTile {
		fixed = 1
	}
	e.info = C.resshift_info{
		size:          C.size_t(unsafe.Sizeof(C.resshift_info{})),
		scale:         C.int32_t(inf.Scale),
		steps:         C.int32_t(inf.Steps),
		tile:          C.int32_t(o.Tile),
		overlap:       C.int32_t(o.Overlap),
		batch:         C.int32_t(o.Batch),
		multiple:      C.int32_t(inf.Multiple),
		max_batch:     C.int32_t(inf.MaxBatch),
		fixed_tile:    C.int32_t(fixed),
		seed:          C.uint64_t(o.Seed),
		sampler:       e.cstr(o.Sampler.String()),
		model:         e.cstr(inf.Model),
		model_version: e.cstr(inf.Version),
		license:       e.cstr(inf.License),
		space:         e.cstr(inf.Space),
		provider:      e.cstr(inf.Provider),
		ort_version:   e.cstr(inf.ORTVersion),
		source:        e.cstr(inf.Source),
	}
}

// A call is one invocation of an export: it holds the engine reference and
// the outcome that exit turns into the status and the thread's message.
type call struct {
	op   string // public function name, prefixed to messages
	h    uintptr
	e    *entry // nil when the call has no live engine
	code C.int
	msg  string
}

// enter starts a call on engine handle h (0 for calls without an engine).
func enter(op string, h C.uintptr_t) *call {
	c := &call{op: op, h: uintptr(h)}
	if h != 0 {
		c.e = acquire(uintptr(h))
	}
	return c
}

// engine returns the call's engine, or records the error for a NULL or dead handle.
func (c *call) engine() (*core.Engine, bool) {
	if c.e != nil {
		return c.e.eng, true
	}
	if c.h == 0 {
		c.fail(stInvalid, "engine is NULL")
	} else {
		c.fail(stInvalid, "engine %#x is not a live engine (already freed, or not made by resshift_engine_new)", c.h)
	}
	return nil, false
}

// fail records an error and returns its code.
func (c *call) fail(code C.int, format string, args ...any) C.int {
	c.code, c.msg = code, c.op+": "+fmt.Sprintf(format, args...)
	return code
}

// err records an engine error.
func (c *call) err(err error) C.int {
	return c.fail(classify(err), "%v", err)
}

// exit is deferred by every export: it recovers a panic into
// RESSHIFT_ERR_INTERNAL, stores the status in *st, records the message for
// the calling thread and releases the engine reference.
func (c *call) exit(st *C.int) {
	if r := recover(); r != nil {
		slog.Error("resshift: internal panic recovered", "op", c.op, "panic", r, "stack", string(debug.Stack()))
		c.fail(stInternal, "internal error (panic: %v); please report this bug", r)
	}
	*st = c.code
	c.record()
	if c.e != nil {
		c.e.release()
	}
}

// record stores the call's message ("" on success) as the calling thread's
// last message: per engine, or in the thread's slot for calls without one.
func (c *call) record() {
	var msg *C.char
	if c.code != stOK {
		msg = C.CString(c.msg)
	}
	if c.e == nil {
		C.rs_set_global_error(msg)
		return
	}
	dropDeadThreads()
	c.e.setThreadError(uint64(C.rs_thread_token()), msg)
}

// setThreadError makes msg (C-allocated, owned from now on; nil clears)
// thread tok's message on e, freeing the thread's previous one.
func (e *entry) setThreadError(tok uint64, msg *C.char) {
	e.errMu.Lock()
	old := e.errs[tok]
	if msg != nil {
		e.errs[tok] = msg
	} else {
		delete(e.errs, tok)
	}
	e.errMu.Unlock()
	if old != nil {
		C.free(unsafe.Pointer(old))
	}
}

// dropDeadThreads frees the messages of threads that have exited (their
// tokens are queued by the C side's thread-exit destructor), on every live
// engine.
func dropDeadThreads() {
	var buf [256]C.uint64_t
	for {
		n := int(C.rs_take_dead_tokens(&buf[0], C.int(len(buf))))
		if n == 0 {
			return
		}
		tableMu.Lock()
		for _, e := range table {
			var free []*C.char
			e.errMu.Lock()
			for _, tok := range buf[:n] {
				if s, ok := e.errs[uint64(tok)]; ok {
					free = append(free, s)
					delete(e.errs, uint64(tok))
				}
			}
			e.errMu.Unlock()
			for _, p := range free {
				C.free(unsafe.Pointer(p))
			}
		}
		tableMu.Unlock()
	}
}

//export rsgo_last_error
func rsgo_last_error(h C.uintptr_t, msg **C.char) (live C.int) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("resshift: internal panic recovered", "op", "resshift_engine_last_error", "panic", r)
			live = 0
		}
	}()
	// tableMu is held while reading so that the entry cannot be destroyed
	// meanwhile (destroy runs only after removal from the table).
	tableMu.Lock()
	defer tableMu.Unlock()
	e := table[uintptr(h)]
	if e == nil {
		return 0
	}
	tok := uint64(C.rs_thread_token())
	e.errMu.Lock()
	*msg = e.errs[tok]
	e.errMu.Unlock()
	return 1
}

//export rsgo_engine_free
func rsgo_engine_free(h C.uintptr_t) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("resshift: internal panic recovered", "op", "resshift_engine_free", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	unregister(uintptr(h))
}
