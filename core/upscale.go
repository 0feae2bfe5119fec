package core

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/core/resample"
	"github.com/resshift/resshift/core/sampler"
	"github.com/resshift/resshift/core/tile"
)

// yMargin is the LR context around a tile for the bicubic upsampling: the cubic
// kernel reaches two source pixels, so with it each tile's y equals the
// upsampling of the whole padded canvas (no seams in the prior mean).
const yMargin = 2

// UpscaleRGB upscales a planar RGB image (3×h×w float32 in [-1, 1], read only)
// and returns the planar 3×(h·s)×(w·s) result in [-1, 1]. It is the core of
// every other entry point and is safe for concurrent use.
func (e *Engine) UpscaleRGB(ctx context.Context, rgb []float32, w, h int, opt Options) ([]float32, Stats, error) {
	start := time.Now()
	var st Stats
	if w <= 0 || h <= 0 {
		return nil, st, invalid("image: width and height must be > 0, got %d×%d", w, h)
	}
	if len(rgb) != 3*w*h {
		return nil, st, invalid("image: %d samples for a 3×%d×%d image (want %d)", len(rgb), h, w, 3*w*h)
	}
	kind, err := e.check(opt)
	if err != nil {
		return nil, st, err
	}
	if i, ok := firstNonFinite(rgb); !ok {
		return nil, st, invalid("image: sample %d is NaN or Inf", i)
	}
	tl := e.pack.Tiling
	plan, err := tile.NewPlan(w, h, tile.Config{Tile: opt.Tile, Overlap: opt.Overlap, Multiple: tl.Multiple, Fixed: tl.Fixed})
	if err != nil {
		return nil, st, newKindError(ErrInvalidInput, "core: "+err.Error(), err)
	}
	s := e.pack.Scale
	W, H := w*s, h*s
	out := make([]float32, 3*W*H)
	blend, err := tile.NewBlender(plan, s, 3, func(y int, rows []float32, n int) error {
		for c := 0; c < 3; c++ {
			copy(out[c*W*H+y*W:c*W*H+(y+n)*W], rows[c*n*W:(c+1)*n*W])
		}
		return nil
	})
	if err != nil {
		return nil, st, fmt.Errorf("core: %w", err)
	}
	n := opt.Batch
	if !tl.Fixed {
		n = min(n, plan.Len()) // fixed graphs take exactly their batch; dynamic ones need no padding tiles
	}
	r := e.runs.get(runKey{n: n, tw: plan.TileW, th: plan.TileH, kind: kind})
	if r == nil {
		r = newRun(e, runKey{n: n, tw: plan.TileW, th: plan.TileH, kind: kind})
	}
	r.reset(plan, rgb, opt)
	defer e.runs.put(r)
	st.Tiles = plan.Len()
	for first := 0; first < plan.Len(); first += opt.Batch {
		n := min(opt.Batch, plan.Len()-first)
		tiles := make([]tile.Tile, n)
		for k := range tiles {
			tiles[k] = plan.Tile(first + k)
		}
		if err := r.batch(ctx, tiles, &st); err != nil {
			blend.Close()
			return nil, st, err
		}
		for k, t := range tiles {
			hr := r.hrTile(k)
			if i, ok := clampFinite(hr); !ok {
				blend.Close()
				return nil, st, newKindError(ErrModelOutput, fmt.Sprintf("core: model %s produced NaN/Inf in tile %d (sample %d)", e.pack.Name, t.Index, i), nil)
			}
			if err := blend.Add(t, hr); err != nil {
				blend.Close()
				return nil, st, fmt.Errorf("core: %w", err)
			}
		}
		st.Batches++
		if opt.Progress != nil {
			if err := opt.Progress(Progress{TilesDone: first + n, Tiles: plan.Len(), Step: r.steps, Steps: r.steps}); err != nil {
				blend.Close()
				return nil, st, newKindError(ErrCanceled, "core: cancelled by progress callback: "+err.Error(), err)
			}
		}
	}
	if err := blend.Close(); err != nil {
		return nil, st, fmt.Errorf("core: %w", err)
	}
	if constant(out) && !constant(rgb) {
		return nil, st, newKindError(ErrModelOutput, fmt.Sprintf("core: model %s produced a constant image from a non-constant input", e.pack.Name), nil)
	}
	st.Total = time.Since(start)
	return out, st, nil
}

