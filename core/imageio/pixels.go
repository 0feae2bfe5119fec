package imageio

import (
	"math"
	"sync"
	"unsafe"
)

// Sample ↔ float conversions. Integer samples map to [-1, 1] by
// v = x/(max/2) − 1 (max = 255 or 65535), and back by rounding
// (v+1)·max/2 to the nearest integer, clamped to [0, max]. The round trip
// integer → float32 → integer is exact for both depths.

// lut8 maps an 8-bit sample to [-1, 1].
var lut8 = sync.OnceValue(func() *[256]float32 {
	var t [256]float32
	for i := range t {
		t[i] = float32(i)/127.5 - 1
	}
	return &t
})

// lut16 maps a 16-bit sample to [-1, 1].
var lut16 = sync.OnceValue(func() []float32 {
	t := make([]float32, 65536)
	for i := range t {
		t[i] = float32(float64(i)/32767.5 - 1)
	}
	return t
})

// unpack converts n interleaved pixels of bands samples (format fmt, full
// scale full for float) from src into planes: plane p of dst gets band
// min(p, bands-1), so a 1-band source fills every plane. dst holds
// planes·n samples. It returns false if a float sample is NaN.
func unpack(dst []float32, planes int, src unsafe.Pointer, fmt sampleFormat, bands, n int, full float64) bool {
	switch fmt {
	case formatU8:
		s := unsafe.Slice((*uint8)(src), n*bands)
		lut := lut8()
		for p := 0; p < planes; p++ {
			b := min(p, bands-1)
			d := dst[p*n : (p+1)*n]
			for i := range d {
				d[i] = lut[s[i*bands+b]]
			}
		}
	case formatU16:
		s := unsafe.Slice((*uint16)(src), n*bands)
		lut := lut16()
		for p := 0; p < planes; p++ {
			b := min(p, bands-1)
			d := dst[p*n : (p+1)*n]
			for i := range d {
				d[i] = lut[s[i*bands+b]]
			}
		}
	case formatF32:
		s := unsafe.Slice((*float32)(src), n*bands)
		k := 2 / full
		for p := 0; p < planes; p++ {
			b := min(p, bands-1)
			d := dst[p*n : (p+1)*n]
			for i := range d {
				x := float64(s[i*bands+b])
				if x != x {
					return false
				}
				d[i] = float32(min(1, max(-1, x*k-1)))
			}
		}
	}
	return true
}

// sampleFormat is the integer output sample type.
type sampleFormat int

const (
	formatU8 sampleFormat = iota
	formatU16
	formatF32
)

// Quant8 rounds v ∈ [-1, 1] to an 8-bit level exactly as Encode does (round((v+1)·127.5), clamped);
// hosts that hand out raw pixels use it so their pixels equal an encoded image's.
func Quant8(v float32) uint8 {
	x := (v+1)*127.5 + 0.5
	if x <= 0 {
		return 0
	}
	if x >= 255 {
		return 255
	}
	return uint8(x)
}

// Quant16 is Quant8 for 16-bit levels.
func Quant16(v float32) uint16 {
	x := (float64(v)+1)*32767.5 + 0.5
	if x <= 0 {
		return 0
	}
	if x >= 65535 {
		return 65535
	}
	return uint16(x)
}

// finite reports whether every sample of s is finite, and the index of the
// first that is not.
func finite(s []float32) (int, bool) {
	for i, v := range s {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return i, false
		}
	}
	return 0, true
}

// pack interleaves planes (each n samples; nil planes are skipped by the
// caller) into a band-interleaved buffer of the given depth (8 or 16,
// native byte order as libvips expects).
func pack(planes [][]float32, n, depth int) []byte {
	bands := len(planes)
	if depth == 8 {
		out := make([]byte, n*bands)
		for b, p := range planes {
			for i, v := range p[:n] {
				out[i*bands+b] = Quant8(v)
			}
		}
		return out
	}
	s := make([]uint16, n*bands)
	for b, p := range planes {
		for i, v := range p[:n] {
			s[i*bands+b] = Quant16(v)
		}
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 2*len(s))
}
