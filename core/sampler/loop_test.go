package sampler

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// unfused is the package documentation's loop for one tile, written out: the reference SampleBatch must match.
func unfused(s *Sampler, y []float32, r Region) []float32 {
	x, xin, x0hat := make([]float32, r.Len()), make([]float32, r.Len()), make([]float32, r.Len())
	s.Prior(x, y, r)
	for _, i := range s.Timesteps() {
		s.ScaleInput(xin, x, i)
		_ = pointwise(i, xin, x0hat)
		s.Step(i, x, x0hat, y, r)
	}
	return x
}

// SampleBatch on several tiles equals the unfused loop on each tile alone, bit for bit, calls the denoiser once
// per step for the whole batch and reports steps 1..T-1.
func TestSampleBatchMatchesUnfusedLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	regions := []Region{{C: 3, H: 9, W: 7, Y0: 0, X0: 0}, {C: 3, H: 9, W: 7, Y0: 5, X0: 11}, {C: 3, H: 9, W: 7, Y0: 40, X0: 2}}
	l := regions[0].Len()
	for _, tc := range samplers(t) {
		t.Run(tc.name, func(t *testing.T) {
			T := tc.s.Sched.T()
			y := randSlice(rng, 3*l, -1, 1)
			b := Batch{Regions: regions, X: make([]float32, 3*l), Y: y, XIn: make([]float32, 3*l), X0Hat: make([]float32, 3*l)}
			var steps, done []int
			err := tc.s.SampleBatch(b, DenoiseFunc(func(i int, xin, x0hat []float32) error {
				if len(xin) != 3*l || &xin[0] != &b.XIn[0] || &x0hat[0] != &b.X0Hat[0] {
					t.Fatal("denoiser did not get the batch's XIn and X0Hat")
				}
				steps = append(steps, i)
				return pointwise(i, xin, x0hat)
			}), func(n int) error { done = append(done, n); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(steps, tc.s.Timesteps()) || len(done) != T-1 || (T > 1 && done[T-2] != T-1) {
				t.Fatalf("denoiser steps %v, steps done %v", steps, done)
			}
			for k, r := range regions {
				want := unfused(tc.s, y[k*l:(k+1)*l], r)
				for i, v := range want {
					if math.Float32bits(b.X[k*l+i]) != math.Float32bits(v) {
						t.Fatalf("tile %d sample %d: %v, want %v", k, i, b.X[k*l+i], v)
					}
				}
			}
		})
	}
}

// Errors of the denoiser and of stepDone stop the loop and come back unchanged.
func TestSampleBatchErrors(t *testing.T) {
	s := New(mustSchedule(t, params(4, 0.2, false)), Deterministic, 1)
	r := Region{C: 1, H: 2, W: 2}
	n := r.Len()
	newBatch := func() Batch {
		return Batch{Regions: []Region{r}, X: make([]float32, n), Y: make([]float32, n), XIn: make([]float32, n), X0Hat: make([]float32, n)}
	}
	boom, stop := errors.New("boom"), errors.New("stop")
	tests := []struct {
		name      string
		failAt    int // denoiser fails at this step (-1: never)
		stopAfter int // stepDone fails at this count (0: never)
		want      error
		calls     int
	}{
		{"denoiser", 1, 0, boom, 3},
		{"step done", -1, 2, stop, 2},
		{"none", -1, 0, nil, 4},
	}
	for _, tc := range tests {
		calls := 0
		err := s.SampleBatch(newBatch(), DenoiseFunc(func(i int, _, _ []float32) error {
			calls++
			if i == tc.failAt {
				return boom
			}
			return nil
		}), func(d int) error {
			if d == tc.stopAfter {
				return stop
			}
			return nil
		})
		if err != tc.want || calls != tc.calls {
			t.Errorf("%s: err %v after %d calls, want %v after %d", tc.name, err, calls, tc.want, tc.calls)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a short X0Hat did not panic")
		}
	}()
	b := newBatch()
	b.X0Hat = b.X0Hat[:n-1]
	_ = s.SampleBatch(b, DenoiseFunc(pointwise), nil)
}

// ForParts visits every sample of every region exactly once, whatever GOMAXPROCS.
func TestForPartsCoversOnce(t *testing.T) {
	regions := []Region{{C: 3, H: 17, W: 5}, {C: 3, H: 17, W: 5, Y0: 9}}
	l := regions[0].Len()
	seen := make([]int32, len(regions)*l)
	ForParts(regions, func(k int, p Part) {
		for i := range p.Len() {
			seen[k*l+p.Off+i]++ // parts are disjoint: no two goroutines touch one sample
		}
	})
	for i, v := range seen {
		if v != 1 {
			t.Fatalf("sample %d visited %d times", i, v)
		}
	}
}