// run holds the buffers and ONNX Runtime bindings for batches of one tile shape: reused across the batches of a
// call and, through the engine's runPool, across calls with the same runKey.
type run struct {
	e       *Engine
	key     runKey
	plan    *tile.Plan
	src     []float32
	w, h    int
	samp    *sampler.Sampler
	opt     Options
	steps   int
	n       int // batch size fed to ORT
	tw, th  int // LR tile
	TW, TH  int // HR tile
	lw, lh  int // x-space tile (latent or HR)
	xc      int // x-space channels
	lq      []float32
	ext     []float32 // LR tile with margin
	y       []float32 // HR prior mean (pixel) / encoder input (latent)
	zy      []float32 // latent prior mean (latent only)
	x, xin  []float32
	x0      []float32
	img     []float32 // decoded HR (latent only)
	up      []float32 // upsampled LR tile with margin
	ts      []int64
	tf      []float32
	resizer *resample.Resizer
	smp     sampling     // per-step or fused chain
	enc     *ort.Binding // latent packs: encoder y → zy, bound on first use
	dec     *ort.Binding // latent packs: decoder x → img
}

// newRun allocates the buffers for key's shapes (bindings are made on first use).
func newRun(e *Engine, key runKey) *run {
	s := e.pack.Scale
	r := &run{e: e, key: key, steps: e.sched.T(), n: key.n, tw: key.tw, th: key.th}
	r.TW, r.TH = r.tw*s, r.th*s
	r.lw, r.lh, r.xc = r.TW, r.TH, 3
	if lat := e.pack.Latent; lat != nil {
		r.lw, r.lh, r.xc = r.TW/lat.Factor, r.TH/lat.Factor, lat.Channels
	}
	n := r.n
	xl := n * r.xc * r.lw * r.lh
	r.lq = make([]float32, n*3*r.tw*r.th)
	r.ext = make([]float32, 3*(r.tw+2*yMargin)*(r.th+2*yMargin))
	r.y = make([]float32, n*3*r.TW*r.TH)
	r.x, r.xin = make([]float32, xl), make([]float32, xl)
	r.up = make([]float32, 3*(r.tw+2*yMargin)*s*(r.th+2*yMargin)*s)
	if e.pack.Latent != nil {
		r.zy = make([]float32, xl)
		r.img = make([]float32, n*3*r.TW*r.TH)
	}
	r.ts = make([]int64, n)
	r.tf = make([]float32, n)
	r.resizer = resample.NewResizer(r.th+2*yMargin, r.tw+2*yMargin, (r.th+2*yMargin)*s, (r.tw+2*yMargin)*s, resample.Torch)
	if e.chain != nil {
		r.smp = newFused(r, key.kind)
	} else {
		r.x0 = make([]float32, xl)
		r.smp = &perStep{}
	}
	return r
}

// reset points the run at one call's image, plan and options (the plan's tile shape must be the run's).
func (r *run) reset(plan *tile.Plan, src []float32, opt Options) {
	r.plan, r.src, r.w, r.h, r.opt = plan, src, plan.Width, plan.Height, opt
	r.samp = sampler.New(r.e.sched, r.key.kind, opt.Seed)
}

// close releases the run's ONNX Runtime bindings.
func (r *run) close() {
	r.smp.close()
	for _, b := range []*ort.Binding{r.enc, r.dec} {
		if b != nil {
			b.Close()
		}
	}
}

// bind binds a session to the run's buffers once (every batch of a run has the same shapes), storing the
// binding in *b; later calls return *b.
func (r *run) bind(b **ort.Binding, s *ort.Session, in, out []ort.Value) (*ort.Binding, error) {
	if *b != nil {
		return *b, nil
	}
	nb, err := s.Bind(in, out)
	if err != nil {
		return nil, fmt.Errorf("core: %w", err)
	}
	*b = nb
	return nb, nil
}

// hrTile returns tile k's HR result (3×TH×TW) after the last batch.
func (r *run) hrTile(k int) []float32 {
	sz := 3 * r.TW * r.TH
	if r.img != nil {
		return r.img[k*sz : (k+1)*sz]
	}
	return r.x[k*sz : (k+1)*sz]
}

// region is tile k's block of the global x-space canvas (noise coordinates).
func (r *run) region(t tile.Tile) sampler.Region {
	s := r.e.pack.Scale
	f := 1
	if lat := r.e.pack.Latent; lat != nil {
		f = lat.Factor
	}
	return sampler.Region{C: r.xc, H: r.lh, W: r.lw, Y0: t.Y * s / f, X0: t.X * s / f}
}

