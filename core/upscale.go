package core

import (
	"context"
	"fmt"
	"math"
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
// every other entry point and is safe for concurrent use: UpscaleTiles over
// every tile of the plan, blended in plan order.
func (e *Engine) UpscaleRGB(ctx context.Context, rgb []float32, w, h int, opt Options) ([]float32, Stats, error) {
	start := time.Now()
	var st Stats
	plan, kind, err := e.begin(rgb, w, h, opt)
	if err != nil {
		return nil, st, err
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
	err = e.sampleTiles(ctx, plan, rgb, opt, kind, plan.All(), func(t tile.Tile, hr []float32) error {
		if err := blend.Add(t, hr); err != nil {
			return fmt.Errorf("core: %w", err)
		}
		return nil
	}, &st)
	if err != nil {
		blend.Close()
		return nil, st, err
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

// Plan returns the tile plan UpscaleRGB and UpscaleTiles use for a w×h image under opt (LR pixels). A
// coordinator that spreads the tiles over several calls (or engines of the same pack) splits it into ranges
// (tile.Plan.Split) and blends the HR tiles in plan order with tile.NewBlender(plan, e.Scale(), 3, sink).
func (e *Engine) Plan(w, h int, opt Options) (*tile.Plan, error) {
	if w <= 0 || h <= 0 {
		return nil, invalid("image: width and height must be > 0, got %d×%d", w, h)
	}
	if _, err := e.check(opt); err != nil {
		return nil, err
	}
	return e.plan(w, h, opt)
}

// UpscaleTiles samples the tiles rng of the plan e.Plan(w, h, opt) for the planar RGB image rgb (3×h×w in
// [-1, 1], read only) and hands each tile's HR result to emit in plan order: 3×(TileH·s)×(TileW·s) values,
// clamped to [-1, 1], valid only during the call. An error from emit stops the call and is returned as is.
//
// Noise is keyed by global canvas coordinates, so a tile comes out the same whichever call samples it: blending
// the tiles of calls that cover the plan (in plan order, tile.NewBlender) gives UpscaleRGB's result bit for
// bit when every range starts at a multiple of opt.Batch (tile.Plan.Split(n, opt.Batch)), so that each call
// feeds the network the same batches. Progress counts the range's tiles (TilesDone of Tiles = rng.N); Stats
// cover this call. Safe for concurrent use.
func (e *Engine) UpscaleTiles(ctx context.Context, rgb []float32, w, h int, opt Options, rng tile.Range,
	emit func(t tile.Tile, hr []float32) error) (Stats, error) {
	start := time.Now()
	var st Stats
	plan, kind, err := e.begin(rgb, w, h, opt)
	if err != nil {
		return st, err
	}
	if err := plan.CheckRange(rng); err != nil {
		return st, newKindError(ErrInvalidInput, "core: "+err.Error(), err)
	}
	if emit == nil {
		return st, invalid("UpscaleTiles: emit is nil")
	}
	if err := e.sampleTiles(ctx, plan, rgb, opt, kind, rng, emit, &st); err != nil {
		return st, err
	}
	st.Total = time.Since(start)
	return st, nil
}

// begin checks a call's image and options and returns its tile plan and sampler kind.
func (e *Engine) begin(rgb []float32, w, h int, opt Options) (*tile.Plan, sampler.Kind, error) {
	if w <= 0 || h <= 0 {
		return nil, 0, invalid("image: width and height must be > 0, got %d×%d", w, h)
	}
	if len(rgb) != 3*w*h {
		return nil, 0, invalid("image: %d samples for a 3×%d×%d image (want %d)", len(rgb), h, w, 3*w*h)
	}
	kind, err := e.check(opt)
	if err != nil {
		return nil, 0, err
	}
	if i, ok := firstNonFinite(rgb); !ok {
		return nil, 0, invalid("image: sample %d is NaN or Inf", i)
	}
	plan, err := e.plan(w, h, opt)
	return plan, kind, err
}

func (e *Engine) plan(w, h int, opt Options) (*tile.Plan, error) {
	tl := e.pack.Tiling
	plan, err := tile.NewPlan(w, h, tile.Config{Tile: opt.Tile, Overlap: opt.Overlap, Multiple: tl.Multiple, Fixed: tl.Fixed})
	if err != nil {
		return nil, newKindError(ErrInvalidInput, "core: "+err.Error(), err)
	}
	return plan, nil
}

// sampleTiles samples the tiles rng of plan in batches of opt.Batch (from rng.First) and emits their HR results
// in plan order, reporting a Progress per batch.
func (e *Engine) sampleTiles(ctx context.Context, plan *tile.Plan, rgb []float32, opt Options, kind sampler.Kind,
	rng tile.Range, emit func(tile.Tile, []float32) error, st *Stats) error {
	n := opt.Batch
	if !e.pack.Tiling.Fixed {
		n = min(n, plan.Len()) // fixed graphs take exactly their batch; dynamic ones need no padding tiles
	}
	key := runKey{n: n, tw: plan.TileW, th: plan.TileH, kind: kind}
	r := e.runs.get(key)
	if r == nil {
		r = newRun(e, key)
	}
	r.reset(plan, rgb, opt, rng)
	defer e.runs.put(r)
	st.Tiles = rng.N
	end := rng.First + rng.N
	for first := rng.First; first < end; first += opt.Batch {
		n := min(opt.Batch, end-first)
		tiles := make([]tile.Tile, n)
		for k := range tiles {
			tiles[k] = plan.Tile(first + k)
		}
		if err := r.batch(ctx, tiles, st); err != nil {
			return err
		}
		for k, t := range tiles {
			hr := r.hrTile(k)
			if i, ok := clampFinite(hr); !ok {
				return newKindError(ErrModelOutput, fmt.Sprintf("core: model %s produced NaN/Inf in tile %d (sample %d)", e.pack.Name, t.Index, i), nil)
			}
			if err := emit(t, hr); err != nil {
				return err
			}
		}
		st.Batches++
		if opt.Progress != nil {
			if err := opt.Progress(Progress{TilesDone: first - rng.First + n, Tiles: rng.N, Step: r.steps, Steps: r.steps}); err != nil {
				return progressCanceled(err)
			}
		}
	}
	return nil
}

// progressCanceled is the error of a call whose progress callback returned err.
func progressCanceled(err error) error {
	return newKindError(ErrCanceled, "core: cancelled by progress callback: "+err.Error(), err)
}

// run holds the buffers and ONNX Runtime bindings for batches of one tile shape: reused across the batches of a
// call and, through the engine's runPool, across calls with the same runKey.
type run struct {
	e       *Engine
	key     runKey
	plan    *tile.Plan
	rng     tile.Range // the call's tiles
	src     []float32
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
	x       []float32 // the sample (x space)
	img     []float32 // decoded HR (latent only)
	up      []float32 // upsampled LR tile with margin
	resizer *resample.Resizer
	smp     Stepper      // per-step or fused chain (newStepper)
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
	r.x = make([]float32, xl)
	r.up = make([]float32, 3*(r.tw+2*yMargin)*s*(r.th+2*yMargin)*s)
	if e.pack.Latent != nil {
		r.zy = make([]float32, xl)
		r.img = make([]float32, n*3*r.TW*r.TH)
	}
	r.resizer = resample.NewResizer(r.th+2*yMargin, r.tw+2*yMargin, (r.th+2*yMargin)*s, (r.tw+2*yMargin)*s, resample.Torch)
	r.smp = newStepper(r, key.kind)
	return r
}

// reset points the run at one call's image, plan, options and tiles (the plan's tile shape must be the run's).
func (r *run) reset(plan *tile.Plan, src []float32, opt Options, rng tile.Range) {
	r.plan, r.src, r.opt, r.rng = plan, src, opt, rng
	r.samp = sampler.New(r.e.sched, r.key.kind, opt.Seed)
}

// close releases the run's ONNX Runtime bindings.
func (r *run) close() {
	r.smp.Close()
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

// prepare fills lq and y for the tiles; short batches repeat the last tile.
func (r *run) prepare(tiles []tile.Tile) {
	lqSz, ySz := 3*r.tw*r.th, 3*r.TW*r.TH
	eh := r.th + 2*yMargin
	s := r.e.pack.Scale
	EW := (r.tw + 2*yMargin) * s
	up := r.up
	for k := 0; k < r.n; k++ {
		t := tiles[min(k, len(tiles)-1)]
		r.plan.Extract(r.lq[k*lqSz:(k+1)*lqSz], r.src, 3, t)
		r.plan.ExtractMargin(r.ext, r.src, 3, t, yMargin)
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

// batch samples one batch of tiles: prepare, (encode), the run's Stepper, (decode).
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
	b := &Batch{Size: r.n, Tiles: tiles, Regions: regions, LQ: r.lq, Y: r.y, Prior: prior, X: r.x, Sampler: r.samp, Stats: st}
	if r.opt.Progress != nil {
		done, of := tiles[0].Index-r.rng.First, r.rng.N
		b.Progress = func(step int) error {
			if err := r.opt.Progress(Progress{TilesDone: done, Tiles: of, Step: step, Steps: r.steps}); err != nil {
				return progressCanceled(err)
			}
			return nil
		}
	}
	if err := r.smp.Sample(ctx, b); err != nil {
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
