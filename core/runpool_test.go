package core

import (
	"context"
	"strings"
	"testing"

	"github.com/resshift/resshift/vocab"
)

// Calls with a tile shape seen before reuse its run (buffers and ONNX Runtime bindings); the pool keeps at most
// idleShapes shapes and releases everything on Close.
func TestRunPoolReuse(t *testing.T) {
	e := testEngine(t, "conv-x4")
	img := smooth(48, 40, 31)
	first := upscale(t, e, img, 48, 40, nil)
	if n := e.runs.idleRuns(); n != 1 {
		t.Fatalf("%d idle runs after one call, want 1", n)
	}
	key := runKey{n: 1, tw: 48, th: 40, kind: vocab.Stochastic} // the default config's sampler
	r := e.runs.get(key)
	if r == nil {
		t.Fatalf("no idle run for %+v", key)
	}
	e.runs.put(r)
	again := upscale(t, e, img, 48, 40, nil)
	if maxDiff(first, again) != 0 {
		t.Fatal("a reused run gave a different result")
	}
	if r2 := e.runs.get(key); r2 != r {
		t.Fatal("the second call did not reuse the idle run")
	} else {
		e.runs.put(r2)
	}
	// three more shapes: only idleShapes shapes stay
	for _, sz := range [][2]int{{16, 16}, {24, 16}, {32, 24}} {
		upscale(t, e, smooth(sz[0], sz[1], 32), sz[0], sz[1], nil)
	}
	if n := e.runs.idleRuns(); n != idleShapes {
		t.Fatalf("%d idle runs after 4 shapes, want %d", n, idleShapes)
	}
	if e.runs.get(key) != nil {
		t.Fatal("the least recently used shape was kept")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if n := e.runs.idleRuns(); n != 0 {
		t.Fatalf("%d idle runs after Close", n)
	}
	if _, _, err := e.UpscaleRGB(context.Background(), img, 48, 40, e.Options()); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("upscale after Close: %v", err)
	}
}
