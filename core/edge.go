package core

// Accessors for the edge packages (core/pipeline: decode → engine →
// encode), which live outside the engine so that it links no codec.

// Clamp clamps samples to the engine's range [-1, 1] in place, as the
// engine does to every model output; NaN samples are left as they are.
// core/pipeline applies it to resampled alpha and downscaled colour.
func Clamp(v []float32) { clamp(v) }
