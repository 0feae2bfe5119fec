package testimg

import (
	"math"
	"math/rand/v2"
)

// Smooth returns a non-trivial planar RGB test image (3×h×w float32 in
// [-1, 1]): per-channel sine patterns plus a little noise, the same for the
// same seed. Engine and pipeline tests feed it to the model.
func Smooth(w, h int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	v := make([]float32, 3*w*h)
	for c := 0; c < 3; c++ {
		fx, fy, ph := 0.05+0.2*r.Float64(), 0.05+0.2*r.Float64(), 6*r.Float64()
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v[c*w*h+y*w+x] = float32(0.8*math.Sin(fx*float64(x)+ph)*math.Cos(fy*float64(y)) + 0.1*(r.Float64()-0.5))
			}
		}
	}
	return v
}

// MaxDiff is the largest absolute difference between a and b (same length).
func MaxDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}
