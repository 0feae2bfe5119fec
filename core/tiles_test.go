package core

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/resshift/resshift/core/tile"
	"github.com/resshift/resshift/vocab"
)

// blendRanges samples the plan's ranges with UpscaleTiles, range k on engines[k%len(engines)], and blends the
// HR tiles of all calls in plan order, the way a coordinator of distributed work would.
func blendRanges(t *testing.T, engines []*Engine, img []float32, w, h int, o Options, parts int) []float32 {
	t.Helper()
	e := engines[0]
	plan, err := e.Plan(w, h, o)
	if err != nil {
		t.Fatal(err)
	}
	ranges := plan.Split(parts, o.Batch)
	if len(ranges) != parts {
		t.Fatalf("plan of %d tiles split into %v, want %d ranges", plan.Len(), ranges, parts)
	}
	s := e.Scale()
	W, H := w*s, h*s
	out := make([]float32, 3*W*H)
	blend, err := tile.NewBlender(plan, s, 3, func(y int, rows []float32, n int) error {
		for c := range 3 {
			copy(out[c*W*H+y*W:c*W*H+(y+n)*W], rows[c*n*W:(c+1)*n*W])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, rng := range ranges {
		next := rng.First
		st, err := engines[k%len(engines)].UpscaleTiles(context.Background(), img, w, h, o, rng, func(tl tile.Tile, hr []float32) error {
			if tl.Index != next {
				t.Fatalf("range %v: tile %d emitted, want %d", rng, tl.Index, next)
			}
			next++
			return blend.Add(tl, hr)
		})
		if err != nil {
			t.Fatal(err)
		}
		if next != rng.First+rng.N || st.Tiles != rng.N {
			t.Fatalf("range %v: emitted up to %d, Stats.Tiles %d", rng, next, st.Tiles)
		}
	}
	if err := blend.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Tiles sampled in 2–3 ranges by separate calls on separate engines and blended give UpscaleRGB's bytes, for
// both samplers, both ways of stepping (per step, fused chain), dynamic and fixed-batch graphs and pixel and
// latent packs: noise is keyed by global coordinates.
func TestUpscaleTilesBlendIsUpscaleRGB(t *testing.T) {
	type engines func(t *testing.T) []*Engine
	pack := func(name string) engines {
		return func(t *testing.T) []*Engine { return []*Engine{testEngine(t, name), testEngine(t, name)} }
	}
	def := func(perStep bool) engines {
		return func(t *testing.T) []*Engine {
			return []*Engine{chainEngine(t, "", perStep), chainEngine(t, "", perStep)}
		}
	}
	tests := []struct {
		name                 string
		engines              engines
		w, h                 int
		tile, overlap, batch int
		parts                int
	}{
		{"conv batch 1", pack("conv-x4"), 40, 28, 16, 4, 1, 3},
		{"conv batch 3", pack("conv-x4"), 40, 28, 16, 4, 3, 2},
		{"latent fixed batch 2", pack("latent-x4"), 72, 40, 32, 8, 2, 2},
		{"default per step", def(true), 48, 40, 32, 8, 1, 3},
		{"default chain", def(false), 48, 40, 32, 8, 1, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := tc.engines(t)
			img := smooth(tc.w, tc.h, 41)
			for _, kind := range []vocab.Sampler{vocab.Deterministic, vocab.Stochastic} {
				o := es[0].Options()
				o.Sampler, o.Seed, o.Tile, o.Overlap, o.Batch = kind, 9, tc.tile, tc.overlap, tc.batch
				want, _, err := es[0].UpscaleRGB(context.Background(), img, tc.w, tc.h, o)
				if err != nil {
					t.Fatal(err)
				}
				got := blendRanges(t, es, img, tc.w, tc.h, o, tc.parts)
				if !bytes.Equal(f32bytes(got), f32bytes(want)) {
					t.Errorf("%s: blended ranges differ from UpscaleRGB (max %g)", kind, maxDiff(got, want))
				}
			}
		})
	}
}

// Bad ranges and a nil emit are invalid input; emit's error stops the call unchanged; progress counts the
// range's tiles.
func TestUpscaleTilesErrorsAndProgress(t *testing.T) {
	e := testEngine(t, "conv-x4")
	w, h := 40, 28
	img := smooth(w, h, 42)
	o := e.Options()
	o.Tile, o.Overlap = 16, 4
	plan, err := e.Plan(w, h, o)
	if err != nil {
		t.Fatal(err)
	}
	nop := func(tile.Tile, []float32) error { return nil }
	for _, tc := range []struct {
		rng  tile.Range
		emit func(tile.Tile, []float32) error
		want string
	}{
		{tile.Range{First: -1, N: 1}, nop, "Range.First"},
		{tile.Range{First: 0, N: plan.Len() + 1}, nop, "Range.N"},
		{tile.Range{First: plan.Len(), N: 1}, nop, "Range.First"},
		{tile.Range{First: 0, N: 1}, nil, "emit is nil"},
	} {
		_, err := e.UpscaleTiles(context.Background(), img, w, h, o, tc.rng, tc.emit)
		if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("range %v: %v, want invalid input naming %q", tc.rng, err, tc.want)
		}
	}
	if _, err := e.Plan(0, h, o); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Plan(0, %d): %v", h, err)
	}
	full := e.Options()
	full.Tile = 30
	if _, err := e.Plan(w, h, full); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "tile") {
		t.Errorf("Plan with tile 30: %v", err)
	}

	stop := errors.New("stop")
	emitted := 0
	_, err = e.UpscaleTiles(context.Background(), img, w, h, o, tile.Range{First: 2, N: 3}, func(tile.Tile, []float32) error {
		emitted++
		if emitted == 2 {
			return stop
		}
		return nil
	})
	if err != stop || emitted != 2 {
		t.Errorf("emit error: %v after %d tiles", err, emitted)
	}

	var got []Progress
	o.Progress = func(p Progress) error { got = append(got, p); return nil }
	if _, err := e.UpscaleTiles(context.Background(), img, w, h, o, tile.Range{First: 2, N: 2}, nop); err != nil {
		t.Fatal(err)
	}
	T := e.Schedule().T()
	var want []Progress
	for done := range 2 {
		for step := 1; step < T; step++ {
			want = append(want, Progress{TilesDone: done, Tiles: 2, Step: step, Steps: T})
		}
		want = append(want, Progress{TilesDone: done + 1, Tiles: 2, Step: T, Steps: T})
	}
	if len(got) != len(want) {
		t.Fatalf("progress %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("progress %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
