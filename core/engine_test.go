package core

import (
	"context"
	"errors"
	"github.com/resshift/resshift/internal/testimg"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/core/resample"
	"github.com/resshift/resshift/vocab"
)

func testEngine(t testing.TB, pack string, mut ...func(*Config)) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Runtime.IntraOpThreads = 1
	cfg.Runtime.Concurrency = 2
	for _, m := range mut {
		m(&cfg)
	}
	p, err := modelpack.LoadDir(filepath.Join("testdata", "models", pack))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewFromPack(cfg, p, nil)
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

func upscale(t testing.TB, e *Engine, img []float32, w, h int, mod func(*Options)) []float32 {
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

// The oracle network returns the y it is given, so every sampler must return exactly
// clamp(bicubic(image)) whatever the tiling: this checks prior, steps, y margins and blending end to end.
func TestOracleReturnsX0(t *testing.T) {
	e := testEngine(t, "oracle-x4")
	w, h := 50, 37
	img := smooth(w, h, 1)
	want := resample.UpsampleTorch(img, 3, h, w, 4)
	clamp(want)
	for _, kind := range []vocab.Sampler{vocab.Deterministic, vocab.Stochastic} {
		for _, tc := range []struct{ tile, overlap, batch int }{{16, 4, 1}, {24, 8, 3}, {64, 0, 1}} {
			got := upscale(t, e, img, w, h, func(o *Options) { o.Sampler, o.Tile, o.Overlap, o.Batch = kind, tc.tile, tc.overlap, tc.batch })
			if d := maxDiff(got, want); d > 2e-6 {
				t.Errorf("%s tile %d/%d batch %d: max |out - x0| = %g", kind, tc.tile, tc.overlap, tc.batch, d)
			}
		}
	}
}

// A pointwise network makes the result independent of tile size, overlap and batch (up to rounding).
func TestTilingInvariance(t *testing.T) {
	e := testEngine(t, "pointwise-x4")
	w, h := 96, 72
	img := smooth(w, h, 2)
	for _, kind := range []vocab.Sampler{vocab.Deterministic, vocab.Stochastic} {
		whole := upscale(t, e, img, w, h, func(o *Options) { o.Sampler, o.Tile, o.Overlap = kind, 128, 0 })
		for _, tc := range []struct{ tile, overlap, batch int }{{64, 8, 1}, {32, 8, 4}, {48, 16, 2}} {
			got := upscale(t, e, img, w, h, func(o *Options) { o.Sampler, o.Tile, o.Overlap, o.Batch = kind, tc.tile, tc.overlap, tc.batch })
			if d := maxDiff(got, whole); d > 1e-5 {
				t.Errorf("%s tile %d overlap %d batch %d differs from whole image by %g", kind, tc.tile, tc.overlap, tc.batch, d)
			}
		}
	}
}

func TestSeedReproducible(t *testing.T) {
	e := testEngine(t, "conv-x4")
	w, h := 40, 24
	img := smooth(w, h, 3)
	a := upscale(t, e, img, w, h, func(o *Options) { o.Sampler, o.Seed = vocab.Stochastic, 7 })
	b := upscale(t, e, img, w, h, func(o *Options) { o.Sampler, o.Seed = vocab.Stochastic, 7 })
	c := upscale(t, e, img, w, h, func(o *Options) { o.Sampler, o.Seed = vocab.Stochastic, 8 })
	if maxDiff(a, b) != 0 {
		t.Error("same seed gave different output")
	}
	if maxDiff(a, c) == 0 {
		t.Error("different seeds gave identical output")
	}
	// batch size does not change the result either
	d := upscale(t, e, img, w, h, func(o *Options) { o.Sampler, o.Seed, o.Tile, o.Overlap, o.Batch = vocab.Stochastic, 7, 16, 8, 3 })
	f := upscale(t, e, img, w, h, func(o *Options) { o.Sampler, o.Seed, o.Tile, o.Overlap, o.Batch = vocab.Stochastic, 7, 16, 8, 1 })
	if dd := maxDiff(d, f); dd > 1e-5 {
		t.Errorf("batch 3 vs 1 differ by %g", dd)
	}
}

func TestLatentPack(t *testing.T) {
	e := testEngine(t, "latent-x4")
	w, h := 45, 70 // not multiples of the tile: padded and tiled with fixed 32×32 tiles, batch 2
	img := smooth(w, h, 4)
	out := upscale(t, e, img, w, h, nil)
	if len(out) != 3*w*4*h*4 {
		t.Fatalf("output has %d samples", len(out))
	}
	if constant(out) {
		t.Fatal("constant output")
	}
	o := e.Options()
	o.Batch = 1
	if _, _, err := e.UpscaleRGB(context.Background(), img, w, h, o); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("batch 1 on a fixed batch-2 graph: %v", err)
	}
}

