// Package pipeline is decode → engine → encode, over *core.Engine: the
// image-level entry points (encoded bytes in and out, or a decoded
// core/imageio.Image with alpha, gray, bit depth and metadata) that the
// faces (CLI, C ABI, plugin, govips stage, job queue) call.
//
// The engine (package core) works on planar float pixel buffers and links
// no codec; this package adds the codecs of core/imageio (libvips) at the
// edge. Errors are the engine's and imageio's, with the kinds of package
// vocab; errors raised here read "core: …" as the engine's do.
package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/resample"
	"github.com/resshift/resshift/vocab"
)

// Limits returns e's configured decode limits, with OutputScale set to the
// model's scale so that imageio.Decode refuses an image whose output would
// exceed max_output_pixels from its header, before decoding it.
func Limits(e *core.Engine) imageio.Limits {
	l := e.Config().Limits
	return imageio.Limits{MaxPixels: l.MaxInputPixels, MaxFileBytes: l.MaxFileBytes, MaxOutputPixels: l.MaxOutputPixels,
		OutputScale: e.Scale()}
}

// EncodeOptions returns e's configured encoder defaults (the output format
// in its canonical name, "jpeg" for a config's "jpg": core.Config holds a
// parsed vocab.Format).
func EncodeOptions(e *core.Engine) imageio.EncodeOptions {
	o := e.Config().Output
	return imageio.EncodeOptions{Format: o.Format.String(), Quality: o.Quality, Strip: o.StripMetadata}
}

// UpscaleImage upscales a decoded image with e: RGB through the model, alpha
// with bicubic interpolation, grayscale, bit depth, format and metadata
// carried over (the resolution scaled to keep the physical size).
// With alpha, the colour of fully transparent pixels is first replaced by the
// premultiplied mean of the visible colour around them, so it never shows
// at the edges of visible pixels (no dark or light fringe).
// img is not modified; the result owns new buffers. A nil image or an output
// over max_output_pixels is an error matching core.ErrInvalidInput.
// It is safe for concurrent use (the engine is).
func UpscaleImage(ctx context.Context, e *core.Engine, img *imageio.Image, opt core.Options) (*imageio.Image, core.Stats, error) {
	if img == nil {
		return nil, core.Stats{}, invalid("image: nil")
	}
	s := e.Scale()
	if err := Limits(e).CheckOutput(img.Width*s, img.Height*s); err != nil {
		return nil, core.Stats{}, vocab.NewError(core.ErrInvalidInput, "core: "+err.Error(), err)
	}
	// The invisible colour of transparent pixels must not bleed into the
	// visible edges: it is replaced by the premultiplied (alpha-weighted)
	// mean of the visible colour around it (see alphafill.go).
	src := img.RGB
	if img.Alpha != nil {
		src = fillTransparent(img.RGB, img.Alpha, img.Width, img.Height)
	}
	rgb, st, err := e.UpscaleRGB(ctx, src, img.Width, img.Height, opt)
	if err != nil {
		return nil, st, err
	}
	out := &imageio.Image{Width: img.Width * s, Height: img.Height * s, RGB: rgb, Gray: img.Gray,
		Depth: img.Depth, Format: img.Format, Meta: img.Meta}
	if img.Alpha != nil {
		a := resample.UpsampleTorch(img.Alpha, 1, img.Height, img.Width, s)
		core.Clamp(a)
		out.Alpha = a
	}
	if m := img.Meta; m != nil {
		mm := *m
		mm.XRes, mm.YRes = m.XRes*float64(s), m.YRes*float64(s) // same physical size
		out.Meta = &mm
	}
	return out, st, nil
}

// UpscaleBytes decodes an encoded image (JPEG, PNG, WebP, TIFF, …) within
// Limits(e), upscales it with UpscaleImage and encodes the result
// (enc.Format "" = the input's format). The output format's size limit is
// checked before the model runs. Decode and encode errors are imageio's, as
// they are: their kinds are the shared vocabulary's, where corrupt,
// unsupported and too large refine core.ErrInvalidInput. Stats.Total
// includes decode and encode.
func UpscaleBytes(ctx context.Context, e *core.Engine, data []byte, opt core.Options, enc imageio.EncodeOptions) ([]byte, core.Stats, error) {
	start := time.Now()
	img, err := imageio.Decode(data, Limits(e))
	if err != nil {
		return nil, core.Stats{}, err
	}
	// The output format's size limit, before the model runs.
	if err := enc.CheckSize(img, img.Width*e.Scale(), img.Height*e.Scale()); err != nil {
		return nil, core.Stats{}, err
	}
	out, st, err := UpscaleImage(ctx, e, img, opt)
	if err != nil {
		return nil, st, err
	}
	b, err := imageio.Encode(out, enc)
	if err != nil {
		return nil, st, err
	}
	st.Total = time.Since(start)
	return b, st, nil
}

// invalid is an error of kind core.ErrInvalidInput reading "core: " + the
// formatted message, like the engine's own.
func invalid(format string, args ...any) error {
	return vocab.NewError(core.ErrInvalidInput, "core: "+fmt.Sprintf(format, args...), nil)
}
