package sampler

import (
	"fmt"
	"math"
)

// Schedule holds the per-step tables of a Params, all indexed by the code
// index i = 0..T-1 and computed in float64. It is immutable after
// NewSchedule and safe for concurrent use.
//
// Stochastic (posterior) step, RESSHIFT.md §1.3–1.4:
//
//	x_{i-1} = CoefXt[i]·x_i + CoefX0[i]·x̂0 + PosteriorStd[i]·ε   (no ε at i = 0)
//
// Deterministic step (σ = 0, §1.5):
//
//	x_{i-1} = DetK[i]·x̂0 + DetM[i]·x_i + DetJ[i]·y
//
// At i = 0 both reduce to x̂0 (CoefXt = DetM = DetJ = 0, CoefX0 = DetK = 1).
type Schedule struct {
	Params Params // the parameters the tables were built from

	SqrtEta      []float64 // sqrt(η_i), geometric in warped time; SqrtEta[T-1] = EtasEnd (T > 1)
	Eta          []float64 // η_i = SqrtEta², in (0, 1]
	EtaPrev      []float64 // η_{i-1}, EtaPrev[0] = 0
	Alpha        []float64 // η_i − η_{i-1}
	CoefXt       []float64 // posterior mean coefficient of x_t: η_{i-1}/η_i
	CoefX0       []float64 // posterior mean coefficient of x̂0: α_i/η_i
	PosteriorVar []float64 // κ²·η_{i-1}/η_i·α_i (0 at i = 0)
	PosteriorStd []float64 // sqrt(PosteriorVar)
	InputScale   []float64 // factor applied to x_t before the denoiser (1 when !NormalizeInput)
	DetM         []float64 // sqrt(η_{i-1}/η_i)
	DetK         []float64 // 1 − η_{i-1} + sqrt(η_{i-1}η_i) − sqrt(η_{i-1}/η_i)
	DetJ         []float64 // η_{i-1} − sqrt(η_{i-1}η_i)
}

// NewSchedule validates p and builds its tables with the journal-branch
// formula sqrt_eta_start = min(MinNoiseLevel/κ, MinNoiseLevel):
//
//	w_i        = (i/(T-1))^p · (T-1)
//	sqrt_eta_i = sqrt_eta_start · (EtasEnd/sqrt_eta_start)^(w_i/(T-1))
//
// For T = 1 the single entry is sqrt_eta_start (as in the reference code).
// The schedule must be strictly increasing with η ≤ 1; otherwise the error
// names diffusion.min_noise_level.
func NewSchedule(p Params) (*Schedule, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	T := p.Steps
	k2 := p.Kappa * p.Kappa
	start := math.Min(p.MinNoiseLevel/p.Kappa, p.MinNoiseLevel)
	s := &Schedule{Params: p}
	tables := []*[]float64{&s.SqrtEta, &s.Eta, &s.EtaPrev, &s.Alpha, &s.CoefXt, &s.CoefX0,
		&s.PosteriorVar, &s.PosteriorStd, &s.InputScale, &s.DetM, &s.DetK, &s.DetJ}
	for _, t := range tables {
		*t = make([]float64, T)
	}
	s.SqrtEta[0] = start
	if T > 1 {
		logInc := math.Log(p.EtasEnd/start) / float64(T-1)
		for i := 1; i < T; i++ {
			w := math.Pow(float64(i)/float64(T-1), p.Power) * float64(T-1)
			s.SqrtEta[i] = start * math.Exp(logInc*w)
		}
		s.SqrtEta[T-1] = p.EtasEnd // exact, instead of start·exp(log(end/start))
	}
	for i := 0; i < T; i++ {
		se := s.SqrtEta[i]
		eta := se * se
		s.Eta[i] = eta
		if !(eta > 0 && eta <= 1) {
			return nil, fmt.Errorf("diffusion.min_noise_level: gives eta[%d] = %v outside (0, 1]", i, eta)
		}
		if i > 0 {
			s.EtaPrev[i] = s.Eta[i-1]
			if eta <= s.EtaPrev[i] {
				return nil, fmt.Errorf("diffusion.min_noise_level: schedule not increasing (sqrt_eta_start %v >= etas_end %v)", start, p.EtasEnd)
			}
		}
		prev := s.EtaPrev[i]
		s.Alpha[i] = eta - prev
		s.CoefXt[i] = prev / eta
		s.CoefX0[i] = s.Alpha[i] / eta
		s.PosteriorVar[i] = k2 * prev / eta * s.Alpha[i]
		s.PosteriorStd[i] = math.Sqrt(s.PosteriorVar[i])
		m := math.Sqrt(prev / eta)
		g := math.Sqrt(prev * eta)
		s.DetM[i] = m
		s.DetJ[i] = prev - g
		s.DetK[i] = 1 - prev + g - m
		switch {
		case !p.NormalizeInput:
			s.InputScale[i] = 1
		case p.Latent:
			s.InputScale[i] = 1 / math.Sqrt(k2*eta+1)
		default:
			s.InputScale[i] = 1 / (3*p.Kappa*se + 1)
		}
	}
	return s, nil
}

// T returns the number of steps.
func (s *Schedule) T() int { return len(s.SqrtEta) }

// PriorStd returns κ·sqrt_eta[T-1], the standard deviation of the prior
// x_T = y + PriorStd·ε (1.98 for the released configs).
func (s *Schedule) PriorStd() float64 { return s.Params.Kappa * s.SqrtEta[len(s.SqrtEta)-1] }
