package ort

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"
)

// Value is a dense row-major tensor: Shape plus exactly one of F32 or I64, whose length is the product of
// Shape. Values passed to Run are read in place (no copy); do not modify them while Run is in progress.
type Value struct {
	Shape []int64
	F32   []float32
	I64   []int64
}

// Len returns the number of elements Shape describes (-1 when a dimension is < 1 or the product overflows).
func (v Value) Len() int {
	n := 1
	for _, d := range v.Shape {
		if d < 1 || d > math.MaxInt32 || n > math.MaxInt/int(d) {
			return -1
		}
		n *= int(d)
	}
	return n
}

func (v Value) typeName() string {
	switch {
	case v.F32 != nil && v.I64 == nil:
		return "float32"
	case v.I64 != nil && v.F32 == nil:
		return "int64"
	}
	return ""
}

// Session runs one ONNX graph. Run and RunInto are safe for concurrent use (ONNX Runtime's Run is
// thread-safe; concurrent runs share the session's intra-op thread pool). Close waits for runs in progress.
type Session struct {
	name      string
	provider  string
	inNames   []string
	outNames  []string
	inInfo    []TensorInfo // per input name, from the graph; nil when the graph could not be read
	outInfo   []TensorInfo
	log       *slog.Logger
	mu        sync.RWMutex
	s         *onnx.DynamicAdvancedSession
	closeOnce sync.Once
	bmu       sync.Mutex            // guards bindings
	bindings  map[*Binding]struct{} // open bindings, released by Close before the session
}

// NewSession creates a session for model (ONNX bytes) that feeds inputs and fetches outputs, by name and in
// that order, with dynamic shapes (any batch and size the graph accepts). opts.Name labels errors.
// For the cuda and tensorrt providers, a provider that cannot be used is a *ProviderError unless
// opts.AllowFallback, in which case a warning is logged and the session runs on the CPU (see Provider).
// log may be nil (slog.Default()).
func NewSession(model []byte, inputs, outputs []string, opts Config, log *slog.Logger) (*Session, error) {
	if log == nil {
		log = slog.Default()
	}
	name := opts.name()
	fail := func(err error) (*Session, error) { return nil, fmt.Errorf("ort: session %s: %w", name, err) }
	if ok, _ := Initialized(); !ok {
		return nil, errNotInit
	}
	if err := opts.Validate(); err != nil {
		return fail(err)
	}
	if len(model) == 0 {
		return fail(errors.New("empty model"))
	}
	if len(inputs) == 0 || len(outputs) == 0 {
		return fail(errors.New("need at least one input and one output name"))
	}
	for _, list := range [][]string{inputs, outputs} {
		for i, n := range list {
			if n == "" {
				return fail(errors.New("empty input or output name"))
			}
			if slices.Contains(list[:i], n) {
				return fail(fmt.Errorf("name %q given twice", n))
			}
		}
	}
	s := &Session{name: name, inNames: slices.Clone(inputs), outNames: slices.Clone(outputs), log: log}

	// Check the names against the graph before ONNX Runtime sees them (ORT would only complain at Run).
	if gin, gout, err := graphIO(model); err != nil {
		log.Debug("ort: cannot read graph inputs, skipping the checks before Run", "graph", name, "err", err)
	} else {
		var errs []error
		s.inInfo, errs = match("input", inputs, gin)
		for _, g := range gin {
			if !slices.Contains(inputs, g.Name) {
				errs = append(errs, fmt.Errorf("model input %s is not fed (inputs given: %s)", g, strings.Join(inputs, ", ")))
			}
		}
		var errs2 []error
		s.outInfo, errs2 = match("output", outputs, gout)
		errs = append(errs, errs2...)
		for _, o := range s.outInfo {
			if o.Type != "" && o.Type != "float32" {
				errs = append(errs, fmt.Errorf("output %q is %s; only float32 outputs are supported", o.Name, o.Type))
			}
		}
		if len(errs) > 0 {
			return fail(errors.Join(errs...))
		}
	}

	provider := opts.provider()
	sess, err := createSession(model, inputs, outputs, opts, provider, log)
	if err != nil && provider != ProviderCPU && opts.AllowFallback {
		log.Warn("ort: execution provider unavailable, falling back to CPU", "graph", name, "provider", provider, "err", err)
		provider = ProviderCPU
		sess, err = createSession(model, inputs, outputs, opts, provider, log)
	}
	if err != nil {
		var pe *ProviderError
		if errors.As(err, &pe) {
			return nil, err
		}
		return fail(err)
	}
	s.s, s.provider = sess, provider
	log.Debug("ort: session ready", "graph", name, "provider", provider, "intra_op_threads", opts.Threads())
	return s, nil
}

// match finds each wanted name in the graph's list.
func match(kind string, want []string, have []TensorInfo) ([]TensorInfo, []error) {
	var errs []error
	infos := make([]TensorInfo, len(want))
	var names []string
	for _, h := range have {
		names = append(names, h.Name)
	}
	for i, n := range want {
		j := slices.IndexFunc(have, func(t TensorInfo) bool { return t.Name == n })
		if j < 0 {
			errs = append(errs, fmt.Errorf("model has no %s %q (its %ss: %s)", kind, n, kind, strings.Join(names, ", ")))
			continue
		}
		infos[i] = have[j]
	}
	return infos, errs
}

