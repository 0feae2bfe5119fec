package main

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"

	"github.com/resshift/resshift/core/imageio"
)

// layout describes a caller's pixel buffer and the result it produces.
type layout struct {
	w, h    int     // input size
	ch      int     // channels, 1..4
	bits    int     // 8 or 16
	bps     int     // bytes per sample
	stride  uintptr // input row distance in bytes
	row     uintptr // input row size in bytes
	W, H    int     // output size
	outRow  uintptr // output row size in bytes (packed)
	outSize uintptr // packed output size in bytes
}

// checkLayout validates an image description against the engine's scale and
// limits; it records the error and returns false when it is unusable.
// stride is ignored (treated as packed) when checkStride is false.
func (c *call) checkLayout(scale int, lim imageio.Limits, w, h int, stride uintptr, ch, bitsPer int, checkStride bool) (layout, bool) {
	var l layout
	switch {
	case w <= 0 || h <= 0:
		c.fail(stInvalid, "width and height must be > 0, got %d×%d", w, h)
		return l, false
	case ch < 1 || ch > 4:
		c.fail(stInvalid, "channels must be 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA), got %d", ch)
		return l, false
	case bitsPer != 8 && bitsPer != 16:
		c.fail(stUnsupported, "bits_per_channel must be 8 or 16, got %d", bitsPer)
		return l, false
	}
	l = layout{w: w, h: h, ch: ch, bits: bitsPer, bps: bitsPer / 8}
	// Limits first: they name the configured key, and an absurd size is
	// "too large" rather than a stride problem.
	maxIn := lim.MaxPixels
	if maxIn == 0 {
		maxIn = imageio.DefaultMaxPixels
	}
	if n := int64(w) * int64(h); maxIn >= 0 && n > maxIn {
		c.fail(stTooLarge, "input is %d×%d = %d pixels, limit %d (limits.max_input_pixels)", w, h, n, maxIn)
		return l, false
	}
	l.W, l.H = w*scale, h*scale
	if err := lim.CheckOutput(l.W, l.H); err != nil {
		c.fail(stTooLarge, "%v (limits.max_output_pixels)", err)
		return l, false
	}
	if l.W > math.MaxInt32 || l.H > math.MaxInt32 {
		c.fail(stTooLarge, "output %d×%d does not fit the int32 width and height of resshift_image", l.W, l.H)
		return l, false
	}
	l.row = uintptr(w) * uintptr(ch) * uintptr(l.bps)
	l.stride = stride
	if !checkStride || stride == 0 {
		l.stride = l.row
	}
	if l.stride < l.row {
		c.fail(stInvalid, "stride %d is smaller than a row: width %d × channels %d × %d bytes = %d", stride, w, ch, l.bps, l.row)
		return l, false
	}
	if _, ok := span(h, l.stride, l.row); !ok {
		c.fail(stInvalid, "stride %d × height %d does not fit in memory", l.stride, h)
		return l, false
	}
	l.outRow = uintptr(l.W) * uintptr(ch) * uintptr(l.bps) // W <= MaxInt32: cannot overflow
	// With the limits off (-1) the packed output can exceed the address space: refuse rather than wrap.
	size, ok := span(l.H, l.outRow, l.outRow)
	if !ok {
		c.fail(stTooLarge, "output %d×%d × %d channels × %d bytes does not fit in memory", l.W, l.H, ch, l.bps)
		return l, false
	}
	l.outSize = uintptr(size)
	return l, true
}

// span returns (rows-1)·stride + row, the bytes a buffer of rows rows
// spans, and false when that overflows.
func span(rows int, stride, row uintptr) (uint64, bool) {
	hi, lo := bits.Mul64(uint64(rows-1), uint64(stride))
	if hi != 0 || lo > math.MaxInt64-uint64(row) {
		return 0, false
	}
	return lo + uint64(row), true
}

// lut8 maps an 8-bit sample to [-1, 1] exactly as core/imageio's decoder does.
var lut8 = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i)/127.5 - 1
	}
	return t
}()

// from16 maps a 16-bit sample to [-1, 1] exactly as core/imageio's decoder does.
func from16(x uint16) float32 { return float32(float64(x)/32767.5 - 1) }

// toImage converts the caller's interleaved pixels to the engine's planar
// layout: gray is replicated into three planes (flagged Gray), alpha goes to
// its own plane. px is only read.
func toImage(px unsafe.Pointer, l layout) *imageio.Image {
	n := l.w * l.h
	img := &imageio.Image{Width: l.w, Height: l.h, RGB: make([]float32, 3*n), Depth: l.bits, Gray: l.ch <= 2}
	if l.ch == 2 || l.ch == 4 {
		img.Alpha = make([]float32, n)
	}
	colour := l.ch
	if img.Alpha != nil {
		colour--
	}
	r, g, b := img.RGB[:n], img.RGB[n:2*n], img.RGB[2*n:]
	for y := 0; y < l.h; y++ {
		row := unsafe.Slice((*byte)(unsafe.Add(px, uintptr(y)*l.stride)), l.row)
		for x := 0; x < l.w; x++ {
			i := y*l.w + x
			var v [4]float32
			for k := 0; k < l.ch; k++ {
				j := x*l.ch + k
				if l.bits == 8 {
					v[k] = lut8[row[j]]
				} else {
					v[k] = from16(binary.NativeEndian.Uint16(row[2*j:]))
				}
			}
			if colour == 1 {
				r[i], g[i], b[i] = v[0], v[0], v[0]
			} else {
				r[i], g[i], b[i] = v[0], v[1], v[2]
			}
			if img.Alpha != nil {
				img.Alpha[i] = v[colour]
			}
		}
	}
	return img
}

// writePixels interleaves the engine's result into dst (rows dstStride bytes
// apart) with the layout's channels and depth. Gray outputs are the mean of
// the three planes (exactly the plane where they agree), like core/imageio.
func writePixels(dst unsafe.Pointer, dstStride uintptr, img *imageio.Image, l layout) {
	W, H := img.Width, img.Height
	n := W * H
	r, g, b := img.RGB[:n], img.RGB[n:2*n], img.RGB[2*n:3*n]
	for y := 0; y < H; y++ {
		row := unsafe.Slice((*byte)(unsafe.Add(dst, uintptr(y)*dstStride)), l.outRow)
		for x := 0; x < W; x++ {
			i := y*W + x
			var v [4]float32
			k := 0
			if l.ch <= 2 {
				if r[i] == g[i] && g[i] == b[i] {
					v[0] = r[i]
				} else {
					v[0] = (r[i] + g[i] + b[i]) / 3
				}
				k = 1
			} else {
				v[0], v[1], v[2] = r[i], g[i], b[i]
				k = 3
			}
			if l.ch == 2 || l.ch == 4 {
				v[k] = img.Alpha[i]
			}
			for c := 0; c < l.ch; c++ {
				j := x*l.ch + c
				if l.bits == 8 {
					row[j] = imageio.Quant8(v[c])
				} else {
					binary.NativeEndian.PutUint16(row[2*j:], imageio.Quant16(v[c]))
				}
			}
		}
	}
}
