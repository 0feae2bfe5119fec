package core

import (
	"context"
	"fmt"

	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/core/sampler"
	"github.com/resshift/resshift/core/tile"
)

// Stepper runs the T-step sampling chain of one batch of tiles: from the prior mean the engine prepared in a
// Batch to the final sample in Batch.X. It is the one seam between the engine and the way a pack samples; the
// engine picks the implementation from the pack manifest (newStepper), never from the pack's name:
//   - per-step (every pack; runtime.per_step): T denoiser calls driven by sampler.Sampler.SampleBatch, the one
//     sampling loop, with the Go sampler's update between them;
//   - fused (a pixel pack with a [chain] table): the pack's chain graph runs all T steps in one call, with
//     every number computed by the Go sampler (chain.go).
//
// Another way to sample (a device-resident chain, a one-step distilled family) is another implementation.
// A Stepper belongs to one run (one batch size and tile shape): it may bind the slices of the first Batch it is
// given, and the engine passes the same slices for every batch of the run. It is not safe for concurrent use.
type Stepper interface {
	// Sample samples the batch; the error of a cancelled ctx or progress callback matches ErrCanceled.
	Sample(ctx context.Context, b *Batch) error
	// Close releases the Stepper's ONNX Runtime bindings.
	Close()
}

// Batch is one batch of tiles ready for a Stepper. Tensors are NCHW with N = Size; x space is HR pixels for
// pixel packs and latent pixels for latent packs.
type Batch struct {
	Size    int              // N, the tiles fed to the graphs: Tiles, then repeats of the last (fixed-batch graphs)
	Tiles   []tile.Tile      // the batch's tiles of the plan, 1..Size
	Regions []sampler.Region // Size regions: each fed tile's block of the global x-space canvas (noise coordinates)
	LQ      []float32        // N×3×h×w LR tiles
	Y       []float32        // N×3×H×W HR prior mean (bicubic upsampling of the LR tile with its margin)
	Prior   []float32        // N×C×h'×w' prior mean in x space: Y for pixel packs, the encoder's latent of Y
	X       []float32        // N×C×h'×w': the final sample on success
	Sampler *sampler.Sampler // the call's sampler (schedule, kind, seed)
	Stats   *Stats           // the call's statistics: ORT time, denoiser and chain calls
	// Progress reports that the batch's first step denoiser calls are done (step = 1..T-1; the engine reports
	// the batch itself); its error cancels the call. Nil when the caller wants no progress.
	Progress func(step int) error
}

// newStepper returns the Stepper the pack's manifest asks for: the fused chain when the engine has the chain
// graph's session (the manifest has [chain] and runtime.per_step is off), the per-step loop otherwise.
func newStepper(r *run, kind sampler.Kind) Stepper {
	if r.e.chain != nil {
		return newFused(r, kind)
	}
	return newPerStep(r)
}

// perStep is the reference path: the sampler's loop (SampleBatch) calls the denoiser graph once per step and
// applies the Go sampler's update between the calls.
type perStep struct {
	r       *run
	den     *ort.Binding // bound on first use to xin, the timestep, the batch's LQ (and Y); output x0
	xin, x0 []float32
	ts      []int64   // timestep tensor (int64 graphs)
	tf      []float32 // timestep tensor (float32 graphs)

	ctx context.Context // of the Sample call in progress
	st  *Stats
}

func newPerStep(r *run) *perStep {
	xl := r.n * r.xc * r.lw * r.lh
	return &perStep{r: r, xin: make([]float32, xl), x0: make([]float32, xl), ts: make([]int64, r.n), tf: make([]float32, r.n)}
}

func (p *perStep) Close() {
	if p.den != nil {
		p.den.Close()
	}
}

func (p *perStep) Sample(ctx context.Context, b *Batch) error {
	r := p.r
	if p.den == nil {
		ts := ort.Value{Shape: []int64{int64(r.n)}, I64: p.ts}
		if r.e.pack.Denoiser.TimestepType == modelpack.TimestepFloat32 {
			ts = ort.Value{Shape: ts.Shape, F32: p.tf}
		}
		in, err := feeds(r.e.pack, modelpack.RoleDenoiser, map[modelpack.Feed]ort.Value{
			modelpack.FeedXT:       {Shape: r.shape(r.xc, r.lh, r.lw), F32: p.xin},
			modelpack.FeedTimestep: ts,
			modelpack.FeedLQ:       {Shape: r.shape(3, r.th, r.tw), F32: b.LQ},
			modelpack.FeedY:        {Shape: r.shape(3, r.TH, r.TW), F32: b.Y},
		})
		if err != nil {
			return err
		}
		if _, err := r.bind(&p.den, r.e.den, in, []ort.Value{{Shape: r.shape(r.xc, r.lh, r.lw), F32: p.x0}}); err != nil {
			return err
		}
	}
	p.ctx, p.st = ctx, b.Stats
	defer func() { p.ctx, p.st = nil, nil }()
	return b.Sampler.SampleBatch(sampler.Batch{Regions: b.Regions, X: b.X, Y: b.Prior, XIn: p.xin, X0Hat: p.x0}, p, b.Progress)
}

// Denoise runs the bound denoiser graph at step i (sampler.Denoiser); xin and x0hat are p.xin and p.x0.
func (p *perStep) Denoise(i int, _, _ []float32) error {
	if err := p.ctx.Err(); err != nil {
		return canceled(p.ctx)
	}
	for k := range p.ts {
		p.ts[k], p.tf[k] = int64(i), float32(i)
	}
	if err := p.r.call(p.ctx, p.den, p.st, &p.st.DenoiserORT); err != nil {
		return fmt.Errorf("%w (step %d)", err, i)
	}
	p.st.DenoiserCalls++
	return nil
}

// feeds orders the values for role's graph by the feeds its inputs declare (modelpack.GraphSpec.Feeds); a feed
// the engine has no value for is an error naming it.
func feeds(p *modelpack.Pack, role modelpack.Role, vals map[modelpack.Feed]ort.Value) ([]ort.Value, error) {
	g, ok := p.Graph(role)
	if !ok {
		return nil, fmt.Errorf("core: model %s has no %s graph", p.Name, role)
	}
	in := make([]ort.Value, len(g.Feeds))
	for k, f := range g.Feeds {
		v, ok := vals[f]
		if !ok {
			return nil, fmt.Errorf("core: model %s: %s input %q (%s) cannot be fed by this engine", p.Name, role, g.Inputs[k], f)
		}
		in[k] = v
	}
	return in, nil
}
