package ort

import (
	"fmt"
	"runtime"

	onnx "github.com/yalue/onnxruntime_go"
)

// Binding is a session's inputs and outputs bound once to caller-owned Go buffers (an ONNX Runtime I/O
// binding over tensors created once): Run then executes the graph with no per-call tensor creation. The
// caller changes the input buffers' contents between runs and reads the outputs after each; the buffers
// (and their shapes) are fixed for the binding's life, so create one Binding per shape.
//
// A Binding is not safe for concurrent use (its buffers are shared state): use one per goroutine. The
// session may run other calls and bindings concurrently. Closing the session releases its open bindings
// (their Run then fails); Close on such a binding is a no-op.
type Binding struct {
	s       *Session
	io      *onnx.IoBinding
	tensors []onnx.Value
	keep    []Value // the Go buffers the tensors point into
}

// Bind checks inputs and outputs like RunInto (every output must have F32 set: bindings write in place) and
// creates the tensors and the I/O binding. The Values' slices must stay unchanged in length and alive (they are
// referenced, not copied) until Close.
func (s *Session) Bind(inputs, outputs []Value) (*Binding, error) {
	fail := func(format string, args ...any) (*Binding, error) {
		return nil, fmt.Errorf("ort: bind %s: %s", s.name, fmt.Sprintf(format, args...))
	}
	if msg := s.checkValues(inputs, outputs, true); msg != "" {
		return fail("%s", msg)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.s == nil {
		return fail("session closed")
	}
	b := &Binding{s: s, keep: append(append([]Value(nil), inputs...), outputs...)}
	ok := false
	defer func() {
		if !ok {
			b.release()
		}
	}()
	io, err := s.s.CreateIoBinding()
	if err != nil {
		return fail("%v", err)
	}
	b.io = io
	for i, v := range b.keep {
		t, err := newTensor(v)
		if err != nil {
			return fail("%s: %v", b.label(i), err)
		}
		b.tensors = append(b.tensors, t)
		if i < len(inputs) {
			err = io.BindInput(s.inNames[i], t)
		} else {
			err = io.BindOutput(s.outNames[i-len(inputs)], t)
		}
		if err != nil {
			return fail("%s: %v", b.label(i), err)
		}
	}
	s.bmu.Lock()
	if s.bindings == nil {
		s.bindings = map[*Binding]struct{}{}
	}
	s.bindings[b] = struct{}{}
	s.bmu.Unlock()
	ok = true
	return b, nil
}

func (b *Binding) label(i int) string {
	if n := len(b.s.inNames); i >= n {
		return fmt.Sprintf("output %q", b.s.outNames[i-n])
	}
	return fmt.Sprintf("input %q", b.s.inNames[i])
}

// Run executes the graph on the bound buffers; the outputs are written in place.
func (b *Binding) Run() error {
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	if b.io == nil {
		return fmt.Errorf("ort: run %s: binding closed", b.s.name)
	}
	if b.s.s == nil {
		return fmt.Errorf("ort: run %s: session closed", b.s.name)
	}
	err := b.s.s.RunWithBinding(b.io)
	runtime.KeepAlive(b.keep)
	if err != nil {
		return fmt.Errorf("ort: run %s: %w", b.s.name, err)
	}
	return nil
}

// Close releases the tensors and the binding; later Runs fail. Safe to call more than once.
func (b *Binding) Close() error {
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	b.s.bmu.Lock()
	defer b.s.bmu.Unlock()
	if _, open := b.s.bindings[b]; open {
		delete(b.s.bindings, b)
		b.release()
	}
	return nil
}

// release frees what Bind made (onnxruntime_go's Destroy methods always return nil).
func (b *Binding) release() {
	if b.io != nil {
		b.io.Destroy()
		b.io = nil
	}
	for _, t := range b.tensors {
		t.Destroy()
	}
	b.tensors = nil
}