func createSession(model []byte, inputs, outputs []string, opts Config, provider string, log *slog.Logger) (*onnx.DynamicAdvancedSession, error) {
	so, err := onnx.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	if n := opts.Threads(); n > 0 {
		if err := so.SetIntraOpNumThreads(n); err != nil {
			return nil, fmt.Errorf("intra_op_threads: %w", err)
		}
	}
	if opts.InterOpThreads > 0 {
		if err := so.SetInterOpNumThreads(opts.InterOpThreads); err != nil {
			return nil, fmt.Errorf("inter_op_threads: %w", err)
		}
	}
	if err := so.SetGraphOptimizationLevel(optLevels[opts.OptLevel]); err != nil {
		return nil, fmt.Errorf("opt_level: %w", err)
	}
	dev := map[string]string{"device_id": strconv.Itoa(opts.DeviceID)}
	switch provider {
	case ProviderCUDA:
		if err := appendCUDA(so, dev); err != nil {
			return nil, &ProviderError{Provider: provider, Err: err}
		}
	case ProviderTensorRT:
		to, err := onnx.NewTensorRTProviderOptions()
		if err != nil {
			return nil, &ProviderError{Provider: provider, Err: err}
		}
		defer to.Destroy()
		trt := map[string]string{"device_id": dev["device_id"]}
		if opts.TRTCacheDir != "" {
			if err := os.MkdirAll(opts.TRTCacheDir, 0o755); err != nil {
				return nil, fmt.Errorf("trt_cache_dir: %w", err)
			}
			trt["trt_engine_cache_enable"] = "1"
			trt["trt_engine_cache_path"] = opts.TRTCacheDir
			trt["trt_timing_cache_enable"] = "1"
			trt["trt_timing_cache_path"] = opts.TRTCacheDir
		}
		if err := to.Update(trt); err != nil {
			return nil, &ProviderError{Provider: provider, Err: err}
		}
		if err := so.AppendExecutionProviderTensorRT(to); err != nil {
			return nil, &ProviderError{Provider: provider, Err: err}
		}
		// CUDA takes the nodes TensorRT cannot run; without it they run on the CPU.
		if err := appendCUDA(so, dev); err != nil {
			log.Debug("ort: tensorrt without cuda for unsupported nodes", "err", err)
		}
	}
	sess, err := onnx.NewDynamicAdvancedSessionWithONNXData(model, inputs, outputs, so)
	if err != nil {
		if provider != ProviderCPU {
			return nil, &ProviderError{Provider: provider, Err: err}
		}
		return nil, err
	}
	return sess, nil
}

func appendCUDA(so *onnx.SessionOptions, dev map[string]string) error {
	co, err := onnx.NewCUDAProviderOptions()
	if err != nil {
		return err
	}
	defer co.Destroy()
	if err := co.Update(dev); err != nil {
		return err
	}
	return so.AppendExecutionProviderCUDA(co)
}

// Name returns the label given in Config.Name.
func (s *Session) Name() string { return s.name }

// Provider returns the execution provider in use: "cpu", "cuda" or "tensorrt".
func (s *Session) Provider() string { return s.provider }

// Inputs describes the session's inputs in feed order (types and shapes from the graph; -1 = dynamic).
// It is nil when the graph could not be read without ONNX Runtime.
func (s *Session) Inputs() []TensorInfo { return cloneInfos(s.inInfo) }

// Outputs describes the session's outputs in fetch order, like Inputs.
func (s *Session) Outputs() []TensorInfo { return cloneInfos(s.outInfo) }

func cloneInfos(in []TensorInfo) []TensorInfo {
	if in == nil {
		return nil
	}
	out := make([]TensorInfo, len(in))
	for i, t := range in {
		out[i] = TensorInfo{Name: t.Name, Type: t.Type, Shape: slices.Clone(t.Shape)}
	}
	return out
}

// Run feeds inputs (in the order of the names given to NewSession) and returns the outputs as freshly
// allocated float32 Values.
func (s *Session) Run(inputs []Value) ([]Value, error) {
	outs := make([]Value, len(s.outNames))
	if err := s.RunInto(inputs, outs); err != nil {
		return nil, err
	}
	return outs, nil
}

