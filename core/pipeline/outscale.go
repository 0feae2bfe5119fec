package pipeline

import (
	"context"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/resample"
)

// UpscaleImageTo upscales img with e by the integer factor scale, 2 ≤ scale ≤
// the model's scale. At the model's own scale it is UpscaleImage. Below it the
// image is upscaled at the model's scale and the result (colour and alpha,
// in float) is resized to scale × the input size with MATLAB's antialiased
// bicubic (core/resample.Matlab), a high-quality downscale; the resolution
// metadata follows the output scale. Any other scale is an error matching
// core.ErrInvalidInput. Limits apply to the model-scale intermediate.
func UpscaleImageTo(ctx context.Context, e *core.Engine, img *imageio.Image, scale int, opt core.Options) (*imageio.Image, core.Stats, error) {
	s := e.Scale()
	if scale < 2 || scale > s {
		name := e.Info().Model
		if s == 2 {
			return nil, core.Stats{}, invalid("scale %d: model %s upscales ×2 only", scale, name)
		}
		return nil, core.Stats{}, invalid("scale %d: must be in 2..%d for model %s (×%d, or less by downscaling its result)", scale, s, name, s)
	}
	out, st, err := UpscaleImage(ctx, e, img, opt)
	if err != nil || scale == s {
		return out, st, err
	}
	w, h := img.Width*scale, img.Height*scale
	r := resample.NewResizer(out.Height, out.Width, h, w, resample.Matlab)
	rgb := r.Resize(out.RGB, 3)
	core.Clamp(rgb)
	res := &imageio.Image{Width: w, Height: h, RGB: rgb, Gray: out.Gray, Depth: out.Depth, Format: out.Format, Meta: out.Meta}
	if out.Alpha != nil {
		res.Alpha = r.Resize(out.Alpha, 1)
		core.Clamp(res.Alpha)
	}
	if m := out.Meta; m != nil {
		mm := *m
		f := float64(scale) / float64(s)
		mm.XRes, mm.YRes = m.XRes*f, m.YRes*f
		res.Meta = &mm
	}
	return res, st, nil
}
