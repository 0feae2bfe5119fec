package core

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/core/sampler"
	"github.com/resshift/resshift/vocab"
)

// chainEngine loads a pack from dir ("" = the embedded default) with the chain graph in use (perStep false) or
// forced off (true).
func chainEngine(t testing.TB, dir string, perStep bool) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Runtime.IntraOpThreads = 2
	cfg.Runtime.Concurrency = 2
	cfg.Runtime.PerStep = perStep
	p, err := LoadPack(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewFromPack(cfg, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if got := e.Info().Chain; got == perStep {
		t.Fatalf("Info().Chain = %v with runtime.per_step = %v", got, perStep)
	}
	return e
}

var pointwiseChain = filepath.Join("testdata", "chain", "pointwise-x4")

// The coefficient rows are the affine form of sampler.Step: applying them with the sampler's own noise gives
// Step's result bit for bit, for both kinds and every step i > 0.
func TestChainCoefIsSamplerStep(t *testing.T) {
	p, err := modelpack.LoadDir(pointwiseChain)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := sampler.NewSchedule(sampler.Params(p.SamplerParams()))
	if err != nil {
		t.Fatal(err)
	}
	rg := sampler.Region{C: 3, H: 5, W: 7, Y0: 11, X0: 13}
	rnd := rand.New(rand.NewPCG(1, 2))
	vec := func(scale float32) []float32 {
		v := make([]float32, rg.Len())
		for i := range v {
			v[i] = scale * float32(rnd.NormFloat64())
		}
		return v
	}
	T := sched.T()
	for _, kind := range []sampler.Kind{sampler.Stochastic, sampler.Deterministic} {
		coef := chainCoef(sched, kind)
		s := sampler.New(sched, kind, 99)
		for k := 0; k < T; k++ {
			i := T - 1 - k
			row := coef[k*coefCols : (k+1)*coefCols]
			if row[0] != float32(sched.InputScale[i]) {
				t.Fatalf("%v call %d: input scale %v, want %v", kind, k, row[0], sched.InputScale[i])
			}
			if i == 0 {
				continue
			}
			x, x0, y := vec(1.5), vec(0.8), vec(1)
			eps := make([]float32, rg.Len())
			s.Noise.Fill(eps, i, rg)
			want := append([]float32(nil), x...)
			s.Step(i, want, append([]float32(nil), x0...), y, rg)
			for n := range x {
				v := min(max(x0[n], -1), 1)
				got := row[1]*x[n] + row[2]*v + row[3]*y[n] + row[4]*eps[n]
				if got != want[n] {
					t.Fatalf("%v step %d sample %d: affine form %v, Step %v", kind, i, n, got, want[n])
				}
			}
		}
	}
}

// The fused chain and the per-step path agree (≤ 1e-5) for both samplers with the real default pack, on a
// tiled image with a short last batch; the chain makes one call per batch.
func TestChainMatchesPerStep(t *testing.T) {
	for _, pack := range []string{"clean", "real"} { // every embedded pack with a chain graph
		t.Run(pack, func(t *testing.T) { chainMatchesPerStep(t, pack) })
	}
}

func chainMatchesPerStep(t *testing.T, pack string) {
	chain, step := chainEngine(t, pack, false), chainEngine(t, pack, true)
	w, h := 72, 40
	img := smooth(w, h, 21)
	for _, kind := range []vocab.Sampler{vocab.Stochastic, vocab.Deterministic} {
		mod := func(o *Options) { o.Sampler, o.Seed, o.Tile, o.Overlap, o.Batch = kind, 5, 32, 8, 2 }
		o := chain.Options()
		mod(&o)
		got, st, err := chain.UpscaleRGB(context.Background(), img, w, h, o)
		if err != nil {
			t.Fatal(err)
		}
		want := upscale(t, step, img, w, h, mod)
		if d := maxDiff(got, want); d > 1e-5 {
			t.Errorf("%s: chain vs per-step differ by %g", kind, d)
		} else {
			t.Logf("%s: chain vs per-step max |diff| %.3g", kind, d)
		}
		if st.ChainCalls != st.Batches || st.DenoiserCalls != 4*st.Batches || st.Batches != 3 {
			t.Errorf("%s: stats %+v: want 3 batches, one chain call each", kind, st)
		}
	}
}

// Whole image vs tiles with the pointwise chain pack (a network that cannot depend on tiling): the chain's
// noise layout keeps the engine tile-, batch- and order-invariant; and it agrees with the per-step path.
func TestChainTilingInvariance(t *testing.T) {
	chain, step := chainEngine(t, pointwiseChain, false), chainEngine(t, pointwiseChain, true)
	w, h := 96, 72
	img := smooth(w, h, 22)
	for _, kind := range []vocab.Sampler{vocab.Deterministic, vocab.Stochastic} {
		whole := upscale(t, chain, img, w, h, func(o *Options) { o.Sampler, o.Tile, o.Overlap = kind, 128, 0 })
		ref := upscale(t, step, img, w, h, func(o *Options) { o.Sampler, o.Tile, o.Overlap = kind, 128, 0 })
		if d := maxDiff(whole, ref); d > 1e-5 {
			t.Errorf("%s: whole image, chain vs per-step differ by %g", kind, d)
		}
		for _, tc := range []struct{ tile, overlap, batch int }{{64, 8, 1}, {32, 8, 4}, {48, 16, 2}} {
			got := upscale(t, chain, img, w, h, func(o *Options) { o.Sampler, o.Tile, o.Overlap, o.Batch = kind, tc.tile, tc.overlap, tc.batch })
			if d := maxDiff(got, whole); d > 1e-5 {
				t.Errorf("%s tile %d overlap %d batch %d differs from whole image by %g", kind, tc.tile, tc.overlap, tc.batch, d)
			}
		}
	}
}

// Same seed, same bytes on the chain path; another seed changes the stochastic result.
func TestChainSeedReproducible(t *testing.T) {
	e := chainEngine(t, "", false)
	w, h := 40, 32
	img := smooth(w, h, 23)
	run := func(seed uint64) []float32 {
		return upscale(t, e, img, w, h, func(o *Options) { o.Sampler, o.Seed, o.Tile, o.Overlap = vocab.Stochastic, seed, 24, 8 })
	}
	a, b, c := run(7), run(7), run(8)
	if !bytes.Equal(f32bytes(a), f32bytes(b)) {
		t.Error("same seed gave different bytes")
	}
	if maxDiff(a, c) == 0 {
		t.Error("different seeds gave identical output")
	}
}

// A chain graph built for another step count is refused when the engine starts.
func TestChainStepsMismatch(t *testing.T) {
	p, err := modelpack.LoadDir(pointwiseChain)
	if err != nil {
		t.Fatal(err)
	}
	p.Diffusion.Steps = 3
	cfg := DefaultConfig()
	cfg.Runtime.IntraOpThreads = 1
	_, err = NewFromPack(cfg, p, nil)
	if err == nil || !strings.Contains(err.Error(), `chain.onnx: input "noise" has shape [-1 3 3 -1 -1]; dimension 1 must be 2 for diffusion.steps = 3`) {
		t.Fatalf("got %v", err)
	}
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, f := range v {
		u := math.Float32bits(f)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return b
}

// A pooled run keeps the noise it drew: the next call with the same seed and tile regions reuses it (a noise hit)
// and still gives the per-step path's bytes; another seed draws again.
func TestChainNoiseReuse(t *testing.T) {
	chain, step := chainEngine(t, "", false), chainEngine(t, "", true)
	w, h := 40, 32
	img, img2 := smooth(w, h, 24), smooth(w, h, 25)
	mod := func(seed uint64) func(*Options) {
		return func(o *Options) { o.Sampler, o.Seed, o.Tile, o.Overlap = vocab.Stochastic, seed, 64, 8 }
	}
	hits := func() int {
		r := chain.runs.get(runKey{n: 1, tw: w, th: h, kind: sampler.Stochastic})
		if r == nil {
			t.Fatal("no pooled run")
		}
		defer chain.runs.put(r)
		return r.smp.(*fused).noiseHits
	}
	for i, tc := range []struct {
		img  []float32
		seed uint64
		hits int
	}{{img, 7, 0}, {img2, 7, 1}, {img, 7, 2}, {img, 8, 2}} {
		got := upscale(t, chain, tc.img, w, h, mod(tc.seed))
		want := upscale(t, step, tc.img, w, h, mod(tc.seed))
		if !bytes.Equal(f32bytes(got), f32bytes(want)) {
			t.Errorf("call %d: chain differs from per-step (max %g)", i, maxDiff(got, want))
		}
		if n := hits(); n != tc.hits {
			t.Errorf("call %d: %d noise hits, want %d", i, n, tc.hits)
		}
	}
}

// The chain path reports the same progress sequence as the per-step path, and a callback error cancels it.
func TestChainProgress(t *testing.T) {
	w, h := 48, 40
	img := smooth(w, h, 26)
	seq := func(e *Engine, stopAt int) ([]Progress, error) {
		var got []Progress
		o := e.Options()
		o.Tile, o.Overlap = 32, 8
		o.Progress = func(p Progress) error {
			got = append(got, p)
			if len(got) == stopAt {
				return errors.New("stop")
			}
			return nil
		}
		_, _, err := e.UpscaleRGB(context.Background(), img, w, h, o)
		return got, err
	}
	chain, step := chainEngine(t, "", false), chainEngine(t, "", true)
	a, errA := seq(chain, 0)
	b, errB := seq(step, 0)
	if errA != nil || errB != nil || !slices.Equal(a, b) || len(a) != 4*4 {
		t.Fatalf("chain %v (%v)\nper-step %v (%v)", a, errA, b, errB)
	}
	if got, err := seq(chain, 3); !errors.Is(err, ErrCanceled) || len(got) != 3 {
		t.Fatalf("cancel at the third call: %v after %d calls", err, len(got))
	}
}
