package core

import (
	"context"
	"time"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/resample"
	"github.com/resshift/resshift/vocab"
)

// Limits returns the configured decode limits, with OutputScale set to the
// model's scale so that imageio.Decode refuses an image whose output would
// exceed max_output_pixels from its header, before decoding it.
func (e *Engine) Limits() imageio.Limits {
	l := e.cfg.Limits
	return imageio.Limits{MaxPixels: l.MaxInputPixels, MaxFileBytes: l.MaxFileBytes, MaxOutputPixels: l.MaxOutputPixels,
		OutputScale: e.pack.Scale}
}

// EncodeOptions returns the configured encoder defaults.
func (e *Engine) EncodeOptions() imageio.EncodeOptions {
	o := e.cfg.Output
	f := o.Format
	if p, err := vocab.ParseFormat(f); err == nil { // Config.Validate refused the rest
		f = p.String()
	}
	return imageio.EncodeOptions{Format: f, Quality: o.Quality, Strip: o.StripMetadata}
}

// UpscaleImage upscales a decoded image: RGB through the model, alpha with
// bicubic interpolation, grayscale, bit depth, format and metadata carried over.
// With alpha, the colour of fully transparent pixels is first replaced by the
// premultiplied mean of the visible colour around them, so it never shows
// at the edges of visible pixels (no dark or light fringe).
// img is not modified; the result owns new buffers.
func (e *Engine) UpscaleImage(ctx context.Context, img *imageio.Image, opt Options) (*imageio.Image, Stats, error) {
	if img == nil {
		return nil, Stats{}, invalid("image: nil")
	}
	s := e.pack.Scale
	if err := e.Limits().CheckOutput(img.Width*s, img.Height*s); err != nil {
		return nil, Stats{}, newKindError(ErrInvalidInput, "core: "+err.Error(), err)
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
		clamp(a)
		out.Alpha = a
	}
	if m := img.Meta; m != nil {
		mm := *m
		mm.XRes, mm.YRes = m.XRes*float64(s), m.YRes*float64(s) // same physical size
		out.Meta = &mm
	}
	return out, st, nil
}

// UpscaleBytes decodes an encoded image (JPEG, PNG, WebP, TIFF, …), upscales
// it and encodes the result (enc.Format "" = the input's format).
func (e *Engine) UpscaleBytes(ctx context.Context, data []byte, opt Options, enc imageio.EncodeOptions) ([]byte, Stats, error) {
	start := time.Now()
	img, err := imageio.Decode(data, e.Limits())
	if err != nil {
		return nil, Stats{}, wrapIO(err)
	}
	// The output format's size limit, before the model runs.
	if err := enc.CheckSize(img, img.Width*e.pack.Scale, img.Height*e.pack.Scale); err != nil {
		return nil, Stats{}, wrapIO(err)
	}
	out, st, err := e.UpscaleImage(ctx, img, opt)
	if err != nil {
		return nil, st, err
	}
	b, err := imageio.Encode(out, enc)
	if err != nil {
		return nil, st, wrapIO(err)
	}
	st.Total = time.Since(start)
	return b, st, nil
}

// wrapIO returns imageio's error as it is: its kinds are the shared
// vocabulary's, where corrupt, unsupported and too large refine
// ErrInvalidInput and ErrInternal stays internal.
func wrapIO(err error) error { return err }
