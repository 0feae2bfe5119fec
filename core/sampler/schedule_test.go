package sampler

import (
	"math"
	"strings"
	"testing"

	"github.com/resshift/resshift/internal/golden"
)

// Golden tables: RESSHIFT.md §1.3, in internal/golden.
var golden15, golden4 = golden.T15, golden.T4

// RESSHIFT.md §1.5, T = 4: (m, k, j) per step.
var goldenDet4 = [][3]float64{
	{0, 1, 0},
	{0.19227, 0.84974, -0.04201},
	{0.68310, 0.44240, -0.12549},
	{0.76907, 0.40499, -0.17407},
}

func params(T int, mnl float64, latent bool) Params {
	return Params{Steps: T, Kappa: 2, Power: 0.3, MinNoiseLevel: mnl, EtasEnd: 0.99,
		Schedule: "exponential", PredictType: "xstart", NormalizeInput: true, Latent: latent}
}

func mustSchedule(t testing.TB, p Params) *Schedule {
	t.Helper()
	s, err := NewSchedule(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScheduleGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		T      int
		mnl    float64
		kappa  float64
		golden [][6]float64
	}{
		{"T15", 15, 0.04, 2, golden15},
		{"T4", 4, 0.2, 2, golden4},
		{"T4-kappa0.25", 4, 0.2, 0.25, golden.T4Kappa025}, // κ < 1: sqrt_eta starts at min_noise_level itself
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := params(tc.T, tc.mnl, true)
			p.Kappa = tc.kappa
			s := mustSchedule(t, p)
			if s.T() != tc.T {
				t.Fatalf("T() = %d", s.T())
			}
			cols := []struct {
				name string
				got  []float64
			}{
				{"sqrt_eta", s.SqrtEta}, {"eta", s.Eta}, {"c_xt", s.CoefXt},
				{"c_x0", s.CoefX0}, {"posterior_std", s.PosteriorStd}, {"input_scale", s.InputScale},
			}
			for i, row := range tc.golden {
				for c, col := range cols {
					if d := math.Abs(col.got[i] - row[c]); d > 1e-9 {
						t.Errorf("%s[%d] = %.12f, want %.10f (|d| = %.2g)", col.name, i, col.got[i], row[c], d)
					}
				}
				// Derived identities.
				if i > 0 && s.EtaPrev[i] != s.Eta[i-1] || s.EtaPrev[0] != 0 {
					t.Errorf("eta_prev[%d] wrong", i)
				}
				if d := math.Abs(s.Alpha[i] - (s.Eta[i] - s.EtaPrev[i])); d > 0 {
					t.Errorf("alpha[%d] wrong", i)
				}
				if d := math.Abs(s.PosteriorVar[i] - s.PosteriorStd[i]*s.PosteriorStd[i]); d > 1e-15 {
					t.Errorf("posterior var[%d] != std²", i)
				}
				if d := math.Abs(s.DetK[i] + s.DetM[i] + s.DetJ[i] - 1); d > 1e-12 {
					t.Errorf("det coefficients[%d] do not sum to 1", i)
				}
			}
			if d := math.Abs(s.PriorStd() - tc.kappa*0.99); d > 1e-12 {
				t.Errorf("prior std = %v, want κ·0.99 = %v", s.PriorStd(), tc.kappa*0.99)
			}
		})
	}
}

func TestScheduleDeterministicGolden(t *testing.T) {
	s := mustSchedule(t, params(4, 0.2, true))
	for i, row := range goldenDet4 {
		for c, got := range []float64{s.DetM[i], s.DetK[i], s.DetJ[i]} {
			if d := math.Abs(got - row[c]); d > 1e-5 {
				t.Errorf("det[%d][%s] = %.6f, want %.5f", i, []string{"m", "k", "j"}[c], got, row[c])
			}
		}
	}
}

func TestScheduleInputScaleRules(t *testing.T) {
	for _, tc := range []struct {
		name      string
		latent    bool
		normalize bool
		want      func(s *Schedule, i int) float64
	}{
		{"latent", true, true, func(s *Schedule, i int) float64 { return 1 / math.Sqrt(4*s.Eta[i]+1) }},
		{"pixel", false, true, func(s *Schedule, i int) float64 { return 1 / (6*s.SqrtEta[i] + 1) }},
		{"off", false, false, func(*Schedule, int) float64 { return 1 }},
		{"off-latent", true, false, func(*Schedule, int) float64 { return 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := params(4, 0.2, tc.latent)
			p.NormalizeInput = tc.normalize
			s := mustSchedule(t, p)
			for i := range s.InputScale {
				if d := math.Abs(s.InputScale[i] - tc.want(s, i)); d > 1e-15 {
					t.Errorf("input scale[%d] = %v, want %v", i, s.InputScale[i], tc.want(s, i))
				}
			}
		})
	}
	// Pixel rule at T=4, i=3: 1/(3·2·0.99+1).
	s := mustSchedule(t, params(4, 0.2, false))
	if d := math.Abs(s.InputScale[3] - 1/6.94); d > 1e-12 {
		t.Errorf("pixel input scale[3] = %v", s.InputScale[3])
	}
}

func TestScheduleSingleStep(t *testing.T) {
	s := mustSchedule(t, params(1, 0.2, true))
	if s.SqrtEta[0] != 0.1 || s.CoefX0[0] != 1 || s.CoefXt[0] != 0 || s.PosteriorStd[0] != 0 {
		t.Errorf("T=1 schedule = %+v", s)
	}
}

func TestScheduleErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Params)
		want []string
	}{
		{"steps", func(p *Params) { p.Steps = 0 }, []string{"diffusion.steps: must be >= 1"}},
		{"kappa", func(p *Params) { p.Kappa = 0 }, []string{"diffusion.kappa: must be > 0"}},
		{"kappa-nan", func(p *Params) { p.Kappa = math.NaN() }, []string{"diffusion.kappa: must be > 0"}},
		{"power", func(p *Params) { p.Power = -1 }, []string{"diffusion.power: must be > 0"}},
		{"mnl", func(p *Params) { p.MinNoiseLevel = 0 }, []string{"diffusion.min_noise_level: must be > 0"}},
		{"etas_end", func(p *Params) { p.EtasEnd = 1.5 }, []string{"diffusion.etas_end: must be in (0, 1]"}},
		{"schedule", func(p *Params) { p.Schedule = "ldm" }, []string{`diffusion.schedule: unsupported "ldm"`}},
		{"predict", func(p *Params) { p.PredictType = "epsilon" }, []string{`diffusion.predict_type: unsupported "epsilon"`}},
		{"joined", func(p *Params) { p.Kappa = -1; p.Steps = -3 },
			[]string{"diffusion.steps:", "diffusion.kappa:"}},
		{"not-increasing", func(p *Params) { p.MinNoiseLevel = 3; p.Kappa = 2 }, // start 1.5 > 1
			[]string{"diffusion.min_noise_level:"}},
		{"decreasing", func(p *Params) { p.EtasEnd = 0.05 },
			[]string{"diffusion.min_noise_level: schedule not increasing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := params(4, 0.2, true)
			tc.edit(&p)
			_, err := NewSchedule(p)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if err := params(15, 0.04, true).Validate(); err != nil {
		t.Errorf("valid params: %v", err)
	}
}
