// Package vipsstage is a resshift stage for libvips pipelines written in Go
// with govips: it takes a *vips.ImageRef and returns the upscaled one.
//
// The stage has the engine's image semantics because it uses the engine's
// own conversions (imageio.FromRef and imageio.ToRef): EXIF orientation is
// applied (the result is upright, orientation 1), an embedded colour profile
// is converted to sRGB (the result carries the sRGB profile), alpha is
// upscaled separately and kept, gray stays gray and 16-bit stays 16-bit.
// EXIF is not carried to the result (see imageio.ToRef); ICC, XMP, IPTC and
// the resolution are.
//
// The work is done by an [Upscaler]: a *core.Engine in process through
// [Engine], or the resshift plugin process through [Plugin] (a
// *plugin.Host), so the same pipeline code runs either way. The model is
// chosen where the Upscaler is made: core.Config.Model for an engine, the plugin's config `model` key or
// RESSHIFT_MODEL (plugin.HostConfig.Env) for a Host; both take the name or
// alias of an embedded pack ("clean") or a pack directory.
package vipsstage

import (
	"context"
	"fmt"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/pipeline"
	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/vocab"
)

// Upscaler does the stage's work. [Engine] adapts a *core.Engine; [Plugin]
// adapts a plugin.Upscaler. Implementations are safe for concurrent use.
type Upscaler interface {
	// UpscaleImage upscales a decoded image (see pipeline.UpscaleImage).
	UpscaleImage(ctx context.Context, img *imageio.Image, opt core.Options) (*imageio.Image, core.Stats, error)
	// Options returns the configured default options.
	Options() core.Options
}

// Engine adapts an engine in this process: UpscaleImage is
// pipeline.UpscaleImage on e, Options e.Options(). It does not own e.
func Engine(e *core.Engine) Upscaler { return inProcess{e} }

type inProcess struct{ e *core.Engine }

func (p inProcess) Options() core.Options { return p.e.Options() }

func (p inProcess) UpscaleImage(ctx context.Context, img *imageio.Image, opt core.Options) (*imageio.Image, core.Stats, error) {
	return pipeline.UpscaleImage(ctx, p.e, img, opt)
}

// Options of one stage call.
type Options struct {
	// Engine holds the sampling and tiling options; nil uses the
	// upscaler's configured defaults (Upscaler.Options()).
	Engine *core.Options
	// Limits bound the input ref, checked before its pixels are computed
	// (zero fields: the imageio defaults).
	Limits imageio.Limits
}

// Stage upscales govips images with an Upscaler. It is safe for concurrent
// use; it does not own the Upscaler.
type Stage struct {
	u Upscaler
}

// New returns a stage that runs u.
func New(u Upscaler) *Stage { return &Stage{u: u} }

// Upscale returns a new image, ref upscaled by the model's scale; ref is
// only read (its pipeline is evaluated once) and stays the caller's. The
// caller owns the result and closes it. Errors wrap imageio's for the
// conversions (imageio.ErrTooLarge for opt.Limits, ...) and the upscaler's:
// the shared kinds of package vocab (core.ErrInvalidInput, ErrCanceled,
// ErrModelOutput, ...), the same in process and through the plugin.
func (s *Stage) Upscale(ctx context.Context, ref *vips.ImageRef, opt Options) (*vips.ImageRef, error) {
	img, err := imageio.FromRef(ref, opt.Limits)
	if err != nil {
		return nil, fmt.Errorf("vipsstage: %w", err)
	}
	o := s.u.Options()
	if opt.Engine != nil {
		o = *opt.Engine
	}
	out, _, err := s.u.UpscaleImage(ctx, img, o)
	if err != nil {
		return nil, fmt.Errorf("vipsstage: %w", err)
	}
	res, err := imageio.ToRef(out)
	if err != nil {
		return nil, fmt.Errorf("vipsstage: %w", err)
	}
	return res, nil
}

// Plugin adapts a plugin.Upscaler (a *plugin.Host, usually) to the stage.
// The image travels to the plugin as a lossless 16-bit TIFF with its alpha,
// gray flag, ICC and XMP (the result gets the input's depth back); Options() are the plugin's defaults as reported
// by its Info (read once, here).
func Plugin(ctx context.Context, u plugin.Upscaler) (Upscaler, error) {
	info, err := u.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("vipsstage: %w", err)
	}
	d := info.Defaults
	o := core.Options{Sampler: d.Sampler, Tile: d.Tile, Batch: d.Batch}
	if d.Seed != nil {
		o.Seed = *d.Seed
	}
	if d.Overlap != nil {
		o.Overlap = *d.Overlap
	}
	return &viaPlugin{u: u, defaults: o}, nil
}

type viaPlugin struct {
	u        plugin.Upscaler
	defaults core.Options
}

func (p *viaPlugin) Options() core.Options { return p.defaults }

func (p *viaPlugin) UpscaleImage(ctx context.Context, img *imageio.Image, opt core.Options) (*imageio.Image, core.Stats, error) {
	// 16 bits on the wire: FromRef's samples can be finer than the source's
	// 8 bits (colour-profile conversion runs at 16-bit precision).
	wire := *img
	wire.Depth = 16
	data, err := imageio.Encode(&wire, imageio.EncodeOptions{Format: vocab.TIFF.String()})
	if err != nil {
		return nil, core.Stats{}, err
	}
	seed, overlap := opt.Seed, opt.Overlap
	req := plugin.Request{Image: data, Options: plugin.Options{Sampler: opt.Sampler, Seed: &seed, Tile: opt.Tile,
		Overlap: &overlap, Batch: opt.Batch, Format: vocab.TIFF}}
	req.Progress = opt.Progress // one vocab.Progress on both sides
	res, err := p.u.Upscale(ctx, req)
	if err != nil {
		return nil, core.Stats{}, err // the plugin's kinds are the engine's (package vocab)
	}
	// The plugin already applied its limits; the result is as large as it is.
	out, err := imageio.Decode(res.Image, imageio.Limits{MaxPixels: -1, MaxFileBytes: -1})
	if err != nil {
		return nil, core.Stats{}, fmt.Errorf("decode the plugin's result: %w", err)
	}
	out.Format, out.Depth = img.Format, img.Depth
	return out, res.Stats, nil
}
