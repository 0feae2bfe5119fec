package tile

import (
	"fmt"
	"math"
)

// MaxScale is the largest upscaling factor accepted by [NewFeather] and
// [NewBlender].
const MaxScale = 16

// FeatherFloor is the smallest feather weight: ramps rise from it, so every
// weight is strictly positive and every output pixel has a positive total
// weight even where only a ramp's first pixel covers it.
const FeatherFloor = 1e-4

// Feather holds the feathered blending weights of a plan at HR resolution.
//
// The weight of HR pixel (x, y) of a tile (tile-local coordinates) is
// X(col)[x] · Y(row)[y]: separable. Along an axis, a tile's profile is 1
// except on a side that has a neighbouring tile, where it is a raised-cosine
// (Hann) ramp over exactly the HR pixels the two tiles share:
//
//	ramp(i) = FeatherFloor + (1-FeatherFloor) · ½·(1 - cos(π·(i+½)/L)),  i = 0..L-1
//
// rising into the tile (L = shared LR pixels · scale). Because
// ramp(i) + ramp(L-1-i) = 1 + FeatherFloor, two tiles sharing a strip
// weigh almost exactly to 1 across it, with no seam; where more than two
// tiles overlap (very large overlaps) the blender's normalisation still makes
// the result a proper weighted mean. Image borders and the canvas edge get
// weight 1. Ramp lengths come from the actual overlap, so the last tile of an
// axis, moved back to the canvas edge, ramps over its larger overlap.
//
// Only a few distinct profiles exist per axis (first, middle, second-to-last,
// last, or a single tile); they are computed once. A Feather is immutable and
// safe for concurrent use; returned slices are shared and read-only.
type Feather struct {
	scale int
	x, y  featherAxis
}

// featherAxis holds the distinct profiles of one axis.
type featherAxis struct {
	starts   []int // LR tile starts (the plan's; read-only)
	size     int   // LR tile length
	profiles []profile
}

// profile is the HR weight profile of tiles sharing lo LR pixels with the
// previous tile and ro with the next one.
type profile struct {
	lo, ro int
	w      []float64
}

// NewFeather computes the feather weights of p at scale (1..MaxScale).
func NewFeather(p *Plan, scale int) (*Feather, error) {
	if p == nil {
		return nil, fmt.Errorf("tile: NewFeather: nil plan")
	}
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("tile: scale: must be in [1, %d], got %d", MaxScale, scale)
	}
	return &Feather{
		scale: scale,
		x:     newFeatherAxis(p.xs, p.TileW, scale),
		y:     newFeatherAxis(p.ys, p.TileH, scale),
	}, nil
}

func newFeatherAxis(starts []int, size, scale int) featherAxis {
	a := featherAxis{starts: starts, size: size}
	for k := range starts {
		lo, ro := a.overlaps(k)
		if a.find(lo, ro) == nil {
			a.profiles = append(a.profiles, profile{lo: lo, ro: ro, w: newProfile(size*scale, lo*scale, ro*scale)})
		}
	}
	return a
}

// overlaps returns the LR pixels tile k shares with its previous and next
// neighbours (0 where there is none).
func (a *featherAxis) overlaps(k int) (lo, ro int) {
	if k > 0 {
		lo = max(0, a.starts[k-1]+a.size-a.starts[k])
	}
	if k+1 < len(a.starts) {
		ro = max(0, a.starts[k]+a.size-a.starts[k+1])
	}
	return lo, ro
}

func (a *featherAxis) find(lo, ro int) []float64 {
	for i := range a.profiles {
		if a.profiles[i].lo == lo && a.profiles[i].ro == ro {
			return a.profiles[i].w
		}
	}
	return nil
}

// at returns the profile of tile k (a few profiles: linear search).
func (a *featherAxis) at(k int) []float64 {
	return a.find(a.overlaps(k))
}

// newProfile returns n weights with a rising ramp over the first lo and a
// falling ramp over the last ro (ramps multiply where they meet).
func newProfile(n, lo, ro int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	for i := range lo {
		w[i] *= ramp(i, lo)
	}
	for i := range ro {
		w[n-1-i] *= ramp(i, ro)
	}
	return w
}

// ramp is the i-th of n raised-cosine weights rising from FeatherFloor to
// 1, sampled at pixel centres.
func ramp(i, n int) float64 {
	h := 0.5 * (1 - math.Cos(math.Pi*(float64(i)+0.5)/float64(n)))
	return FeatherFloor + (1-FeatherFloor)*h
}

// Scale returns the scale the weights were computed for.
func (f *Feather) Scale() int { return f.scale }

// X returns the HR column weights (len TileW·scale) of the tiles in tile
// column col. It panics if col is out of range.
func (f *Feather) X(col int) []float64 { return f.x.at(col) }

// Y returns the HR row weights (len TileH·scale) of the tiles in tile row
// row. It panics if row is out of range.
func (f *Feather) Y(row int) []float64 { return f.y.at(row) }

// Profiles returns the number of distinct column and row profiles.
func (f *Feather) Profiles() (x, y int) { return len(f.x.profiles), len(f.y.profiles) }

// bytes is the memory held by the profiles.
func (f *Feather) bytes() int {
	n := 0
	for _, a := range []*featherAxis{&f.x, &f.y} {
		for _, pr := range a.profiles {
			n += 8 * len(pr.w)
		}
	}
	return n
}
