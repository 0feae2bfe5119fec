// Package sampler implements the numerical core of ResShift sampling in pure Go:
// the "exponential" shifting schedule, the posterior (stochastic) step, the
// deterministic (σ = 0) step, input normalisation and a counter-based noise
// generator. It has no dependencies outside the standard library and builds
// with CGO_ENABLED=0.
//
// Conventions (see docs/CONTRACTS.md and RESSHIFT.md §1):
//
//   - Step indices are the code indices i = 0..T-1 (paper t = i+1); i = 0 is
//     the least noisy step and the last one executed. Timesteps returns the
//     order in which a sampler visits them (T-1 down to 0).
//   - Tensors are float32 planar CHW slices of one tile; a Region places the
//     tile on the full-resolution canvas (HR pixels for pixel models, latent
//     pixels for latent models) so that noise depends only on global
//     coordinates, never on how the canvas is tiled or batched.
//   - The schedule tables are computed in float64 and applied in float32,
//     like the reference implementation (which gathers float64 tables into
//     float32 tensors).
//
// A typical loop over one tile (x, y, xin, x0hat of length r.Len()):
//
//	s.Prior(x, y, r)
//	for _, i := range s.Timesteps() {
//		s.ScaleInput(xin, x, i)
//		denoise(i, xin, x0hat) // network: x0hat = f(xin, i, lq)
//		s.Step(i, x, x0hat, y, r)
//	}
//	// x now holds the sample (== x0hat of step 0).
//
// Sample wraps exactly this loop for one tile; SampleBatch is the same loop
// for a batch of tiles and a [Denoiser] (the engine's per-step path), with
// the element-wise work split over goroutines.
package sampler
