package sampler

import "fmt"

// Sampler applies a Schedule to float32 CHW tiles. All methods work in place
// on caller-owned slices of length r.Len() (they panic on a length mismatch,
// a programming error), allocate nothing, and are safe for concurrent use as
// long as concurrent calls do not share output slices. A Sampler is a small
// value; copy it freely.
type Sampler struct {
	Sched *Schedule
	Kind  Kind
	Noise Noise
	// Clip clamps x̂0 to [-1, 1] (in place) before each step: true for pixel
	// space (the reference's clip_denoised), false for latent space.
	Clip bool
}

// New returns a Sampler with the conventional Clip for the schedule's space
// (Clip = !p.Latent).
func New(sched *Schedule, kind Kind, seed uint64) *Sampler {
	return &Sampler{Sched: sched, Kind: kind, Noise: Noise{Seed: seed}, Clip: !sched.Params.Latent}
}

// PriorStep is the noise step key of the prior: T (step noise uses 1..T-1).
func (s *Sampler) PriorStep() int { return s.Sched.T() }

// Timesteps returns the visiting order T-1, T-2, …, 0 (a new slice).
func (s *Sampler) Timesteps() []int {
	T := s.Sched.T()
	ts := make([]int, T)
	for k := range ts {
		ts[k] = T - 1 - k
	}
	return ts
}

// Prior sets x = y + κ·sqrt_eta[T-1]·ε with ε = Noise at step PriorStep().
// x and y may not overlap unless they are the same slice.
func (s *Sampler) Prior(x, y []float32, r Region) {
	r.check("x", len(x))
	r.check("y", len(y))
	std := float32(s.Sched.PriorStd())
	step := s.PriorStep()
	i := 0
	for c := 0; c < r.C; c++ {
		for yy := 0; yy < r.H; yy++ {
			rk := s.Noise.rowKey(step, r.C0+c, r.Y0+yy)
			xr, yr := x[i:i+r.W], y[i:i+r.W]
			for xx := range xr {
				xr[xx] = yr[xx] + std*normal(next(rk, r.X0+xx, keyCol))
			}
			i += r.W
		}
	}
}

// ScaleInput writes the denoiser input dst = x·InputScale[i]. dst and x must
// have the same length; they may be the same slice.
func (s *Sampler) ScaleInput(dst, x []float32, i int) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("sampler: ScaleInput: dst length %d != x length %d", len(dst), len(x)))
	}
	k := float32(s.Sched.InputScale[i])
	for j, v := range x {
		dst[j] = k * v
	}
}

// Step performs reverse step i in place: x (holding x_i) becomes x_{i-1}.
// x0hat is the denoiser's prediction at step i (clamped in place to [-1, 1]
// when Clip), y is the prior mean (the upsampled LR or its latent; read only
// by the deterministic kind). At i = 0 x becomes an exact copy of (clamped)
// x0hat. Stochastic steps i > 0 add PosteriorStd[i]·ε with ε = Noise at
// step i. i must be in 0..T-1.
func (s *Sampler) Step(i int, x, x0hat, y []float32, r Region) {
	r.check("x", len(x))
	r.check("x0hat", len(x0hat))
	if s.Kind == Deterministic {
		r.check("y", len(y))
	}
	if i < 0 || i >= s.Sched.T() {
		panic(fmt.Sprintf("sampler: step %d outside 0..%d", i, s.Sched.T()-1))
	}
	if i == 0 {
		if s.Clip {
			clamp(x0hat)
		}
		copy(x, x0hat)
		return
	}
	switch s.Kind {
	case Deterministic:
		k, m, j := float32(s.Sched.DetK[i]), float32(s.Sched.DetM[i]), float32(s.Sched.DetJ[i])
		if !s.Clip {
			for n := range x {
				x[n] = k*x0hat[n] + m*x[n] + j*y[n]
			}
			return
		}
		for n := range x {
			v := min(max(x0hat[n], -1), 1) // clamp fused into the step: one pass over memory
			x0hat[n] = v
			x[n] = k*v + m*x[n] + j*y[n]
		}
	case Stochastic:
		if s.Clip {
			clamp(x0hat)
		}
		a, b := float32(s.Sched.CoefXt[i]), float32(s.Sched.CoefX0[i])
		std := float32(s.Sched.PosteriorStd[i])
		n := 0
		for c := 0; c < r.C; c++ {
			for yy := 0; yy < r.H; yy++ {
				rk := s.Noise.rowKey(i, r.C0+c, r.Y0+yy)
				xr, pr := x[n:n+r.W], x0hat[n:n+r.W]
				for xx := range xr {
					xr[xx] = a*xr[xx] + b*pr[xx] + std*normal(next(rk, r.X0+xx, keyCol))
				}
				n += r.W
			}
		}
	default:
		panic(fmt.Sprintf("sampler: unknown kind %v", s.Kind))
	}
}

func clamp(v []float32) {
	for j, f := range v {
		if f < -1 {
			v[j] = -1
		} else if f > 1 {
			v[j] = 1
		}
	}
}

// DenoiseFunc predicts x̂0 for step i from the scaled input xin, writing it
// into x0hat (both of the tile's length). An error (e.g. ctx.Err()) stops Sample.
// A DenoiseFunc is a [Denoiser].
type DenoiseFunc func(i int, xin, x0hat []float32) error

// Denoise calls f.
func (f DenoiseFunc) Denoise(i int, xin, x0hat []float32) error { return f(i, xin, x0hat) }

// Sample runs the whole reverse process for one tile: x = Prior(y), then for
// each of Timesteps: ScaleInput, denoise, Step. xin and x0hat are caller-owned
// scratch slices of length r.Len(); on success x holds the sample. It is
// [Sampler.SampleBatch] on a batch of one tile; a denoiser error comes back
// as "sampler: step i: <err>".
func (s *Sampler) Sample(x, y, xin, x0hat []float32, r Region, denoise DenoiseFunc) error {
	r.check("xin", len(xin))
	b := Batch{Regions: []Region{r}, X: x, Y: y, XIn: xin, X0Hat: x0hat}
	return s.SampleBatch(b, DenoiseFunc(func(i int, xin, x0hat []float32) error {
		if err := denoise(i, xin, x0hat); err != nil {
			return fmt.Errorf("sampler: step %d: %w", i, err)
		}
		return nil
	}), nil)
}
