package ort

import (
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestBinding(t *testing.T) {
	s := newSession(t, "conv-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{})
	feeds := denoiserFeeds(2, 8, 12, []int64{3, 1})
	out := make([]float32, 2*3*32*48)
	b, err := s.Bind(feeds, []Value{{Shape: []int64{2, 3, 32, 48}, F32: out}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Runs see the buffers' current contents: change the inputs in place between runs.
	for run, ts := range [][]int64{{3, 1}, {0, 2}, {3, 1}} {
		copy(feeds[1].I64, ts)
		for i := range feeds[0].F32 {
			feeds[0].F32[i] = float32(run+1) * 0.01 * float32(i%17-8)
		}
		want, err := s.Run(feeds)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Run(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out, want[0].F32) {
			t.Fatalf("run %d: bound output differs from Run", run)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Run(); err == nil || !strings.Contains(err.Error(), "binding closed") {
		t.Fatalf("Run after Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

func TestBindingConcurrent(t *testing.T) {
	// One binding per goroutine on one session: each gets its own inputs' result.
	s := newSession(t, "conv-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{})
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			feeds := denoiserFeeds(1, 8, 8, []int64{int64(g % 4)})
			for i := range feeds[0].F32 {
				feeds[0].F32[i] += float32(g)
			}
			want, err := s.Run(feeds)
			if err != nil {
				errs <- err.Error()
				return
			}
			out := make([]float32, len(want[0].F32))
			b, err := s.Bind(feeds, []Value{{Shape: want[0].Shape, F32: out}})
			if err != nil {
				errs <- err.Error()
				return
			}
			defer b.Close()
			for range 5 {
				if err := b.Run(); err != nil {
					errs <- err.Error()
					return
				}
				if !reflect.DeepEqual(out, want[0].F32) {
					errs <- "concurrent bound run gave a different result"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestBindErrors(t *testing.T) {
	s := newSession(t, "pointwise-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{Name: "denoiser"})
	feeds := denoiserFeeds(1, 4, 4, []int64{0})
	good := []Value{{Shape: []int64{1, 3, 16, 16}, F32: make([]float32, 3*16*16)}}
	cases := []struct {
		name    string
		in, out []Value
		want    string
	}{
		{"too few inputs", feeds[:3], good, "ort: bind denoiser: got 3 inputs, want 4"},
		{"no outputs", feeds, nil, "ort: bind denoiser: got 0 outputs, want 1"},
		{"output without buffer", feeds, []Value{{Shape: []int64{1, 3, 16, 16}}}, `output "x0": set F32`},
		{"output length", feeds, []Value{{Shape: []int64{1, 3, 16, 16}, F32: make([]float32, 7)}}, `output "x0": shape [1 3 16 16] needs 768 values, got 7`},
		{"input type", append(append([]Value(nil), feeds[:1]...), Value{Shape: []int64{1}, F32: []float32{0}}, feeds[2], feeds[3]), good, `input "t": model wants int64, got float32`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := s.Bind(tc.in, tc.out)
			if err == nil {
				b.Close()
				t.Fatalf("want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q\ndoes not contain %q", err, tc.want)
			}
		})
	}
	closed := newSession(t, "pointwise-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{Name: "closed"})
	closed.Close()
	if _, err := closed.Bind(feeds, good); err == nil || !strings.Contains(err.Error(), "session closed") {
		t.Fatalf("Bind on a closed session: %v", err)
	}
}

// Closing the session releases its open bindings: their Run fails cleanly and Close is a no-op.
func TestBindingSessionClosed(t *testing.T) {
	s := newSession(t, "pointwise-x4", "denoiser.onnx", denoiserIn, []string{"x0"}, Config{Name: "denoiser"})
	feeds := denoiserFeeds(1, 4, 4, []int64{0})
	b, err := s.Bind(feeds, []Value{{Shape: []int64{1, 3, 16, 16}, F32: make([]float32, 3*16*16)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Run(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Run(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Run after the session closed: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}
