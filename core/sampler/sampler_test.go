package sampler

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

func randSlice(rng *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float32()
	}
	return v
}

func samplers(t testing.TB) []struct {
	name string
	s    *Sampler
} {
	var out []struct {
		name string
		s    *Sampler
	}
	for _, T := range []int{4, 15} {
		mnl := map[int]float64{4: 0.2, 15: 0.04}[T]
		for _, latent := range []bool{true, false} {
			sched := mustSchedule(t, params(T, mnl, latent))
			for _, k := range []Kind{Stochastic, Deterministic} {
				name := k.String() + map[bool]string{true: "/latent", false: "/pixel"}[latent]
				if T == 15 {
					name += "/T15"
				}
				out = append(out, struct {
					name string
					s    *Sampler
				}{name, New(sched, k, 12345)})
			}
		}
	}
	return out
}

// An oracle denoiser that returns the true x0 makes every sampler return x0
// bit for bit, whatever y and the seed are.
func TestOracleReturnsX0(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := Region{C: 3, H: 8, W: 12, Y0: 40, X0: 24}
	x0 := randSlice(rng, r.Len(), -1, 1)
	for _, tc := range samplers(t) {
		for _, yRange := range [][2]float32{{-1, 1}, {-5, 5}} {
			t.Run(tc.name, func(t *testing.T) {
				y := randSlice(rng, r.Len(), yRange[0], yRange[1])
				x, xin, x0hat := make([]float32, r.Len()), make([]float32, r.Len()), make([]float32, r.Len())
				calls := 0
				err := tc.s.Sample(x, y, xin, x0hat, r, func(i int, _, out []float32) error {
					if want := tc.s.Sched.T() - 1 - calls; i != want {
						t.Fatalf("call %d got step %d, want %d", calls, i, want)
					}
					calls++
					copy(out, x0)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if calls != tc.s.Sched.T() {
					t.Errorf("%d denoiser calls", calls)
				}
				for i := range x {
					if math.Float32bits(x[i]) != math.Float32bits(x0[i]) {
						t.Fatalf("x[%d] = %v, want %v", i, x[i], x0[i])
					}
				}
			})
		}
	}
}

// A pointwise nonlinear stand-in for a network.
func pointwise(_ int, xin, out []float32) error {
	for i, v := range xin {
		out[i] = float32(math.Tanh(float64(1.3*v))) * 1.1
	}
	return nil
}

func run(t testing.TB, s *Sampler, y []float32, r Region) []float32 {
	x, xin, x0hat := make([]float32, r.Len()), make([]float32, r.Len()), make([]float32, r.Len())
	if err := s.Sample(x, y, xin, x0hat, r, pointwise); err != nil {
		t.Fatal(err)
	}
	return x
}

// Same seed → same bits; other seed → different stochastic result; splitting
// the canvas into regions changes nothing for a pointwise denoiser.
func TestSampleReproducibleAndSplitInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const C, H, W, Y0, X0 = 2, 16, 20, 8, 100
	full := Region{C: C, H: H, W: W, Y0: Y0, X0: X0}
	y := randSlice(rng, full.Len(), -1, 1)
	for _, tc := range samplers(t) {
		t.Run(tc.name, func(t *testing.T) {
			a := run(t, tc.s, y, full)
			b := run(t, tc.s, y, full)
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					t.Fatalf("not reproducible at %d", i)
				}
			}
			other := *tc.s
			other.Noise.Seed++
			c := run(t, &other, y, full)
			diff := 0
			for i := range a {
				if a[i] != c[i] {
					diff++
				}
			}
			if diff < len(a)/2 {
				t.Errorf("seed change altered only %d of %d values", diff, len(a))
			}
			// Split into 4 uneven regions.
			got := make([]float32, full.Len())
			for _, ry := range [][2]int{{0, 5}, {5, H}} {
				for _, rx := range [][2]int{{0, 13}, {13, W}} {
					r := Region{C: C, H: ry[1] - ry[0], W: rx[1] - rx[0], Y0: Y0 + ry[0], X0: X0 + rx[0]}
					sub := make([]float32, r.Len())
					for c := 0; c < C; c++ {
						for yy := 0; yy < r.H; yy++ {
							copy(sub[(c*r.H+yy)*r.W:(c*r.H+yy+1)*r.W], y[(c*H+ry[0]+yy)*W+rx[0]:])
						}
					}
					out := run(t, tc.s, sub, r)
					for c := 0; c < C; c++ {
						for yy := 0; yy < r.H; yy++ {
							copy(got[(c*H+ry[0]+yy)*W+rx[0]:], out[(c*r.H+yy)*r.W:(c*r.H+yy+1)*r.W])
						}
					}
				}
			}
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(got[i]) {
					t.Fatalf("split result differs at %d: %v vs %v", i, got[i], a[i])
				}
			}
		})
	}
}

