package sampler

import (
	"fmt"
	"math"
)

// Region is a CHW block of C channels, H rows and W columns whose top-left
// sample sits at global coordinates (Y0, X0) of the full-resolution canvas
// the sampler works on (HR pixels for pixel models, latent pixels for latent
// models). Slices for a region are channel-major: index (c·H + y)·W + x.
type Region struct {
	C, H, W int
	Y0, X0  int
	C0      int // global index of the region's first channel (0 for whole tiles)
}

// Part is a sub-region of one channel and a band of rows, at offset Off of its parent's slice.
type Part struct {
	Region
	Off int
}

// Split divides r into per-channel row bands, at most n per channel (n >= 1), so that
// independent goroutines can fill or step them: each part's slice is
// parent[p.Off : p.Off+p.Len()]. The result depends only on r and n.
func (r Region) Split(n int) []Part {
	n = max(1, min(n, r.H))
	parts := make([]Part, 0, r.C*n)
	for c := 0; c < r.C; c++ {
		for k := 0; k < n; k++ {
			y0, y1 := k*r.H/n, (k+1)*r.H/n
			if y1 == y0 {
				continue
			}
			sub := Region{C: 1, H: y1 - y0, W: r.W, Y0: r.Y0 + y0, X0: r.X0, C0: r.C0 + c}
			parts = append(parts, Part{Region: sub, Off: (c*r.H + y0) * r.W})
		}
	}
	return parts
}

// Len returns C·H·W, the length of a slice holding the region.
func (r Region) Len() int { return r.C * r.H * r.W }

func (r Region) check(name string, n int) {
	if r.C < 0 || r.H < 0 || r.W < 0 || n != r.Len() {
		panic(fmt.Sprintf("sampler: %s has length %d, region %dx%dx%d needs %d", name, n, r.C, r.H, r.W, r.Len()))
	}
}

// Noise is a counter-based standard normal generator: every value is a pure
// function of (Seed, step, channel, global y, global x), so results never
// depend on tile size, tile order, batching or concurrency. The zero value
// (seed 0) is usable. Noise is a value type and safe for concurrent use.
//
// Key convention used by Sampler: step noise of step i (i = 1..T-1) uses
// step = i and the prior uses step = T, so the two never coincide.
//
// Construction: the key is hashed level by level with SplitMix64-style
// mixing (each level indexes a SplitMix64 sequence seeded by the parent
// hash); the final 64-bit hash yields two 32-bit uniforms and the cosine
// branch of Box–Muller. Values are bounded by |ε| ≤ 6.67 (sqrt(2·ln 2^33)).
// The stream is part of the output contract: changing it changes every image.
type Noise struct {
	Seed uint64
}

const (
	gamma    = 0x9E3779B97F4A7C15 // SplitMix64 increment (golden ratio)
	inv32    = 1.0 / (1 << 32)
	twoPi    = 2 * math.Pi
	keyStep  = 0xD1B54A32D192ED03
	keyChan  = 0xAEF17502108EF2D9
	keyRow   = 0xF1357AEA2E62A9C5
	keyCol   = 0x9E6C63D0676A9A99
	seedSalt = 0x5851F42D4C957F2D
)

// mix64 is the SplitMix64 output function (Stafford's variant 13).
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// next hashes one more key component into h: the (v+1)-th element of the
// SplitMix64-like sequence seeded by h, with a per-level odd multiplier.
func next(h uint64, v int, level uint64) uint64 {
	return mix64(h + (uint64(int64(v))+1)*level)
}

// rowKey hashes (seed, step, c, y); the value at x is normal(next(rowKey, x, keyCol)).
func (n Noise) rowKey(step, c, y int) uint64 {
	h := mix64(n.Seed*gamma + seedSalt)
	h = next(h, step, keyStep)
	h = next(h, c, keyChan)
	return next(h, y, keyRow)
}

// normal maps a 64-bit hash to N(0,1) with Box–Muller (cosine branch).
// log and cos are evaluated with polynomials accurate to ~1e-9 (see fastLog,
// cos2Pi): noise generation dominates the engine's own CPU time otherwise.
func normal(h uint64) float32 {
	u1 := (float64(h>>32) + 0.5) * inv32 // (0, 1)
	u2 := float64(uint32(h)) * inv32     // [0, 1)
	return float32(math.Sqrt(-2*fastLog(u1)) * cos2Pi(u2))
}

// fastLog is ln(u) for u in (0, 1]: u = m·2^e with m in [√½, √2), then
// ln m = 2·atanh(s), s = (m−1)/(m+1) ∈ [−0.172, 0.172], by its odd series to s^11
// (truncation error < 3e-11).
func fastLog(u float64) float64 {
	b := math.Float64bits(u)
	e := int((b>>52)&0x7ff) - 1023
	m := math.Float64frombits(b&^(0x7ff<<52) | 1023<<52) // [1, 2)
	if m > math.Sqrt2 {
		m *= 0.5
		e++
	}
	s := (m - 1) / (m + 1)
	s2 := s * s
	p := 1 + s2*(1.0/3+s2*(1.0/5+s2*(1.0/7+s2*(1.0/9+s2*(1.0/11)))))
	return float64(e)*math.Ln2 + 2*s*p
}

// cos2Pi is cos(2πu) for u in [0, 1), by symmetry reduced to cos(x) with
// x ∈ [0, π/2] and its Taylor series to x^14 (error < 1e-10).
func cos2Pi(u float64) float64 {
	// fold u into [0, 0.25] with the sign of the quadrant: cos(2πu) = ±cos(2πv)
	v, sign := u, 1.0
	if v > 0.5 {
		v = 1 - v
	}
	if v > 0.25 {
		v, sign = 0.5-v, -1
	}
	x := twoPi * v
	x2 := x * x
	c := 1 + x2*(-1.0/2+x2*(1.0/24+x2*(-1.0/720+x2*(1.0/40320+x2*(-1.0/3628800+x2*(1.0/479001600+x2*(-1.0/87178291200)))))))
	return sign * c
}

// At returns the standard normal sample for (step, channel c, global row y,
// global column x). Any int is a valid coordinate.
func (n Noise) At(step, c, y, x int) float32 {
	return normal(next(n.rowKey(step, c, y), x, keyCol))
}

// Fill writes the noise of region r at the given step into dst (CHW,
// len(dst) must equal r.Len(), otherwise Fill panics). It allocates nothing.
func (n Noise) Fill(dst []float32, step int, r Region) {
	r.check("dst", len(dst))
	i := 0
	for c := 0; c < r.C; c++ {
		for y := 0; y < r.H; y++ {
			rk := n.rowKey(step, r.C0+c, r.Y0+y)
			row := dst[i : i+r.W]
			for x := range row {
				row[x] = normal(next(rk, r.X0+x, keyCol))
			}
			i += r.W
		}
	}
}
