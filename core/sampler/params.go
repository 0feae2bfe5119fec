package sampler

import (
	"errors"
	"fmt"
	"math"
)

// Params are the diffusion parameters of a model. Keys and meanings follow
// ResShift's diffusion.params (model.toml [diffusion]); error messages name
// the keys as "diffusion.<key>".
type Params struct {
	Steps          int     // T >= 1
	Kappa          float64 // κ > 0, scales the noise variance
	Power          float64 // p > 0, warps time in the exponential schedule
	MinNoiseLevel  float64 // > 0; sqrt_eta_start = min(MinNoiseLevel/κ, MinNoiseLevel)
	EtasEnd        float64 // sqrt(η_T), in (0, 1]
	Schedule       string  // only "exponential"
	PredictType    string  // only "xstart"
	NormalizeInput bool    // scale x_t before the denoiser (rule depends on Latent)
	Latent         bool    // true: latent-space rules; false: pixel-space rules
}

// Validate reports every invalid field, joined, each error naming its key,
// e.g. "diffusion.kappa: must be > 0". It does not check that the resulting
// schedule is strictly increasing; NewSchedule does.
func (p Params) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("diffusion.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if p.Steps < 1 {
		bad("steps", "must be >= 1, got %d", p.Steps)
	}
	if !finite(p.Kappa) || p.Kappa <= 0 {
		bad("kappa", "must be > 0, got %v", p.Kappa)
	}
	if !finite(p.Power) || p.Power <= 0 {
		bad("power", "must be > 0, got %v", p.Power)
	}
	if !finite(p.MinNoiseLevel) || p.MinNoiseLevel <= 0 {
		bad("min_noise_level", "must be > 0, got %v", p.MinNoiseLevel)
	}
	if !finite(p.EtasEnd) || p.EtasEnd <= 0 || p.EtasEnd > 1 {
		bad("etas_end", "must be in (0, 1], got %v", p.EtasEnd)
	}
	if p.Schedule != "exponential" {
		bad("schedule", "unsupported %q (only \"exponential\")", p.Schedule)
	}
	if p.PredictType != "xstart" {
		bad("predict_type", "unsupported %q (only \"xstart\")", p.PredictType)
	}
	return errors.Join(errs...)
}
