package sampler

import (
	"math"
	"slices"
	"testing"
)

func TestNoiseDeterministic(t *testing.T) {
	n := Noise{Seed: 12345}
	for _, k := range [][4]int{{0, 0, 0, 0}, {3, 2, 17, 99}, {4, 1, 1 << 20, 7}, {1, 0, -5, -9}} {
		a, b := n.At(k[0], k[1], k[2], k[3]), Noise{Seed: 12345}.At(k[0], k[1], k[2], k[3])
		if math.Float32bits(a) != math.Float32bits(b) || math.IsNaN(float64(a)) {
			t.Errorf("At%v not reproducible: %v vs %v", k, a, b)
		}
	}
	r := Region{C: 2, H: 3, W: 5, Y0: 10, X0: 20}
	buf := make([]float32, r.Len())
	n.Fill(buf, 2, r)
	i := 0
	for c := 0; c < r.C; c++ {
		for y := 0; y < r.H; y++ {
			for x := 0; x < r.W; x++ {
				if buf[i] != n.At(2, c, r.Y0+y, r.X0+x) {
					t.Fatalf("Fill[%d,%d,%d] != At", c, y, x)
				}
				i++
			}
		}
	}
}

// A 64×64 region must equal the four 32×32 regions that tile it (and an
// irregular split), since values depend only on global coordinates.
func TestNoiseRegionSplit(t *testing.T) {
	n := Noise{Seed: 7}
	const C, S, Y0, X0 = 3, 64, 128, 192
	whole := make([]float32, C*S*S)
	n.Fill(whole, 1, Region{C: C, H: S, W: S, Y0: Y0, X0: X0})
	for _, split := range [][2]int{{32, 32}, {17, 45}, {1, 63}} {
		got := make([]float32, len(whole))
		for _, ry := range [][2]int{{0, split[0]}, {split[0], S}} {
			for _, rx := range [][2]int{{0, split[1]}, {split[1], S}} {
				r := Region{C: C, H: ry[1] - ry[0], W: rx[1] - rx[0], Y0: Y0 + ry[0], X0: X0 + rx[0]}
				part := make([]float32, r.Len())
				n.Fill(part, 1, r)
				for c := 0; c < C; c++ {
					for y := 0; y < r.H; y++ {
						copy(got[(c*S+ry[0]+y)*S+rx[0]:], part[(c*r.H+y)*r.W:(c*r.H+y+1)*r.W])
					}
				}
			}
		}
		for i := range whole {
			if whole[i] != got[i] {
				t.Fatalf("split %v: index %d differs", split, i)
			}
		}
	}
}

func TestNoiseMoments(t *testing.T) {
	const N = 100000
	r := Region{C: 1, H: 250, W: 400}
	buf := make([]float32, N)
	Noise{Seed: 1}.Fill(buf, 3, r)
	var s, s2, s4 float64
	within := 0
	for _, v := range buf {
		f := float64(v)
		s += f
		s2 += f * f
		s4 += f * f * f * f
		if math.Abs(f) < 1 {
			within++
		}
	}
	mean := s / N
	vari := s2/N - mean*mean
	kurt := s4 / N / (vari * vari)
	frac := float64(within) / N
	// Tolerances are ~5 standard errors.
	if math.Abs(mean) > 0.016 || math.Abs(math.Sqrt(vari)-1) > 0.012 || math.Abs(kurt-3) > 0.08 ||
		math.Abs(frac-0.6827) > 0.008 {
		t.Errorf("mean %.4f std %.4f kurtosis %.3f P(|x|<1) %.4f", mean, math.Sqrt(vari), kurt, frac)
	}
	// Neighbouring samples must be uncorrelated.
	var cx, cy float64
	for y := 0; y < r.H-1; y++ {
		for x := 0; x < r.W-1; x++ {
			v := float64(buf[y*r.W+x])
			cx += v * float64(buf[y*r.W+x+1])
			cy += v * float64(buf[(y+1)*r.W+x])
		}
	}
	m := float64((r.H - 1) * (r.W - 1))
	if math.Abs(cx/m) > 0.016 || math.Abs(cy/m) > 0.016 {
		t.Errorf("neighbour correlation x %.4f y %.4f", cx/m, cy/m)
	}
}

