// Package local is the in-process implementation of plugin.Upscaler over a
// *core.Engine. The plugin binary serves it; a host that wants the engine in
// its own process (no isolation) can use it directly, with the same
// interface as plugin.Host.
package local

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/pipeline"
	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/vocab"
)

// Upscaler adapts a *core.Engine to plugin.Upscaler. It is safe for
// concurrent use (the engine is); it does not own the engine.
type Upscaler struct {
	e *core.Engine
}

var _ plugin.Upscaler = (*Upscaler)(nil)

// New wraps e; the caller keeps ownership of e and closes it after use.
func New(e *core.Engine) *Upscaler { return &Upscaler{e: e} }

// effective resolves an imageio limit: 0 = def, < 0 = none (reported as 0).
func effective(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// Info describes the engine: model, configured defaults and limits.
func (u *Upscaler) Info(context.Context) (plugin.Info, error) {
	ci, d, enc, lim := u.e.Info(), u.e.Options(), pipeline.EncodeOptions(u.e), pipeline.Limits(u.e)
	seed, overlap := d.Seed, d.Overlap
	return plugin.Info{
		ModelInfo: ci.ModelInfo,
		Defaults: plugin.Options{Sampler: d.Sampler, Seed: &seed, Tile: d.Tile, Overlap: &overlap, Batch: d.Batch,
			Format: u.e.Config().Output.Format, Quality: enc.Quality, Lossless: enc.Lossless, StripMetadata: enc.Strip},
		MaxInputPixels:  effective(lim.MaxPixels, imageio.DefaultMaxPixels),
		MaxInputBytes:   effective(lim.MaxFileBytes, imageio.DefaultMaxFileBytes),
		MaxOutputPixels: effective(lim.MaxOutputPixels, imageio.DefaultMaxOutputPixels),
		PID:             os.Getpid(),
	}, nil
}

// settings merges req's options over the engine's defaults.
func (u *Upscaler) settings(req plugin.Request) (core.Options, imageio.EncodeOptions, imageio.Limits) {
	o := req.Options
	opt := u.e.Options()
	if o.Sampler != vocab.SamplerDefault {
		opt.Sampler = o.Sampler
	}
	if o.Seed != nil {
		opt.Seed = *o.Seed
	}
	opt = opt.With(o.Tiling())
	opt.Progress = req.Progress // one vocab.Progress on both sides
	enc := pipeline.EncodeOptions(u.e)
	if o.Format != vocab.FormatAuto {
		enc.Format = o.Format.String()
	}
	if o.Quality > 0 {
		enc.Quality = o.Quality
	}
	enc.Lossless = enc.Lossless || o.Lossless
	enc.Strip = enc.Strip || o.StripMetadata
	lim := pipeline.Limits(u.e)
	if o.MaxInputPixels > 0 {
		if cur := effective(lim.MaxPixels, imageio.DefaultMaxPixels); cur == 0 || o.MaxInputPixels < cur {
			lim.MaxPixels = o.MaxInputPixels
		}
	}
	return opt, enc, lim
}

// Upscale decodes, upscales and encodes req.Image with the engine. Errors
// are *plugin.Error values of the engine's kind (vocab.KindOf: a limit →
// ErrTooLarge, bad data or options → ErrInvalidInput or a refinement,
// cancellation → ErrCanceled, the rest → ErrInternal); the engine's error
// stays in the chain.
func (u *Upscaler) Upscale(ctx context.Context, req plugin.Request) (plugin.Response, error) {
	start := time.Now()
	if err := req.Options.Validate(); err != nil {
		return plugin.Response{}, err
	}
	if err := ctx.Err(); err != nil {
		return plugin.Response{}, classify(ctx, err)
	}
	opt, enc, lim := u.settings(req)
	img, err := imageio.Decode(req.Image, lim)
	if err != nil {
		return plugin.Response{}, classify(ctx, err)
	}
	// The output format's size limit, before the model runs.
	if err := enc.CheckSize(img, img.Width*u.e.Scale(), img.Height*u.e.Scale()); err != nil {
		return plugin.Response{}, classify(ctx, err)
	}
	out, st, err := pipeline.UpscaleImage(ctx, u.e, img, opt)
	if err != nil {
		return plugin.Response{}, classify(ctx, err)
	}
	b, err := imageio.Encode(out, enc)
	if err != nil {
		return plugin.Response{}, classify(ctx, err)
	}
	st.Total = time.Since(start)
	return plugin.Response{Image: b, Format: vocab.Sniff(b), Width: out.Width, Height: out.Height, Stats: st}, nil
}

// classify wraps an engine or imageio error in a *plugin.Error of its kind
// (vocab.KindOf); when ctx is done, an error that is not a size limit is a
// cancellation.
func classify(ctx context.Context, err error) error {
	kind := vocab.KindOf(err)
	if cerr := ctx.Err(); cerr != nil && kind != vocab.ErrTooLarge && !errors.Is(kind, vocab.ErrCanceled) {
		kind = vocab.KindOf(cerr)
	}
	return &plugin.Error{Kind: kind, Msg: err.Error(), Err: err}
}
