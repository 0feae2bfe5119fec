package pipeline

import (
	"context"
	"math"
	"math/rand/v2"
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

// smooth returns a non-trivial planar RGB test image in [-1, 1].
func smooth(w, h int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	v := make([]float32, 3*w*h)
	for c := 0; c < 3; c++ {
		fx, fy, ph := 0.05+0.2*r.Float64(), 0.05+0.2*r.Float64(), 6*r.Float64()
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v[c*w*h+y*w+x] = float32(0.8*math.Sin(fx*float64(x)+ph)*math.Cos(fy*float64(y)) + 0.1*(r.Float64()-0.5))
			}
		}
	}
	return v
}

func maxDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

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
