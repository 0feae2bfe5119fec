package core

import (
	"fmt"

	"github.com/resshift/resshift/core/sampler"
	"github.com/resshift/resshift/core/tile"
	"github.com/resshift/resshift/vocab"
)

// Options control one Upscale call. Start from Engine.Options() (the configured
// defaults) and change what you need; every field is used as is.
type Options struct {
	Seed    uint64        // noise seed (stochastic sampler and prior)
	Sampler vocab.Sampler // Stochastic or Deterministic (vocab.SamplerDefault is refused: there is no default here)
	Tile    int           // LR tile side (multiple of the model's padding multiple)
	Overlap int           // LR overlap between tiles, < Tile
	Batch   int           // tiles per ONNX Runtime call, 1..model max_batch (fixed graphs: exactly max_batch)

	// Progress, when set, is called after every denoiser call from the
	// goroutine running Upscale (on the fused chain path, which runs all
	// steps of a batch in one call, the same calls are reported together
	// once that call returns). Returning a non-nil error cancels the call,
	// which then fails with an error matching ErrCanceled.
	Progress func(Progress) error
}

// Progress reports the state of an Upscale call (the shared vocabulary's).
type Progress = vocab.Progress

// Stats are timings of one Upscale call (the shared vocabulary's); Total
// includes decode and encode when core/pipeline did them (pipeline.UpscaleBytes).
type Stats = vocab.Stats

// Options returns the configured defaults: sampler and seed from the config,
// tiling from the config where set, otherwise from the model pack (tile and
// overlap) or 1 (batch). A model with fixed-shape graphs always gets its own
// tile and batch.
func (e *Engine) Options() Options {
	t := e.pack.Tiling
	cfg := e.cfg.Tiling.Settings()
	if t.Fixed {
		cfg.Tile, cfg.Batch = 0, t.MaxBatch
	}
	o := Options{Seed: e.cfg.Sampler.Seed, Sampler: e.cfg.Sampler.Kind}
	return o.With(cfg.Over(tile.Settings{Tile: t.Tile, Overlap: t.Overlap, Batch: 1}))
}

// Tiling returns o's tiling values.
func (o Options) Tiling() tile.Settings {
	return tile.Settings{Tile: o.Tile, Overlap: o.Overlap, Batch: o.Batch}
}

// With returns o with the tiling values s sets: those of s that ask for the
// default (tile.Settings) keep o's. This is how every face applies a
// caller's tiling over Engine.Options; check s first (tile.Settings.Check).
func (o Options) With(s tile.Settings) Options {
	r := s.Over(o.Tiling())
	o.Tile, o.Overlap, o.Batch = r.Tile, r.Overlap, r.Batch
	return o
}

// OptionError is a per-call option the model does not accept. It matches ErrInvalidInput.
type OptionError struct {
	Field string // "sampler", "tile", "overlap" or "batch"
	Msg   string // starts with the offending value, e.g. "30: must be a positive multiple of 4 for model x"
}

func (e *OptionError) Error() string { return "core: " + e.Field + " " + e.Msg }
func (e *OptionError) Unwrap() error { return ErrInvalidInput }

// CheckOptions validates per-call options against the model (Upscale calls it too);
// the error is an *OptionError naming the field.
func (e *Engine) CheckOptions(o Options) error {
	_, err := e.check(o)
	return err
}

func (e *Engine) check(o Options) (sampler.Kind, error) {
	t := e.pack.Tiling
	name := e.pack.Name
	bad := func(field, format string, args ...any) (sampler.Kind, error) {
		return 0, &OptionError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case !o.Sampler.Valid():
		return bad("sampler", "%q: must be stochastic or deterministic", o.Sampler.String())
	case t.Fixed && o.Tile != t.Tile:
		return bad("tile", "%d: model %s has fixed-shape graphs and only accepts tile %d", o.Tile, name, t.Tile)
	case o.Tile < t.Multiple || o.Tile%t.Multiple != 0:
		return bad("tile", "%d: must be a positive multiple of %d for model %s", o.Tile, t.Multiple, name)
	case o.Tile > tile.MaxTile:
		return bad("tile", "%d: must be <= %d", o.Tile, tile.MaxTile)
	case o.Overlap < 0 || o.Overlap >= o.Tile:
		return bad("overlap", "%d: must be in 0..%d (less than the tile, %d)", o.Overlap, o.Tile-1, o.Tile)
	case t.Fixed && o.Batch != t.MaxBatch:
		return bad("batch", "%d: model %s has fixed-shape graphs with batch %d", o.Batch, name, t.MaxBatch)
	case o.Batch < 1 || o.Batch > t.MaxBatch:
		return bad("batch", "%d: must be in 1..%d for model %s", o.Batch, t.MaxBatch, name)
	}
	return o.Sampler, nil
}

func invalid(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return newKindError(ErrInvalidInput, "core: "+msg, nil)
}
