package resample

import (
	"fmt"
	"math"
)

// Resizer holds the precomputed weight tables for one (h, w) → (outH, outW)
// resize. It is immutable and safe for concurrent use; reuse it for many
// images or tiles of the same shape.
//
// Pass order follows MATLAB: the axis with the smaller scale is resized
// first, rows (height) first on ties. For float data the order changes
// results only by rounding; for ResizeUint8 it matters.
type Resizer struct {
	h, w, outH, outW int
	rows, cols       axis
	heightFirst      bool
}

// NewResizer returns a Resizer for h×w → outH×outW with per-axis scale
// out/in (what PyTorch and MATLAB do when given an output size). It panics
// if a size is not positive.
func NewResizer(h, w, outH, outW int, k Kernel) *Resizer {
	checkSizes(1, h, w, outH, outW)
	return newResizer(h, w, outH, outW, float64(outH)/float64(h), float64(outW)/float64(w), k)
}

// NewResizerFactor returns a Resizer for a scale factor f > 0 applied to
// both axes, as imresize(x, f) and F.interpolate(x, scale_factor=f): the
// coordinate mapping uses f exactly, the output size is ceil(h·f)×ceil(w·f)
// (MATLAB's rule; equal to PyTorch's floor whenever h·f is an integer).
// It panics on non-positive sizes or factors.
func NewResizerFactor(h, w int, f float64, k Kernel) *Resizer {
	if !(f > 0) || math.IsInf(f, 0) {
		panic(fmt.Sprintf("resample: invalid scale factor %v", f))
	}
	// Tolerate representation error: 70·(1/4) style products that should
	// be integers must not round up.
	size := func(n int) int { return int(math.Ceil(float64(n)*f - 1e-9)) }
	checkSizes(1, h, w, size(h), size(w))
	return newResizer(h, w, size(h), size(w), f, f, k)
}

func newResizer(h, w, outH, outW int, sy, sx float64, k Kernel) *Resizer {
	return &Resizer{h: h, w: w, outH: outH, outW: outW,
		rows: newAxis(h, outH, sy, k), cols: newAxis(w, outW, sx, k), heightFirst: sy <= sx}
}

// OutSize returns the output height and width.
func (r *Resizer) OutSize() (h, w int) { return r.outH, r.outW }

func checkSizes(c, h, w, outH, outW int) {
	if c <= 0 || h <= 0 || w <= 0 || outH <= 0 || outW <= 0 {
		panic(fmt.Sprintf("resample: invalid sizes c=%d %dx%d -> %dx%d", c, h, w, outH, outW))
	}
}

func (r *Resizer) checkLens(c, src, dst int) {
	checkSizes(c, r.h, r.w, r.outH, r.outW)
	if src != c*r.h*r.w || dst != c*r.outH*r.outW {
		panic(fmt.Sprintf("resample: src length %d / dst length %d, want %d / %d",
			src, dst, c*r.h*r.w, c*r.outH*r.outW))
	}
}

// Resize resamples src (c×h×w, CHW) into a new c×outH×outW slice. It
// panics if c < 1 or len(src) != c*h*w.
func (r *Resizer) Resize(src []float32, c int) []float32 {
	dst := make([]float32, c*r.outH*r.outW)
	r.ResizeInto(dst, src, c)
	return dst
}

// ResizeInto is Resize writing into dst (len c*outH*outW); it allocates only
// one intermediate image. dst must not overlap src. It panics on length
// mismatches.
func (r *Resizer) ResizeInto(dst, src []float32, c int) {
	r.checkLens(c, len(src), len(dst))
	r.run(dst, src, c, nil)
}

// ResizeUint8 resamples an 8-bit planar image the way MATLAB's imresize
// treats uint8 input: each axis pass is computed in floating point and
// rounded (half away from zero) and saturated to 0..255 before the next.
// It panics if c < 1 or len(src) != c*h*w.
func (r *Resizer) ResizeUint8(src []uint8, c int) []uint8 {
	r.checkLens(c, len(src), c*r.outH*r.outW)
	in := make([]float32, len(src))
	for i, v := range src {
		in[i] = float32(v)
	}
	out := make([]float32, c*r.outH*r.outW)
	r.run(out, in, c, quantize)
	dst := make([]uint8, len(out))
	for i, v := range out {
		dst[i] = uint8(v)
	}
	return dst
}

// quantize rounds half away from zero and saturates to 0..255, like a
// MATLAB conversion to uint8.
func quantize(v []float32) {
	for i, f := range v {
		v[i] = float32(math.Round(float64(min(255, max(0, f)))))
	}
}

func (r *Resizer) run(dst, src []float32, c int, pass func([]float32)) {
	if r.heightFirst {
		tmp := make([]float32, c*r.outH*r.w)
		vertical(tmp, src, c, r.w, &r.rows)
		if pass != nil {
			pass(tmp)
		}
		horizontal(dst, tmp, c*r.outH, &r.cols)
	} else {
		tmp := make([]float32, c*r.h*r.outW)
		horizontal(tmp, src, c*r.h, &r.cols)
		if pass != nil {
			pass(tmp)
		}
		vertical(dst, tmp, c, r.outW, &r.rows)
	}
	if pass != nil {
		pass(dst)
	}
}

// Resize resamples src (c×h×w, CHW) to c×outH×outW with kernel k, scale
// out/in per axis. It panics on non-positive sizes or len(src) != c*h*w.
// Build a Resizer to reuse the weight tables across calls.
func Resize(src []float32, c, h, w, outH, outW int, k Kernel) []float32 {
	checkSizes(c, h, w, outH, outW)
	return NewResizer(h, w, outH, outW, k).Resize(src, c)
}

// UpsampleTorch is F.interpolate(x, scale_factor=s, mode="bicubic",
// align_corners=False) for an integer factor s >= 1: output c×(s·h)×(s·w).
func UpsampleTorch(src []float32, c, h, w, s int) []float32 {
	checkSizes(c, h, w, s, s)
	return NewResizerFactor(h, w, float64(s), Torch).Resize(src, c)
}

// UpscaleMatlab is imresize(x, s, "bicubic") in floating point for an
// integer factor s >= 1: output c×(s·h)×(s·w).
func UpscaleMatlab(src []float32, c, h, w, s int) []float32 {
	checkSizes(c, h, w, s, s)
	return NewResizerFactor(h, w, float64(s), Matlab).Resize(src, c)
}

// DownscaleMatlab is imresize(x, 1/s, "bicubic") in floating point for an
// integer factor s >= 1: output c×ceil(h/s)×ceil(w/s), computed with scale
// exactly 1/s (antialiased). Benchmark LR images are made from HR images
// whose sides are multiples of s (mod crop); use ResizeUint8 on a
// NewResizerFactor(h, w, 1/s, Matlab) to reproduce them bit for bit.
func DownscaleMatlab(src []float32, c, h, w, s int) []float32 {
	checkSizes(c, h, w, s, s)
	return NewResizerFactor(h, w, 1/float64(s), Matlab).Resize(src, c)
}
