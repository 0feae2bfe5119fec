package sampler

import "fmt"

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
// hash); the final 64-bit hash yields the sample through a 128-layer
// ziggurat (ziggurat.go), unbounded tails included.
// The stream is part of the output contract: changing it changes every image.
type Noise struct {
	Seed uint64
}

const (
	gamma    = 0x9E3779B97F4A7C15 // SplitMix64 increment (golden ratio)
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