// Different seeds, steps and channels give unrelated fields.
func TestNoiseKeysDiffer(t *testing.T) {
	r := Region{C: 1, H: 32, W: 32}
	fill := func(seed uint64, step, c int) []float32 {
		b := make([]float32, r.Len())
		n := Noise{Seed: seed}
		for i := range b {
			b[i] = n.At(step, c, i/r.W, i%r.W)
		}
		return b
	}
	base := fill(1, 1, 0)
	for _, tc := range []struct {
		name  string
		other []float32
	}{
		{"seed", fill(2, 1, 0)},
		{"step", fill(1, 2, 0)},
		{"prior-vs-step", fill(1, 4, 0)},
		{"channel", fill(1, 1, 1)},
		{"seed0", fill(0, 1, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			same := 0
			var dot float64
			for i := range base {
				if base[i] == tc.other[i] {
					same++
				}
				dot += float64(base[i]) * float64(tc.other[i])
			}
			if same > 2 || math.Abs(dot/float64(len(base))) > 0.15 {
				t.Errorf("%d equal samples, correlation %.3f", same, dot/float64(len(base)))
			}
		})
	}
	// Shifting the region by one column must shift the field, not repeat it.
	n := Noise{Seed: 1}
	if n.At(1, 0, 5, 5) == n.At(1, 0, 5, 6) || n.At(1, 0, 5, 5) == n.At(1, 0, 6, 5) {
		t.Error("adjacent samples equal")
	}
}

func TestNoiseFillLengthPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic on short dst")
		}
	}()
	Noise{}.Fill(make([]float32, 5), 0, Region{C: 1, H: 2, W: 3})
}

func BenchmarkNoiseFill(b *testing.B) {
	r := Region{C: 3, H: 256, W: 256}
	buf := make([]float32, r.Len())
	b.SetBytes(int64(4 * r.Len()))
	for b.Loop() {
		Noise{Seed: 1}.Fill(buf, 1, r)
	}
}

// Filling the parts of a split region gives the same noise as filling it whole.
func TestRegionSplit(t *testing.T) {
	n := Noise{Seed: 9}
	for _, r := range []Region{{C: 3, H: 10, W: 7, Y0: 5, X0: -3}, {C: 2, H: 1, W: 4}, {C: 3, H: 64, W: 64, Y0: 64, X0: 128}} {
		whole := make([]float32, r.Len())
		n.Fill(whole, 2, r)
		for _, k := range []int{1, 2, 3, 100} {
			got := make([]float32, r.Len())
			covered := 0
			for _, p := range r.Split(k) {
				n.Fill(got[p.Off:p.Off+p.Len()], 2, p.Region)
				covered += p.Len()
			}
			if covered != r.Len() {
				t.Fatalf("%+v split %d covers %d of %d", r, k, covered, r.Len())
			}
			for i := range whole {
				if whole[i] != got[i] {
					t.Fatalf("%+v split %d differs at %d", r, k, i)
				}
			}
		}
	}
}

// The ziggurat must follow the normal CDF: Kolmogorov–Smirnov distance on 1e6 samples,
// and the tail masses beyond 2, 3 and R (the ziggurat's tail region).
func TestNoiseDistribution(t *testing.T) {
	const n = 1 << 20
	n0 := Noise{Seed: 2024}
	v := make([]float64, 0, n)
	for y := 0; len(v) < n; y++ {
		for x := 0; x < 1024; x++ {
			v = append(v, float64(n0.At(1, 0, y, x)))
		}
	}
	slices.Sort(v)
	ks := 0.0
	for i, x := range v {
		c := 0.5 * math.Erfc(-x/math.Sqrt2)
		ks = math.Max(ks, math.Max(math.Abs(c-float64(i)/n), math.Abs(c-float64(i+1)/n)))
	}
	if ks > 1.8/math.Sqrt(n) { // ≈ p < 0.003
		t.Errorf("KS distance %.5f too large", ks)
	}
	for _, thr := range []float64{2, 3, zigR} {
		cnt := 0
		for _, x := range v {
			if math.Abs(x) > thr {
				cnt++
			}
		}
		want := math.Erfc(thr/math.Sqrt2) * n
		if math.Abs(float64(cnt)-want) > 5*math.Sqrt(want)+1 {
			t.Errorf("|x| > %.2f: %d samples, want %.0f", thr, cnt, want)
		}
	}
}
