package core

import (
	"context"
	"fmt"
	"slices"

	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/core/sampler"
)

// Fused chain graphs ([chain] in model.toml, training/export.py Chain) run the whole T-step sampling chain of a
// pixel pack in one ONNX Runtime call. The Go sampler stays the single source of every number: the engine
// computes the prior sample, the step noise and the per-call coefficients (chainCoef) and the graph only
// applies them, so the result equals the per-step path's up to float rounding inside the network.

// coefCols is the width of a chain graph's coef input: input scale, a, b, c, s.
const coefCols = 5

// chainCoef returns the T×5 coefficient table a chain graph applies for the sampler kind: row k belongs to call
// k (timestep i = T-1-k) and holds (InputScale[i], a, b, c, s) of the update x ← a·x + b·x̂0 + c·y + s·ε_i, the
// affine form of sampler.Step at step i: (CoefXt, CoefX0, 0, PosteriorStd) for the stochastic sampler,
// (DetM, DetK, DetJ, 0) for the deterministic one. Row T-1 (i = 0) is not applied: the last call's clamped x̂0
// is the output.
func chainCoef(sched *sampler.Schedule, kind sampler.Kind) []float32 {
	T := sched.T()
	c := make([]float32, T*coefCols)
	for k := 0; k < T; k++ {
		i := T - 1 - k
		row := c[k*coefCols : (k+1)*coefCols]
		row[0] = float32(sched.InputScale[i])
		if kind == sampler.Deterministic {
			row[1], row[2], row[3] = float32(sched.DetM[i]), float32(sched.DetK[i]), float32(sched.DetJ[i])
		} else {
			row[1], row[2], row[4] = float32(sched.CoefXt[i]), float32(sched.CoefX0[i]), float32(sched.PosteriorStd[i])
		}
	}
	return c
}

// checkChain checks what the chain graph declares against the schedule: coef must be T×5 and noise must have
// T-1 step slots (dynamic dimensions pass; Bind checks the rest).
func checkChain(s *ort.Session, c *modelpack.Chain, T int) error {
	for _, in := range s.Inputs() {
		var want []int64
		switch in.Name {
		case c.InputCoef:
			want = []int64{int64(T), coefCols}
		case c.InputNoise:
			want = []int64{-1, int64(T - 1), 3, -1, -1}
		default:
			continue
		}
		if len(in.Shape) != len(want) {
			return fmt.Errorf("%s: input %q has shape %v, want rank %d", c.File, in.Name, in.Shape, len(want))
		}
		for d, w := range want {
			if w > 0 && in.Shape[d] > 0 && in.Shape[d] != w {
				return fmt.Errorf("%s: input %q has shape %v; dimension %d must be %d for diffusion.steps = %d",
					c.File, in.Name, in.Shape, d, w, T)
			}
		}
	}
	return nil
}

// fused is the Stepper of a pack's chain graph: the prior sample and the step noise are drawn in Go
// (tile-invariant, counter-based), then one call returns the final x0.
//
// Noise is a pure function of (seed, step, global coordinate), so the noise a run holds stays valid for the next
// batch with the same seed and tile regions: a pooled run that upscales images of one size again (frames of a
// video, thumbnails of one size) draws it once. eps holds the prior's ε for x_T = y + PriorStd·ε, which equals
// sampler.Prior bit for bit.
type fused struct {
	r     *run
	b     *ort.Binding
	xt    []float32 // n×3×H×W: x_T, the chain's input
	noise []float32 // n×(T-1)×3×H×W; stays zero for the deterministic sampler (its s column is 0)
	eps   []float32 // n×3×H×W: the prior's noise
	coef  []float32
	draw  bool // stochastic: step noise too

	drawn     bool // eps (and noise) hold the noise of seed and regions
	seed      uint64
	regions   []sampler.Region
	priorStd  float32
	noiseHits int // batches that reused the noise already drawn (for tests)
}

func newFused(r *run, kind sampler.Kind) *fused {
	xl := r.n * r.xc * r.lh * r.lw
	return &fused{r: r, xt: make([]float32, xl), noise: make([]float32, xl*(r.steps-1)), eps: make([]float32, xl),
		coef: chainCoef(r.e.sched, kind), draw: kind == sampler.Stochastic, priorStd: float32(r.e.sched.PriorStd())}
}

func (f *fused) Close() {
	if f.b != nil {
		f.b.Close()
	}
}

func (f *fused) Sample(ctx context.Context, b *Batch) error {
	r := f.r
	xsz := r.xc * r.lw * r.lh
	T := r.steps
	smp := b.Sampler
	fresh := !f.drawn || f.seed != smp.Noise.Seed || !slices.Equal(f.regions, b.Regions)
	if fresh {
		f.drawn, f.seed, f.regions = false, smp.Noise.Seed, append(f.regions[:0], b.Regions...)
	} else {
		f.noiseHits++
	}
	std := f.priorStd
	sampler.ForParts(b.Regions, func(k int, p sampler.Part) {
		o, l := k*xsz+p.Off, p.Len()
		eps, y, x := f.eps[o:o+l], b.Prior[o:o+l], f.xt[o:o+l]
		if fresh {
			smp.Noise.Fill(eps, smp.PriorStep(), p.Region)
			if f.draw {
				for j := 0; j < T-1; j++ { // slot j: the noise of the update after call j, step i = T-1-j
					so := (k*(T-1)+j)*xsz + p.Off
					smp.Noise.Fill(f.noise[so:so+l], T-1-j, p.Region)
				}
			}
		}
		for n := range x { // sampler.Prior's arithmetic: y + PriorStd·ε
			x[n] = y[n] + std*eps[n]
		}
	})
	f.drawn = true
	if f.b == nil {
		c := r.e.pack.Chain
		hr := r.shape(3, r.TH, r.TW)
		in, err := feeds(r.e.pack, modelpack.RoleChain, map[modelpack.Feed]ort.Value{
			modelpack.FeedXT:    {Shape: hr, F32: f.xt},
			modelpack.FeedLQ:    {Shape: r.shape(3, r.th, r.tw), F32: b.LQ},
			modelpack.FeedY:     {Shape: hr, F32: b.Y},
			modelpack.FeedNoise: {Shape: []int64{int64(r.n), int64(T - 1), 3, int64(r.TH), int64(r.TW)}, F32: f.noise},
			modelpack.FeedCoef:  {Shape: []int64{int64(T), coefCols}, F32: f.coef},
		})
		if err != nil {
			return err
		}
		bd, err := r.e.chain.Bind(in, []ort.Value{{Shape: hr, F32: b.X}})
		if err != nil {
			return fmt.Errorf("core: model %s: %s: %w", r.e.pack.Name, c.File, err)
		}
		f.b = bd
	}
	if err := r.call(ctx, f.b, b.Stats, &b.Stats.DenoiserORT); err != nil {
		return fmt.Errorf("%w (chain of %d steps)", err, T)
	}
	b.Stats.DenoiserCalls += T
	b.Stats.ChainCalls++
	// The per-step path reports every denoiser call but the last of a batch (the engine reports the batch):
	// report the same calls, all done now, so callers see the same sequence and can cancel the same way.
	if b.Progress != nil {
		for step := 1; step < T; step++ {
			if err := b.Progress(step); err != nil {
				return err
			}
		}
	}
	return nil
}
