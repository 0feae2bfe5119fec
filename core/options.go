package core

import (
	"fmt"
	"time"

	"github.com/resshift/resshift/core/sampler"
)

// Options control one Upscale call. Start from Engine.Options() (the configured
// defaults) and change what you need; every field is used as is.
type Options struct {
	Seed    uint64 // noise seed (stochastic sampler and prior)
	Sampler string // "deterministic" | "stochastic"
	Tile    int    // LR tile side (multiple of the model's padding multiple)
	Overlap int    // LR overlap between tiles, < Tile
	Batch   int    // tiles per ONNX Runtime call, 1..model max_batch (fixed graphs: exactly max_batch)

	// Progress, when set, is called after every denoiser call from the
	// goroutine running Upscale. Returning a non-nil error cancels the call,
	// which then fails with an error matching ErrCanceled.
	Progress func(Progress) error
}

// Progress reports the state of an Upscale call.
type Progress struct {
	TilesDone int // tiles fully sampled and blended
	Tiles     int // tiles in the plan
	Step      int // denoiser calls done in the current batch (1..Steps)
	Steps     int // denoiser calls per batch (the model's T)
}

// Stats are timings of one Upscale call.
type Stats struct {
	Tiles         int
	Batches       int
	DenoiserCalls int
	ORT           time.Duration // time inside ONNX Runtime runs (encoder, denoiser, decoder)
	Total         time.Duration // the whole call, including decode/encode when done by the engine
}

// Options returns the configured defaults: sampler and seed from the config,
// tiling from the config where set, otherwise from the model pack.
func (e *Engine) Options() Options {
	t := e.pack.Tiling
	o := Options{Seed: e.cfg.Sampler.Seed, Sampler: e.cfg.Sampler.Kind, Tile: t.Tile, Overlap: t.Overlap, Batch: 1}
	if e.cfg.Tiling.Tile > 0 && !t.Fixed {
		o.Tile = e.cfg.Tiling.Tile
	}
	if e.cfg.Tiling.Overlap >= 0 {
		o.Overlap = e.cfg.Tiling.Overlap
	}
	if e.cfg.Tiling.Batch > 0 {
		o.Batch = e.cfg.Tiling.Batch
	}
	if t.Fixed {
		o.Batch = t.MaxBatch
	}
	return o
}

// check validates per-call options against the model.
func (e *Engine) check(o Options) (sampler.Kind, error) {
	t := e.pack.Tiling
	kind, err := sampler.ParseKind(o.Sampler)
	if err != nil {
		return 0, invalid("sampler: %v", err)
	}
	switch {
	case t.Fixed && o.Tile != t.Tile:
		return 0, invalid("tile: model %s only accepts tile %d, got %d", e.pack.Name, t.Tile, o.Tile)
	case o.Tile < t.Multiple || o.Tile%t.Multiple != 0:
		return 0, invalid("tile: must be a positive multiple of %d, got %d", t.Multiple, o.Tile)
	case o.Tile > 4096:
		return 0, invalid("tile: must be <= 4096, got %d", o.Tile)
	case o.Overlap < 0 || o.Overlap >= o.Tile:
		return 0, invalid("overlap: must be in 0..tile-1 (%d), got %d", o.Tile-1, o.Overlap)
	case o.Batch < 1 || o.Batch > t.MaxBatch:
		return 0, invalid("batch: must be in 1..%d for model %s, got %d", t.MaxBatch, e.pack.Name, o.Batch)
	case t.Fixed && o.Batch != t.MaxBatch:
		return 0, invalid("batch: model %s has fixed-shape graphs with batch %d, got %d", e.pack.Name, t.MaxBatch, o.Batch)
	}
	return kind, nil
}

func invalid(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return newKindError(ErrInvalidInput, "core: "+msg, nil)
}
