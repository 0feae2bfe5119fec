package ort

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var denoiserIn = []string{"x_t", "t", "lq", "y"}

func TestVersion(t *testing.T) {
	if v := Version(); !strings.HasPrefix(v, "1.") {
		t.Fatalf("Version() = %q", v)
	}
	ok, lib := Initialized()
	if !ok || !filepath.IsAbs(lib) {
		t.Fatalf("Initialized() = %v, %q", ok, lib)
	}
}

func TestInitTwice(t *testing.T) {
	_, lib := Initialized()
	if err := Init(lib); err != nil {
		t.Fatalf("same path again: %v", err)
	}
	if err := Init(""); err != nil {
		t.Fatalf("empty path after Init: %v", err)
	}
	other := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	if err := os.WriteFile(other, []byte("not a library"), 0o644); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = Init(other) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "already initialised") {
			t.Fatalf("Init with another path: got %v", err)
		}
	}
}

func TestResolveLibrary(t *testing.T) {
	dir := t.TempDir()
	mk := func(p string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	name := libraryNames()[0]
	configured := mk(filepath.Join(dir, "cfg", name))
	envLib := mk(filepath.Join(dir, "env", name))
	exeLib := mk(filepath.Join(dir, "app", "lib", name)) // ../lib next to app/bin/resshift
	baked := mk(filepath.Join(dir, "baked", name))
	repo := filepath.Join(dir, "repo")
	mk(filepath.Join(repo, "go.mod"))
	repoLib := mk(filepath.Join(repo, filepath.FromSlash(repoLibrary)))
	wd := filepath.Join(repo, "core", "ort")
	if err := os.MkdirAll(wd, 0o755); err != nil {
		t.Fatal(err)
	}

	base := resolver{
		getenv:     func(string) string { return "" },
		executable: func() (string, error) { return filepath.Join(dir, "nowhere", "bin", "resshift"), nil },
		getwd:      func() (string, error) { return wd, nil },
	}
	with := func(f func(*resolver)) resolver { r := base; f(&r); return r }

	cases := []struct {
		name       string
		r          resolver
		configured string
		want       string
	}{
		{"configured file", base, configured, configured},
		{"configured dir", base, filepath.Dir(configured), configured},
		{"env", with(func(r *resolver) { r.getenv = func(string) string { return envLib } }), "", envLib},
		{"configured wins over env", with(func(r *resolver) { r.getenv = func(string) string { return envLib } }), configured, configured},
		{"next to executable", with(func(r *resolver) {
			r.executable = func() (string, error) { return filepath.Join(dir, "app", "bin", "resshift"), nil }
			r.baked = baked
		}), "", exeLib},
		{"baked", with(func(r *resolver) { r.baked = baked }), "", baked},
		{"module root", base, "", repoLib},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.r.resolve(tc.configured)
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}

	// explicit paths that do not hold the library are errors, not a fall-through
	if _, err := base.resolve(filepath.Join(dir, "missing.so")); err == nil || !strings.Contains(err.Error(), "missing.so") {
		t.Fatalf("missing configured path: %v", err)
	}
	r := with(func(r *resolver) { r.getenv = func(string) string { return filepath.Join(dir, "empty") } })
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	if _, err := r.resolve(""); err == nil || !strings.Contains(err.Error(), EnvLibrary) {
		t.Fatalf("env dir without library: %v", err)
	}

	// nothing anywhere: the error lists what was tried and how to fix it
	r = with(func(r *resolver) {
		r.getwd = func() (string, error) { return dir, nil }
		r.baked = filepath.Join(dir, "gone", name)
	})
	_, err := r.resolve("")
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{filepath.Join(dir, "nowhere", "bin", name), filepath.Join(dir, "nowhere", "lib", name),
		filepath.Join(dir, "gone", name), "make ort", EnvLibrary} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestInspect(t *testing.T) {
	for _, g := range []struct{ pack, file string }{
		{"pointwise-x4", "denoiser.onnx"}, {"conv-x4", "denoiser.onnx"},
		{"latent-x4", "encoder.onnx"}, {"latent-x4", "denoiser.onnx"}, {"latent-x4", "decoder.onnx"},
	} {
		model := readModel(t, g.pack, g.file)
		in, out, err := InspectIO(model)
		if err != nil {
			t.Fatal(err)
		}
		oin, oout, err := inspectWithORT(model)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, oin) || !reflect.DeepEqual(out, oout) {
			t.Errorf("%s/%s: graph reader %v %v, ORT %v %v", g.pack, g.file, in, out, oin, oout)
		}
	}
	in, out, err := Inspect(readModel(t, "latent-x4", "denoiser.onnx"))
	if err != nil || !reflect.DeepEqual(in, []string{"x_t", "t", "lq"}) || !reflect.DeepEqual(out, []string{"x0"}) {
		t.Fatalf("Inspect = %v %v %v", in, out, err)
	}
	if _, _, err := Inspect([]byte("definitely not onnx")); err == nil {
		t.Fatal("garbage: want an error")
	}
}

func newSession(t testing.TB, pack, file string, in, out []string, opts Config) *Session {
	t.Helper()
	if opts.Name == "" {
		opts.Name = file
	}
	if opts.IntraOpThreads == 0 {
		opts.IntraOpThreads = 1
	}
	s, err := NewSession(readModel(t, pack, file), in, out, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// denoiserFeeds builds pixel-space denoiser inputs for batch n and LR h×w.
func denoiserFeeds(n, h, w int, ts []int64) []Value {
	H, W := int64(4*h), int64(4*w)
	N := int64(n)
	return []Value{
		{Shape: []int64{N, 3, H, W}, F32: refInput(101, n*3*int(H*W), 1)},
		{Shape: []int64{N}, I64: ts},
		{Shape: []int64{N, 3, int64(h), int64(w)}, F32: refInput(102, n*3*h*w, 1)},
		{Shape: []int64{N, 3, H, W}, F32: refInput(103, n*3*int(H*W), 1)},
	}
}

// slice returns sample i of a batch as a batch of one.
func slice(v Value, i int) Value {
	per := v.Len() / int(v.Shape[0])
	out := Value{Shape: append([]int64{1}, v.Shape[1:]...)}
	if v.F32 != nil {
		out.F32 = v.F32[i*per : (i+1)*per]
	} else {
		out.I64 = v.I64[i*per : (i+1)*per]
	}
	return out
}

func TestDynamicBatch(t *testing.T) {
	s := newSession(t, "conv-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{})
	if s.Provider() != ProviderCPU || s.Name() != "denoiser.onnx" {
		t.Fatalf("provider %q name %q", s.Provider(), s.Name())
	}
	if got := s.Inputs()[0]; got.Name != "x_t" || got.Type != "float32" || !reflect.DeepEqual(got.Shape, []int64{-1, 3, -1, -1}) {
		t.Fatalf("Inputs()[0] = %v", got)
	}
	feeds := denoiserFeeds(3, 8, 16, []int64{3, 0, 2})
	outs, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{3, 3, 32, 64}; !reflect.DeepEqual(outs[0].Shape, want) || len(outs[0].F32) != 3*3*32*64 {
		t.Fatalf("output shape %v (%d values), want %v", outs[0].Shape, len(outs[0].F32), want)
	}
	// each sample of the batch of 3 equals the same sample run alone
	for i := 0; i < 3; i++ {
		one := make([]Value, len(feeds))
		for k := range feeds {
			one[k] = slice(feeds[k], i)
		}
		single, err := s.Run(one)
		if err != nil {
			t.Fatal(err)
		}
		ref := slice(outs[0], i).F32
		for k, v := range single[0].F32 {
			if d := v - ref[k]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("sample %d value %d: batch 1 gives %g, batch 3 gives %g", i, k, v, ref[k])
			}
		}
	}
	// another spatial size with the same session
	outs, err = s.Run(denoiserFeeds(1, 16, 8, []int64{1}))
	if err != nil || !reflect.DeepEqual(outs[0].Shape, []int64{1, 3, 64, 32}) {
		t.Fatalf("16x8: %v %v", outs, err)
	}
}

func TestRunInto(t *testing.T) {
	s := newSession(t, "pointwise-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{})
	feeds := denoiserFeeds(2, 4, 4, []int64{1, 3})
	want, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 2*3*16*16)
	outs := []Value{{Shape: []int64{2, 3, 16, 16}, F32: buf}}
	for range 3 {
		if err := s.RunInto(feeds, outs); err != nil {
			t.Fatal(err)
		}
	}
	if &outs[0].F32[0] != &buf[0] {
		t.Fatal("RunInto replaced the caller's buffer")
	}
	if !reflect.DeepEqual(buf, want[0].F32) {
		t.Fatal("RunInto and Run differ")
	}
	// a buffer of the wrong shape is an error, not a silent reallocation
	outs = []Value{{Shape: []int64{2, 3, 8, 32}, F32: buf}}
	if err := s.RunInto(feeds, outs); err == nil {
		t.Fatal("wrong output shape: want an error")
	} else {
		t.Log(err)
	}
}

func TestConcurrentRun(t *testing.T) {
	s := newSession(t, "conv-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{})
	feeds := denoiserFeeds(1, 8, 8, []int64{2})
	want, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				got, err := s.Run(feeds)
				if err != nil {
					errs <- err
					return
				}
				if !reflect.DeepEqual(got[0].F32, want[0].F32) {
					errs <- errors.New("concurrent run gave a different result")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestRunErrors(t *testing.T) {
	pw := newSession(t, "pointwise-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{Name: "denoiser"})
	lat := newSession(t, "latent-x4", "denoiser.onnx", []string{"x_t", "t", "lq"}, []string{"x0"}, Config{Name: "latent denoiser"})
	good := denoiserFeeds(1, 4, 4, []int64{0})
	mod := func(f func(v []Value)) []Value {
		c := make([]Value, len(good))
		copy(c, good)
		f(c)
		return c
	}
	cases := []struct {
		name string
		s    *Session
		in   []Value
		want string
	}{
		{"count", pw, good[:3], "ort: run denoiser: got 3 inputs, want 4 (x_t, t, lq, y)"},
		{"length", pw, mod(func(v []Value) { v[0].Shape = []int64{1, 3, 16, 15} }), `ort: run denoiser: input "x_t": shape [1 3 16 15] needs 720 values, got 768`},
		{"both types", pw, mod(func(v []Value) { v[1].F32 = []float32{0} }), `input "t": set exactly one of F32 and I64`},
		{"wrong type", pw, mod(func(v []Value) { v[1] = Value{Shape: []int64{1}, F32: []float32{0}} }), `input "t": model wants int64, got float32`},
		{"rank", pw, mod(func(v []Value) { v[0].Shape = []int64{3, 16, 16} }), `input "x_t": shape [3 16 16] has rank 3, model wants rank 4 ([? 3 ? ?])`},
		{"channels", pw, mod(func(v []Value) { v[0] = Value{Shape: []int64{1, 4, 16, 12}, F32: v[0].F32} }), `input "x_t": shape [1 4 16 12]: dimension 1 must be 3`},
		{"zero dim", pw, mod(func(v []Value) { v[0] = Value{Shape: []int64{1, 3, 0, 16}, F32: []float32{}} }), `dimensions must be >= 1`},
		{"inconsistent sizes (ORT)", pw, mod(func(v []Value) { v[3] = Value{Shape: []int64{1, 3, 8, 8}, F32: make([]float32, 192)} }), "ort: run denoiser: "},
		{"fixed batch", lat, []Value{
			{Shape: []int64{1, 3, 32, 32}, F32: make([]float32, 3072)}, {Shape: []int64{1}, I64: []int64{0}},
			{Shape: []int64{1, 3, 32, 32}, F32: make([]float32, 3072)}}, `ort: run latent denoiser: input "x_t": shape [1 3 32 32]: dimension 0 must be 2 (model shape [2 3 32 32])`},
		{"timestep out of range (ORT)", pw, mod(func(v []Value) { v[1] = Value{Shape: []int64{1}, I64: []int64{7}} }), "ort: run denoiser: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.s.Run(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant it to contain %q", err, tc.want)
			}
			t.Log(err)
		})
	}
	if _, err := pw.Run(good); err != nil {
		t.Fatalf("the session still works after errors: %v", err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Run(good); err == nil || !strings.Contains(err.Error(), "session closed") {
		t.Fatalf("after Close: %v", err)
	}
}

func TestNewSessionErrors(t *testing.T) {
	model := readModel(t, "pointwise-x4", "denoiser.onnx")
	cases := []struct {
		name    string
		model   []byte
		in, out []string
		opts    Config
		want    []string
	}{
		{"wrong input name", model, []string{"x_t", "t", "lowres", "y"}, []string{"x0"}, Config{Name: "denoiser"},
			[]string{`ort: session denoiser: model has no input "lowres" (its inputs: x_t, t, lq, y)`, `model input lq float32[-1 3 -1 -1] is not fed`}},
		{"wrong output name", model, denoiserIn, []string{"out"}, Config{}, []string{`ort: session graph: model has no output "out"`}},
		{"duplicate", model, []string{"x_t", "x_t", "lq", "y"}, []string{"x0"}, Config{}, []string{`name "x_t" given twice`}},
		{"options", model, denoiserIn, []string{"x0"}, Config{Provider: "metal", OptLevel: "max", IntraOpThreads: -1},
			[]string{`provider: must be`, `opt_level: must be`, `intra_op_threads: must be`}},
		{"not onnx", []byte("garbage"), []string{"a"}, []string{"b"}, Config{}, []string{"ort: session graph: "}},
		{"empty", nil, []string{"a"}, []string{"b"}, Config{}, []string{"empty model"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSession(tc.model, tc.in, tc.out, tc.opts, nil)
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestProviderUnavailable(t *testing.T) {
	model := readModel(t, "pointwise-x4", "denoiser.onnx")
	for _, p := range []string{ProviderCUDA, ProviderTensorRT} {
		t.Run(p, func(t *testing.T) {
			s, err := NewSession(model, denoiserIn, []string{"x0"}, Config{Provider: p, Name: "denoiser"}, nil)
			if err == nil {
				s.Close()
				t.Skipf("%s is available here: nothing to test", p)
			}
			var pe *ProviderError
			label := map[string]string{ProviderCUDA: "CUDA", ProviderTensorRT: "TensorRT"}[p]
			if !errors.As(err, &pe) || pe.Provider != p || !strings.Contains(err.Error(), "ort: "+label+" execution provider unavailable: ") ||
				!strings.Contains(err.Error(), "README, GPU section") {
				t.Fatalf("got %v", err)
			}
			t.Log(err)
			// The message names what is missing: the provider libraries beside the core, or (with them there)
			// a CUDA library and LD_LIBRARY_PATH. RESSHIFT_TEST_WANT_HINT (set by TestProviderHints) pins it.
			want := os.Getenv("RESSHIFT_TEST_WANT_HINT")
			if want == "" {
				_, lib := Initialized()
				want = "is not beside the core library in " + filepath.Dir(lib) + ": run `make ort-gpu`"
				if isFile(filepath.Join(filepath.Dir(lib), "libonnxruntime_providers_"+p+".so")) {
					want = "was not found while loading libonnxruntime_providers_" + p + ".so"
				}
			}
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q\ndoes not contain %q", err, want)
			}

			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			s, err = NewSession(model, denoiserIn, []string{"x0"}, Config{Provider: p, AllowFallback: true, Name: "denoiser", IntraOpThreads: 1}, log)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Provider() != ProviderCPU {
				t.Fatalf("Provider() = %q after fallback", s.Provider())
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "falling back to CPU") {
				t.Fatalf("no warning logged: %q", logs.String())
			}
			if _, err := s.Run(denoiserFeeds(1, 4, 4, []int64{0})); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
	// The zero value means the default for every numeric field, decided once here.
	for _, c := range []struct {
		cfg           Config
		threads, runs int
	}{
		{Config{}, runtime.NumCPU(), 1},
		{Config{IntraOpThreads: 3, Concurrency: 5}, 3, 5},
	} {
		if c.cfg.Threads() != c.threads || c.cfg.Runs() != c.runs {
			t.Errorf("%+v: Threads %d Runs %d, want %d %d", c.cfg, c.cfg.Threads(), c.cfg.Runs(), c.threads, c.runs)
		}
	}
	err := Config{IntraOpThreads: -1, InterOpThreads: 2000, Provider: "rocm", DeviceID: -1, OptLevel: "max", Concurrency: -1}.Validate()
	for _, key := range []string{"intra_op_threads: ", "inter_op_threads: ", "provider: ", "device_id: ", "opt_level: ", "concurrency: "} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
	for _, lvl := range []string{"all", "extended", "basic", "disable"} {
		s := newSession(t, "pointwise-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{OptLevel: lvl, InterOpThreads: 1})
		if _, err := s.Run(denoiserFeeds(1, 4, 4, []int64{1})); err != nil {
			t.Fatalf("opt_level %s: %v", lvl, err)
		}
	}
}

// BenchmarkConvRun measures one denoiser call on a 64x64 LR tile (256x256 HR), with reused outputs.
func BenchmarkConvRun(b *testing.B) {
	s := newSession(b, "conv-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{})
	feeds := denoiserFeeds(1, 64, 64, []int64{2})
	outs := []Value{{Shape: []int64{1, 3, 256, 256}, F32: make([]float32, 3*256*256)}}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.RunInto(feeds, outs); err != nil {
			b.Fatal(err)
		}
	}
	_ = fmt.Sprint()
}
