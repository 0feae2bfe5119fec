package pipeline

import (
	"context"
	"github.com/resshift/resshift/internal/testimg"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/modelpack"
)

// testEngine loads one of the engine's test packs (core/testdata/models) on the CPU.
func testEngine(t testing.TB, pack string, mut ...func(*core.Config)) *core.Engine {
	t.Helper()
	cfg := core.DefaultConfig()
	cfg.Runtime.IntraOpThreads = 1
	cfg.Runtime.Concurrency = 2
	for _, m := range mut {
		m(&cfg)
	}
	p, err := modelpack.LoadDir(filepath.Join("..", "testdata", "models", pack))
	if err != nil {
		t.Fatal(err)
	}
	e, err := core.NewFromPack(cfg, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// defaultEngine loads the embedded default model on the CPU.
func defaultEngine(t testing.TB) *core.Engine {
	t.Helper()
	cfg := core.DefaultConfig()
	cfg.Runtime.IntraOpThreads = 1
	p, err := core.LoadPack("")
	if err != nil {
		t.Fatal(err)
	}
	e, err := core.NewFromPack(cfg, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// smooth and maxDiff are the shared test helpers (internal/testimg).
var (
	smooth  = testimg.Smooth
	maxDiff = testimg.MaxDiff
)

// upscale runs the engine on planar RGB with its default options (changed by mod).
func upscale(t testing.TB, e *core.Engine, img []float32, w, h int, mod func(*core.Options)) []float32 {
	t.Helper()
	o := e.Options()
	if mod != nil {
		mod(&o)
	}
	out, _, err := e.UpscaleRGB(context.Background(), img, w, h, o)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