func TestRejectsBadNetworkOutput(t *testing.T) {
	img := smooth(16, 16, 5)
	for _, pack := range []string{"constant-x4", "nan-x4"} {
		e := testEngine(t, pack)
		_, _, err := e.UpscaleRGB(context.Background(), img, 16, 16, e.Options())
		if !errors.Is(err, ErrModelOutput) {
			t.Errorf("%s: got %v, want ErrModelOutput", pack, err)
		}
	}
	// a constant input may give a constant output
	e := testEngine(t, "constant-x4")
	flat := make([]float32, 3*16*16)
	for i := range flat {
		flat[i] = 0.25
	}
	if _, _, err := e.UpscaleRGB(context.Background(), flat, 16, 16, e.Options()); err != nil {
		t.Errorf("constant input: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	e := testEngine(t, "conv-x4")
	img := smooth(8, 8, 6)
	nan := append([]float32(nil), img...)
	nan[17] = float32(math.NaN())
	cases := []struct {
		name string
		img  []float32
		w, h int
		mod  func(*Options)
	}{
		{"zero width", img, 0, 8, nil},
		{"negative height", img, 8, -1, nil},
		{"short buffer", img[:10], 8, 8, nil},
		{"NaN sample", nan, 8, 8, nil},
		{"tile not multiple", img, 8, 8, func(o *Options) { o.Tile = 12 }},
		{"overlap >= tile", img, 8, 8, func(o *Options) { o.Overlap = 64 }},
		{"batch too big", img, 8, 8, func(o *Options) { o.Batch = 99 }},
		{"unknown sampler", img, 8, 8, func(o *Options) { o.Sampler = vocab.SamplerDefault }},
	}
	for _, c := range cases {
		o := e.Options()
		if c.mod != nil {
			c.mod(&o)
		}
		_, _, err := e.UpscaleRGB(context.Background(), c.img, c.w, c.h, o)
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", c.name, err)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
}

func TestCancel(t *testing.T) {
	e := testEngine(t, "conv-x4")
	img := smooth(64, 64, 7)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := e.UpscaleRGB(ctx, img, 64, 64, e.Options()); !errors.Is(err, ErrCanceled) {
		t.Errorf("cancelled context: %v", err)
	}
	o := e.Options()
	o.Tile, o.Overlap = 16, 0
	calls := 0
	o.Progress = func(p Progress) error {
		calls++
		if p.Tiles != 16 || p.Steps != 4 {
			t.Errorf("progress %+v", p)
		}
		if calls == 3 {
			return errors.New("user pressed stop")
		}
		return nil
	}
	if _, _, err := e.UpscaleRGB(context.Background(), img, 64, 64, o); !errors.Is(err, ErrCanceled) {
		t.Errorf("progress cancel: %v", err)
	}
	if calls != 3 {
		t.Errorf("progress called %d times after cancel", calls)
	}
}

func TestConcurrentUpscale(t *testing.T) {
	e := testEngine(t, "conv-x4")
	img := smooth(32, 32, 8)
	want := upscale(t, e, img, 32, 32, nil)
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, _, err := e.UpscaleRGB(context.Background(), img, 32, 32, e.Options())
			if err != nil {
				t.Error(err)
				return
			}
			if maxDiff(got, want) != 0 {
				t.Error("concurrent result differs")
			}
		}()
	}
	wg.Wait()
}

func TestConfigValidate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Runtime.Provider = "metal"
	cfg.Runtime.Concurrency = -1
	cfg.Sampler.Kind = vocab.Sampler(7)
	cfg.Tiling.Tile = -3
	cfg.Output.Quality = 101
	cfg.Limits.MaxFileBytes = -2
	err := cfg.Validate()
	for _, key := range []string{"runtime.provider", "runtime.concurrency", "sampler.kind", "tiling.tile", "output.quality", "limits.max_file_bytes"} {
		if err == nil || !contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
	// Zero means the default for every numeric setting; -1 turns a limit off and asks for the default overlap.
	ok := DefaultConfig()
	ok.Runtime.Concurrency = 0
	ok.Tiling = TilingConfig{Tile: 0, Overlap: -1, Batch: 0}
	ok.Limits = LimitsConfig{MaxInputPixels: -1, MaxFileBytes: 0, MaxOutputPixels: 1000}
	if err := ok.Validate(); err != nil {
		t.Errorf("defaults and -1 limits refused: %v", err)
	}
	env := map[string]string{"RESSHIFT_SEED": "x", "RESSHIFT_TILE": "128"}
	c2 := DefaultConfig()
	if err := c2.ApplyEnv(func(k string) string { return env[k] }); err == nil || !contains(err.Error(), "RESSHIFT_SEED") {
		t.Errorf("env error: %v", err)
	}
	if c2.Tiling.Tile != 128 {
		t.Errorf("RESSHIFT_TILE not applied")
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestCheckOptions(t *testing.T) {
	dyn := testEngine(t, "conv-x4")     // multiple 8, max_batch 4
	fixed := testEngine(t, "latent-x4") // fixed tile 32, batch 2
	for _, c := range []struct {
		e         *Engine
		o         Options
		wantField string
	}{
		{dyn, Options{Sampler: vocab.Deterministic, Tile: 64, Overlap: 8, Batch: 1}, ""},
		{dyn, Options{Sampler: vocab.Stochastic, Tile: 16, Overlap: 0, Batch: 4}, ""},
		{dyn, Options{Sampler: vocab.Sampler(7), Tile: 64, Overlap: 8, Batch: 1}, "sampler"},
		{dyn, Options{Sampler: vocab.Deterministic, Tile: 30, Overlap: 4, Batch: 1}, "tile"},
		{dyn, Options{Sampler: vocab.Deterministic, Tile: 8192, Overlap: 4, Batch: 1}, "tile"},
		{dyn, Options{Sampler: vocab.Deterministic, Tile: 16, Overlap: 16, Batch: 1}, "overlap"},
		{dyn, Options{Sampler: vocab.Deterministic, Tile: 16, Overlap: 4, Batch: 5}, "batch"},
		{fixed, Options{Sampler: vocab.Deterministic, Tile: 32, Overlap: 8, Batch: 2}, ""},
		{fixed, Options{Sampler: vocab.Deterministic, Tile: 64, Overlap: 8, Batch: 2}, "tile"},
		{fixed, Options{Sampler: vocab.Deterministic, Tile: 32, Overlap: 8, Batch: 1}, "batch"},
	} {
		err := c.e.CheckOptions(c.o)
		var oe *OptionError
		switch {
		case c.wantField == "" && err != nil:
			t.Errorf("%+v: unexpected %v", c.o, err)
		case c.wantField != "" && (!errors.As(err, &oe) || oe.Field != c.wantField || !errors.Is(err, ErrInvalidInput)):
			t.Errorf("%+v: got %v, want an error for %s", c.o, err, c.wantField)
		}
	}
}