// checkValues checks inputs and outputs against the graph's names, element types and shapes, as RunInto and
// Bind take them: an output's F32 may be nil (filled in by RunInto) unless bound is set (bindings write in
// place); an output's I64 is never allowed. It returns "" when they fit, else what is wrong.
func (s *Session) checkValues(inputs, outputs []Value, bound bool) string {
	if len(inputs) != len(s.inNames) {
		return fmt.Sprintf("got %d inputs, want %d (%s)", len(inputs), len(s.inNames), strings.Join(s.inNames, ", "))
	}
	if len(outputs) != len(s.outNames) {
		return fmt.Sprintf("got %d outputs, want %d (%s)", len(outputs), len(s.outNames), strings.Join(s.outNames, ", "))
	}
	for i, v := range inputs {
		if err := check(v, s.info(s.inInfo, i), false); err != nil {
			return fmt.Sprintf("input %q: %v", s.inNames[i], err)
		}
	}
	for i, v := range outputs {
		switch {
		case bound && (v.F32 == nil || v.I64 != nil):
			return fmt.Sprintf("output %q: set F32 (bound outputs are written in place)", s.outNames[i])
		case v.I64 != nil:
			return fmt.Sprintf("output %q: outputs are float32; set F32 (or nothing)", s.outNames[i])
		case v.F32 == nil:
			continue
		}
		if err := check(v, s.info(s.outInfo, i), true); err != nil {
			return fmt.Sprintf("output %q: %v", s.outNames[i], err)
		}
	}
	return ""
}

// RunInto is Run with caller-owned outputs, for loops that must not allocate large tensors per call:
// an output with F32 set (and Shape matching its length and the graph's result) is written in place;
// an output with F32 nil is allocated and filled in (Shape and F32).
func (s *Session) RunInto(inputs, outputs []Value) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("ort: run %s: %s", s.name, fmt.Sprintf(format, args...))
	}
	if msg := s.checkValues(inputs, outputs, false); msg != "" {
		return fail("%s", msg)
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.s == nil {
		return fail("session closed")
	}
	var made []onnx.Value
	defer func() {
		for _, t := range made {
			if t != nil {
				t.Destroy()
			}
		}
	}()
	in := make([]onnx.Value, len(inputs))
	for i, v := range inputs {
		t, err := newTensor(v)
		if err != nil {
			return fail("input %q: %v", s.inNames[i], err)
		}
		in[i] = t
		made = append(made, t)
	}
	out := make([]onnx.Value, len(outputs))
	for i, v := range outputs {
		if v.F32 == nil {
			continue
		}
		t, err := newTensor(v)
		if err != nil {
			return fail("output %q: %v", s.outNames[i], err)
		}
		out[i] = t
		made = append(made, t)
	}
	err := s.s.Run(in, out)
	runtime.KeepAlive(inputs)
	runtime.KeepAlive(outputs)
	for i, v := range outputs {
		if v.F32 == nil && out[i] != nil {
			made = append(made, out[i]) // allocated by Run: destroy it (its Go data stays valid)
		}
	}
	if err != nil {
		return fail("%v", err)
	}
	for i := range outputs {
		if outputs[i].F32 != nil {
			continue
		}
		t, ok := out[i].(*onnx.Tensor[float32])
		if !ok {
			return fail("output %q: ONNX Runtime returned %T, want a float32 tensor", s.outNames[i], out[i])
		}
		outputs[i] = Value{Shape: slices.Clone([]int64(t.GetShape())), F32: t.GetData()}
	}
	return nil
}

func (s *Session) info(infos []TensorInfo, i int) *TensorInfo {
	if infos == nil {
		return nil
	}
	return &infos[i]
}

// check validates v against itself (one data slice, positive dims, length = product) and, when known, the
// graph's element type, rank and fixed dimensions.
func check(v Value, info *TensorInfo, output bool) error {
	typ := v.typeName()
	if typ == "" {
		return errors.New("set exactly one of F32 and I64")
	}
	if len(v.Shape) == 0 {
		return errors.New("empty shape")
	}
	n := v.Len()
	if n < 0 {
		return fmt.Errorf("shape %v: dimensions must be >= 1", v.Shape)
	}
	length := len(v.F32) + len(v.I64)
	if n != length {
		return fmt.Errorf("shape %v needs %d values, got %d", v.Shape, n, length)
	}
	if info == nil || info.Shape == nil {
		return nil
	}
	if info.Type != "" && info.Type != typ && !output {
		return fmt.Errorf("model wants %s, got %s", info.Type, typ)
	}
	if len(info.Shape) != len(v.Shape) {
		return fmt.Errorf("shape %v has rank %d, model wants rank %d (%s)", v.Shape, len(v.Shape), len(info.Shape), shapeString(info.Shape))
	}
	for d, want := range info.Shape {
		if want > 0 && v.Shape[d] != want {
			return fmt.Errorf("shape %v: dimension %d must be %d (model shape %s)", v.Shape, d, want, shapeString(info.Shape))
		}
	}
	return nil
}

func shapeString(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			parts[i] = "?"
		} else {
			parts[i] = strconv.FormatInt(d, 10)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func newTensor(v Value) (onnx.Value, error) {
	shape := onnx.NewShape(v.Shape...)
	if v.F32 != nil {
		return onnx.NewTensor(shape, v.F32)
	}
	return onnx.NewTensor(shape, v.I64)
}

// Close releases the session and its open bindings. It waits for runs in progress; later runs fail. Safe to
// call more than once.
func (s *Session) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.bmu.Lock()
		for b := range s.bindings {
			b.release()
		}
		s.bindings = nil
		s.bmu.Unlock()
		if s.s != nil {
			err = s.s.Destroy()
			s.s = nil
		}
	})
	if err != nil {
		return fmt.Errorf("ort: close %s: %w", s.name, err)
	}
	return nil
}
