package main

import (
	"math"
	"math/bits"
	"strings"
	"testing"

	"github.com/resshift/resshift/core/imageio"
)

// FuzzCheckLayout: the C ABI's check of a caller's pixel-buffer description (resshift_image: width, height,
// stride, channels, bits per channel, against the engine's scale and limits) never panics or overflows: a
// refusal records an invalid-argument, unsupported or too-large status with a message naming the function; an
// accepted layout has a size within the limits, a stride of at least a packed row, an input span and a packed
// output size that fit in memory, and an output exactly scale times the input.
func FuzzCheckLayout(f *testing.F) {
	// Seeds: the shapes capi/capitest uses (RGB, RGBA, gray, gray+alpha, 8/16-bit, padded and packed rows)
	// and the edge cases it refuses.
	f.Add(uint8(4), int64(32), int64(24), uint64(0), int8(3), int8(8), true, int64(0), int64(0))
	f.Add(uint8(4), int64(17), int64(9), uint64(17*4+5), int8(4), int8(8), true, int64(0), int64(0))
	f.Add(uint8(2), int64(16), int64(16), uint64(16*2*2), int8(2), int8(16), true, int64(1000), int64(-1))
	f.Add(uint8(4), int64(8), int64(8), uint64(3), int8(1), int8(16), true, int64(0), int64(0))
	f.Add(uint8(4), int64(1<<31), int64(1<<31), uint64(1<<63), int8(4), int8(16), true, int64(-1), int64(-1))
	f.Add(uint8(8), int64(-1), int64(5), uint64(0), int8(5), int8(12), false, int64(0), int64(0))
	f.Fuzz(func(t *testing.T, scale uint8, w, h int64, stride uint64, ch, bitsPer int8, checkStride bool, maxIn, maxOut int64) {
		if scale == 0 {
			return // the engine's scale is 1, 2, 4 or 8 (a validated manifest)
		}
		lim := imageio.Limits{MaxPixels: maxIn, MaxOutputPixels: maxOut}
		c := &call{op: "resshift_fuzz"}
		l, ok := c.checkLayout(int(scale), lim, int(w), int(h), uintptr(stride), int(ch), int(bitsPer), checkStride)
		if !ok {
			if c.code != stInvalid && c.code != stUnsupported && c.code != stTooLarge {
				t.Fatalf("refused with status %d: %s", c.code, c.msg)
			}
			if !strings.HasPrefix(c.msg, "resshift_fuzz: ") || len(c.msg) <= len("resshift_fuzz: ") {
				t.Fatalf("message %q does not name the function and the problem", c.msg)
			}
			return
		}
		if c.code != stOK || c.msg != "" {
			t.Fatalf("accepted with status %d %q", c.code, c.msg)
		}
		if l.w != int(w) || l.h != int(h) || l.w <= 0 || l.h <= 0 || l.ch < 1 || l.ch > 4 ||
			(l.bits != 8 && l.bits != 16) || l.bps != l.bits/8 {
			t.Fatalf("accepted layout %+v", l)
		}
		if in, limit := w*h, pick(maxIn, imageio.DefaultMaxPixels); limit >= 0 && in > limit {
			t.Fatalf("accepted %d×%d pixels over the limit %d", w, h, limit)
		}
		if l.W != l.w*int(scale) || l.H != l.h*int(scale) || l.W > math.MaxInt32 || l.H > math.MaxInt32 {
			t.Fatalf("output %d×%d for input %d×%d at ×%d", l.W, l.H, l.w, l.h, scale)
		}
		if err := lim.CheckOutput(l.W, l.H); err != nil {
			t.Fatalf("accepted an output over the limit: %v", err)
		}
		row := uint64(l.w) * uint64(l.ch) * uint64(l.bps)
		if uint64(l.row) != row || uint64(l.stride) < row || (checkStride && stride != 0 && uint64(l.stride) != stride) {
			t.Fatalf("row %d, stride %d (given %d)", l.row, l.stride, stride)
		}
		if hi, lo := bits.Mul64(uint64(l.h-1), uint64(l.stride)); hi != 0 || lo+row < lo || lo+row > math.MaxInt64 {
			t.Fatalf("input span of %d rows × stride %d overflows", l.h, l.stride)
		}
		outRow := uint64(l.W) * uint64(l.ch) * uint64(l.bps)
		if hi, lo := bits.Mul64(outRow, uint64(l.H)); hi != 0 || lo > math.MaxInt64 || uint64(l.outSize) != lo ||
			uint64(l.outRow) != outRow {
			t.Fatalf("output row %d, size %d for %d×%d×%d×%d", l.outRow, l.outSize, l.W, l.H, l.ch, l.bps)
		}
	})
}

// pick is Limits' "0 = default" rule.
func pick(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}