func TestPriorAndScale(t *testing.T) {
	s := New(mustSchedule(t, params(4, 0.2, true)), Stochastic, 9)
	r := Region{C: 2, H: 3, W: 4, Y0: 1, X0: 2}
	y := randSlice(rand.New(rand.NewPCG(5, 6)), r.Len(), -1, 1)
	x := make([]float32, r.Len())
	s.Prior(x, y, r)
	eps := make([]float32, r.Len())
	s.Noise.Fill(eps, 4, r) // prior key = T
	for i := range x {
		if want := y[i] + float32(1.98)*eps[i]; math.Abs(float64(x[i]-want)) > 1e-6 {
			t.Fatalf("prior[%d] = %v, want %v", i, x[i], want)
		}
	}
	dst := make([]float32, r.Len())
	for i := 0; i < 4; i++ {
		s.ScaleInput(dst, x, i)
		for j := range dst {
			if want := x[j] * float32(s.Sched.InputScale[i]); dst[j] != want {
				t.Fatalf("scale step %d [%d] = %v, want %v", i, j, dst[j], want)
			}
		}
	}
	if ts := s.Timesteps(); len(ts) != 4 || ts[0] != 3 || ts[3] != 0 {
		t.Errorf("Timesteps() = %v", ts)
	}
}

// One step against the closed forms, for both kinds.
func TestStepFormulas(t *testing.T) {
	sched := mustSchedule(t, params(4, 0.2, true))
	r := Region{C: 1, H: 4, W: 4, Y0: 3, X0: 9}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		kind Kind
		i    int
		want func(x, x0, y, eps float64) float64
	}{
		{Stochastic, 2, func(x, x0, _, e float64) float64 {
			return sched.CoefXt[2]*x + sched.CoefX0[2]*x0 + sched.PosteriorStd[2]*e
		}},
		{Stochastic, 3, func(x, x0, _, e float64) float64 {
			return sched.CoefXt[3]*x + sched.CoefX0[3]*x0 + sched.PosteriorStd[3]*e
		}},
		{Deterministic, 3, func(x, x0, y, _ float64) float64 {
			return 0.40499*x0 + 0.76907*x - 0.17407*y
		}},
		{Deterministic, 1, func(x, x0, y, _ float64) float64 {
			return 0.84974*x0 + 0.19227*x - 0.04201*y
		}},
	} {
		s := &Sampler{Sched: sched, Kind: tc.kind, Noise: Noise{Seed: 3}}
		x := randSlice(rng, r.Len(), -2, 2)
		x0 := randSlice(rng, r.Len(), -1, 1)
		y := randSlice(rng, r.Len(), -1, 1)
		eps := make([]float32, r.Len())
		s.Noise.Fill(eps, tc.i, r)
		want := make([]float64, r.Len())
		for j := range want {
			want[j] = tc.want(float64(x[j]), float64(x0[j]), float64(y[j]), float64(eps[j]))
		}
		s.Step(tc.i, x, x0, y, r)
		for j := range x {
			if d := math.Abs(float64(x[j]) - want[j]); d > 5e-5 {
				t.Errorf("%v step %d [%d] = %v, want %v", tc.kind, tc.i, j, x[j], want[j])
			}
		}
	}
}