// prepare fills lq and y for the tiles; short batches of fixed graphs repeat the last tile.
func (r *run) prepare(tiles []tile.Tile) {
	lqSz, ySz := 3*r.tw*r.th, 3*r.TW*r.TH
	ew, eh := r.tw+2*yMargin, r.th+2*yMargin
	s := r.e.pack.Scale
	EW := ew * s
	up := r.up
	for k := 0; k < r.n; k++ {
		t := tiles[min(k, len(tiles)-1)]
		r.plan.Extract(r.lq[k*lqSz:(k+1)*lqSz], r.src, 3, t)
		// LR tile with margin: canvas coordinates clamped (replicate = PyTorch's clamped border on the
		// padded canvas), then reflected into the source image like Plan.Extract.
		for c := 0; c < 3; c++ {
			for yy := 0; yy < eh; yy++ {
				cy := min(max(t.Y+yy-yMargin, 0), r.plan.PadH-1)
				sy := tile.Reflect(cy, r.h)
				row := r.src[c*r.w*r.h+sy*r.w:]
				dst := r.ext[c*ew*eh+yy*ew:]
				for xx := 0; xx < ew; xx++ {
					cx := min(max(t.X+xx-yMargin, 0), r.plan.PadW-1)
					dst[xx] = row[tile.Reflect(cx, r.w)]
				}
			}
		}
		r.resizer.ResizeInto(up, r.ext, 3)
		y := r.y[k*ySz : (k+1)*ySz]
		m := yMargin * s
		for c := 0; c < 3; c++ {
			for yy := 0; yy < r.TH; yy++ {
				copy(y[c*r.TW*r.TH+yy*r.TW:c*r.TW*r.TH+(yy+1)*r.TW], up[c*EW*eh*s+(yy+m)*EW+m:])
			}
		}
	}
}

func (r *run) shape(c, h, w int) []int64 { return []int64{int64(r.n), int64(c), int64(h), int64(w)} }

// call runs one bound ORT graph under the engine's concurrency bound, timing it into st.ORT and *graph.
func (r *run) call(ctx context.Context, b *ort.Binding, st *Stats, graph *time.Duration) error {
	select {
	case r.e.sem <- struct{}{}:
	case <-ctx.Done():
		return canceled(ctx)
	}
	defer func() { <-r.e.sem }()
	t0 := time.Now()
	err := b.Run()
	d := time.Since(t0)
	st.ORT += d
	*graph += d
	if err != nil {
		return fmt.Errorf("core: %w", err)
	}
	return nil
}

func canceled(ctx context.Context) error {
	return newKindError(ErrCanceled, "core: "+ctx.Err().Error(), ctx.Err())
}

// batch samples one batch of tiles: prior, the T-step chain (r.smp), (decode).
func (r *run) batch(ctx context.Context, tiles []tile.Tile, st *Stats) error {
	if err := ctx.Err(); err != nil {
		return canceled(ctx)
	}
	r.prepare(tiles)
	m := r.e.pack
	prior := r.y
	if m.Latent != nil {
		b, err := r.bind(&r.enc, r.e.enc, []ort.Value{{Shape: r.shape(3, r.TH, r.TW), F32: r.y}},
			[]ort.Value{{Shape: r.shape(r.xc, r.lh, r.lw), F32: r.zy}})
		if err != nil {
			return err
		}
		if err := r.call(ctx, b, st, &st.EncoderORT); err != nil {
			return err
		}
		prior = r.zy
	}
	regions := make([]sampler.Region, r.n)
	for k := range regions {
		regions[k] = r.region(tiles[min(k, len(tiles)-1)])
	}
	if err := r.smp.sample(ctx, r, tiles, regions, prior, st); err != nil {
		return err
	}
	if m.Latent != nil {
		b, err := r.bind(&r.dec, r.e.dec, []ort.Value{{Shape: r.shape(r.xc, r.lh, r.lw), F32: r.x}},
			[]ort.Value{{Shape: r.shape(3, r.TH, r.TW), F32: r.img}})
		if err != nil {
			return err
		}
		if err := r.call(ctx, b, st, &st.DecoderORT); err != nil {
			return err
		}
	}
	return nil
}

// sampling runs the T-step chain of one batch once prepare (and the encoder) filled the run's buffers: from
// the prior mean (r.y, or r.zy for latent packs) to the final sample in r.x. perStep calls the denoiser once per
// step and applies the Go sampler's update between calls; fused runs the pack's chain graph in one call.
// An implementation binds its tensors on first use and keeps them for the run.
type sampling interface {
	sample(ctx context.Context, r *run, tiles []tile.Tile, regions []sampler.Region, prior []float32, st *Stats) error
	close()
}

// perStep is the reference path: T denoiser calls, the sampler's Step in Go between them.
type perStep struct {
	den *ort.Binding
}

func (p *perStep) close() {
	if p.den != nil {
		p.den.Close()
	}
}

