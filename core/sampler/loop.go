package sampler

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Denoiser is the network of the reverse process: Denoise predicts x̂0 at
// step i for every tile of a batch from the scaled inputs xin, writing
// x0hat. xin and x0hat are the [Batch]'s XIn and X0Hat (the same slices at
// every call of a batch, so an implementation may bind them once). An error
// stops [Sampler.SampleBatch], which returns it unchanged.
type Denoiser interface {
	Denoise(i int, xin, x0hat []float32) error
}

// Batch holds the tensors of tiles sampled together. Tile k occupies
// [k·L, (k+1)·L) of every slice, L = Regions[k].Len(); all regions have the
// same length and every slice has length len(Regions)·L.
type Batch struct {
	Regions []Region  // each tile's block of the global canvas (noise coordinates)
	X       []float32 // the sample: x_T after the prior, the result on success
	Y       []float32 // the prior mean (read only)
	XIn     []float32 // scratch: the denoiser's input
	X0Hat   []float32 // scratch: the denoiser's output
}

// tileLen checks b's shapes and returns L (panics on a mismatch: a programming error).
func (b *Batch) tileLen() int {
	if len(b.Regions) == 0 {
		panic("sampler: Batch has no regions")
	}
	l := b.Regions[0].Len()
	for k, r := range b.Regions {
		if r.C < 0 || r.H < 0 || r.W < 0 || r.Len() != l {
			panic(fmt.Sprintf("sampler: Batch region %d is %dx%dx%d, region 0 has %d samples", k, r.C, r.H, r.W, l))
		}
	}
	n := len(b.Regions) * l
	for _, s := range []struct {
		name string
		v    []float32
	}{{"X", b.X}, {"Y", b.Y}, {"XIn", b.XIn}, {"X0Hat", b.X0Hat}} {
		if len(s.v) != n {
			panic(fmt.Sprintf("sampler: Batch.%s has length %d, %d regions of %d need %d", s.name, len(s.v), len(b.Regions), l, n))
		}
	}
	return l
}

// SampleBatch runs the whole reverse process for a batch of tiles, the one
// sampling loop of resshift: x = Prior(y), then for each of Timesteps one
// Denoise call for the batch and a Step of every tile. stepDone, when not
// nil, is called after every step but the last with the number of steps
// done (1..T-1); its error stops the loop and is returned unchanged. On
// success X holds the sample.
//
// The element-wise work runs per [Part] on up to GOMAXPROCS goroutines
// ([ForParts]) and is fused into one pass over memory per step: Prior with
// the first ScaleInput, each Step with the next ScaleInput. Every value is
// the one the unfused loop (see the package example) computes, bit for bit.
func (s *Sampler) SampleBatch(b Batch, d Denoiser, stepDone func(done int) error) error {
	l := b.tileLen()
	T := s.Sched.T()
	ForParts(b.Regions, func(k int, p Part) {
		o, n := k*l+p.Off, p.Len()
		s.Prior(b.X[o:o+n], b.Y[o:o+n], p.Region)
		s.ScaleInput(b.XIn[o:o+n], b.X[o:o+n], T-1)
	})
	for step := range T {
		i := T - 1 - step
		if err := d.Denoise(i, b.XIn, b.X0Hat); err != nil {
			return err
		}
		ForParts(b.Regions, func(k int, p Part) {
			o, n := k*l+p.Off, p.Len()
			s.Step(i, b.X[o:o+n], b.X0Hat[o:o+n], b.Y[o:o+n], p.Region)
			if i > 0 {
				s.ScaleInput(b.XIn[o:o+n], b.X[o:o+n], i-1)
			}
		})
		if stepDone != nil && step+1 < T {
			if err := stepDone(step + 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForParts runs fn for every row-band part of every region (tile k's parts
// from regions[k].Split(2·GOMAXPROCS)) on up to GOMAXPROCS goroutines and
// returns when all are done. Parts are disjoint, so fn may write its part's
// slices without locking; the noise, the sampler's hot spot, is a pure
// function of coordinates, so the result does not depend on the split.
func ForParts(regions []Region, fn func(k int, p Part)) {
	workers := runtime.GOMAXPROCS(0)
	type task struct {
		k int
		p Part
	}
	var tasks []task
	for k, rg := range regions {
		for _, p := range rg.Split(2 * workers) {
			tasks = append(tasks, task{k, p})
		}
	}
	if workers == 1 || len(tasks) == 1 {
		for _, t := range tasks {
			fn(t.k, t.p)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(tasks) {
					return
				}
				fn(tasks[i].k, tasks[i].p)
			}
		}()
	}
	wg.Wait()
}