// Step 0 returns x0hat exactly even when x holds Inf/NaN; Clip clamps x0hat.
func TestStepZeroAndClip(t *testing.T) {
	sched := mustSchedule(t, params(4, 0.2, false))
	r := Region{C: 1, H: 1, W: 4}
	for _, k := range []Kind{Stochastic, Deterministic} {
		for _, clip := range []bool{false, true} {
			s := &Sampler{Sched: sched, Kind: k, Clip: clip}
			x := []float32{float32(math.Inf(1)), float32(math.NaN()), 3, -3}
			x0 := []float32{0.25, -2, 1.5, -0.75}
			y := []float32{float32(math.NaN()), 0, 0, 0}
			s.Step(0, x, x0, y, r)
			want := []float32{0.25, -2, 1.5, -0.75}
			if clip {
				want = []float32{0.25, -1, 1, -0.75}
			}
			for i := range x {
				if x[i] != want[i] || x0[i] != want[i] {
					t.Errorf("%v clip=%v: x = %v, x0hat = %v, want %v", k, clip, x, x0, want)
					break
				}
			}
		}
	}
}

func TestSampleDenoiserError(t *testing.T) {
	s := New(mustSchedule(t, params(4, 0.2, true)), Stochastic, 1)
	r := Region{C: 1, H: 2, W: 2}
	boom := errors.New("boom")
	n := r.Len()
	err := s.Sample(make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), r,
		func(i int, _, _ []float32) error {
			if i == 2 {
				return boom
			}
			return nil
		})
	if !errors.Is(err, boom) || err.Error() != "sampler: step 2: boom" {
		t.Errorf("err = %v", err)
	}
}

func TestNoAllocsAndConcurrency(t *testing.T) {
	s := New(mustSchedule(t, params(4, 0.2, true)), Stochastic, 1)
	r := Region{C: 3, H: 16, W: 16}
	y := randSlice(rand.New(rand.NewPCG(9, 9)), r.Len(), -1, 1)
	x, xin, x0 := make([]float32, r.Len()), make([]float32, r.Len()), make([]float32, r.Len())
	allocs := testing.AllocsPerRun(5, func() {
		s.Prior(x, y, r)
		s.ScaleInput(xin, x, 3)
		s.Step(3, x, x0, y, r)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per step", allocs)
	}
	want := run(t, s, y, r)
	var wg sync.WaitGroup
	res := make([][]float32, 4)
	for g := range res {
		wg.Go(func() { res[g] = run(t, s, y, r) })
	}
	wg.Wait()
	for g := range res {
		for i := range want {
			if res[g][i] != want[i] {
				t.Fatalf("goroutine %d differs at %d", g, i)
			}
		}
	}
}

func TestLengthMismatchPanics(t *testing.T) {
	s := New(mustSchedule(t, params(4, 0.2, true)), Stochastic, 1)
	r := Region{C: 1, H: 2, W: 2}
	for name, f := range map[string]func(){
		"prior": func() { s.Prior(make([]float32, 4), make([]float32, 3), r) },
		"step":  func() { s.Step(1, make([]float32, 4), make([]float32, 5), nil, r) },
		"range": func() { s.Step(4, make([]float32, 4), make([]float32, 4), nil, r) },
		"scale": func() { s.ScaleInput(make([]float32, 4), make([]float32, 3), 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func BenchmarkStepStochastic(b *testing.B) {
	s := New(mustSchedule(b, params(4, 0.2, true)), Stochastic, 1)
	r := Region{C: 3, H: 256, W: 256}
	x, x0, y := make([]float32, r.Len()), make([]float32, r.Len()), make([]float32, r.Len())
	for b.Loop() {
		s.Step(2, x, x0, y, r)
	}
}