func (p *perStep) sample(ctx context.Context, r *run, tiles []tile.Tile, regions []sampler.Region, prior []float32, st *Stats) error {
	xsz := r.xc * r.lw * r.lh
	// Each pass below also writes the scaled input of the next denoiser call while its part is
	// still in cache (one pass over memory instead of two).
	first := r.steps - 1
	forParts(regions, func(k int, p sampler.Part) {
		o, l := k*xsz+p.Off, p.Len()
		r.samp.Prior(r.x[o:o+l], prior[o:o+l], p.Region)
		r.samp.ScaleInput(r.xin[o:o+l], r.x[o:o+l], first)
	})
	d := r.e.pack.Denoiser
	in := []ort.Value{{Shape: r.shape(r.xc, r.lh, r.lw), F32: r.xin}, {Shape: []int64{int64(r.n)}}, {Shape: r.shape(3, r.th, r.tw), F32: r.lq}}
	if d.TimestepType == "float32" {
		in[1].F32 = r.tf
	} else {
		in[1].I64 = r.ts
	}
	if d.InputY != "" {
		in = append(in, ort.Value{Shape: r.shape(3, r.TH, r.TW), F32: r.y})
	}
	den, err := r.bind(&p.den, r.e.den, in, []ort.Value{{Shape: r.shape(r.xc, r.lh, r.lw), F32: r.x0}})
	if err != nil {
		return err
	}
	for step, i := range r.samp.Timesteps() {
		if err := ctx.Err(); err != nil {
			return canceled(ctx)
		}
		for k := range r.ts {
			r.ts[k], r.tf[k] = int64(i), float32(i)
		}
		if err := r.call(ctx, den, st, &st.DenoiserORT); err != nil {
			return fmt.Errorf("%w (step %d)", err, i)
		}
		st.DenoiserCalls++
		forParts(regions, func(k int, p sampler.Part) {
			o, l := k*xsz+p.Off, p.Len()
			r.samp.Step(i, r.x[o:o+l], r.x0[o:o+l], prior[o:o+l], p.Region)
			if i > 0 {
				r.samp.ScaleInput(r.xin[o:o+l], r.x[o:o+l], i-1)
			}
		})
		if r.opt.Progress != nil && step+1 < r.steps {
			if err := r.opt.Progress(Progress{TilesDone: tiles[0].Index, Tiles: r.plan.Len(), Step: step + 1, Steps: r.steps}); err != nil {
				return newKindError(ErrCanceled, "core: cancelled by progress callback: "+err.Error(), err)
			}
		}
	}
	return nil
}

// forParts runs fn for every row-band part of every tile region on up to GOMAXPROCS
// goroutines (the sampler's per-element work, noise above all, is the engine's own hot spot).
// Parts are disjoint, so fn may write its part's slices without locking.
func forParts(regions []sampler.Region, fn func(k int, p sampler.Part)) {
	workers := runtime.GOMAXPROCS(0)
	type task struct {
		k int
		p sampler.Part
	}
	var tasks []task
	for k, rg := range regions {
		for _, p := range rg.Split(2 * workers) {
			tasks = append(tasks, task{k, p})
		}
	}
	if workers == 1 || len(tasks) == 1 {
		for _, t := range tasks {
			fn(t.k, t.p)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(tasks)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(tasks) {
					return
				}
				fn(tasks[i].k, tasks[i].p)
			}
		}()
	}
	wg.Wait()
}

func clamp(v []float32) {
	for i, f := range v {
		if f < -1 {
			v[i] = -1
		} else if f > 1 {
			v[i] = 1
		}
	}
}

// firstNonFinite returns (index, false) for the first NaN/Inf sample.
func firstNonFinite(v []float32) (int, bool) {
	for i, f := range v {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return i, false
		}
	}
	return -1, true
}

// clampFinite clamps v to [-1, 1] in place and returns (index, false) for the first NaN/Inf sample.
func clampFinite(v []float32) (int, bool) {
	for i, f := range v {
		switch {
		case f != f || f > math.MaxFloat32 || f < -math.MaxFloat32:
			return i, false
		case f < -1:
			v[i] = -1
		case f > 1:
			v[i] = 1
		}
	}
	return -1, true
}

// constant reports whether all samples are equal within 1e-6 (it stops at the first difference).
func constant(v []float32) bool {
	if len(v) == 0 {
		return true
	}
	lo, hi := v[0], v[0]
	for _, f := range v {
		lo, hi = min(lo, f), max(hi, f)
		if hi-lo >= 1e-6 {
			return false
		}
	}
	return true
}
