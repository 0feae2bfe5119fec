package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/internal/golden"
)

// info --json carries the schedule table; checked against RESSHIFT.md for the
// embedded pixel-space model (input scale 1/(3κ·sqrt_eta+1)) and the latent
// test pack (input scale from the table).
func TestInfoJSONSchedule(t *testing.T) {
	latent, err := filepath.Abs(filepath.Join("..", "..", "core", "testdata", "models", "latent-x4"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		args  []string
		space string
		chain bool // the pack's fused chain graph is in use
	}{
		{"embedded", nil, "pixel", true},
		{"latent-x4", []string{"--model", latent}, "latent", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runBin(t, t.TempDir(), append([]string{"info", "--json"}, c.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			var got struct {
				Model, Space, Provider string
				ORTVersion             string `json:"ort_version"`
				Steps, Scale           int
				Diffusion              struct {
					Kappa, Power  float64
					EtasEnd       float64 `json:"etas_end"`
					MinNoiseLevel float64 `json:"min_noise_level"`
				}
				Schedule map[string][]float64
				Chain    bool
				FP16     bool
				GPU      *struct{} `json:"gpu"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("%v\n%s", err, r.stdout)
			}
			if got.Space != c.space || got.Provider != "cpu" || got.ORTVersion == "" || got.Scale != 4 {
				t.Errorf("space %q provider %q ort %q scale %d", got.Space, got.Provider, got.ORTVersion, got.Scale)
			}
			if got.Chain != c.chain || got.FP16 || got.GPU != nil {
				t.Errorf("chain %v (want %v), fp16 %v, gpu %v on the CPU", got.Chain, c.chain, got.FP16, got.GPU)
			}
			keys := []string{"sqrt_eta", "eta", "posterior_mean_coef_xt", "posterior_mean_coef_x0", "posterior_std", "input_scale"}
			for _, k := range keys {
				if len(got.Schedule[k]) != got.Steps || got.Steps == 0 {
					t.Fatalf("schedule.%s has %d entries, want steps = %d", k, len(got.Schedule[k]), got.Steps)
				}
			}
			s, d := got.Schedule, got.Diffusion
			// The pixel rule, from the reported values (whatever the model).
			if c.space == "pixel" {
				for i, se := range s["sqrt_eta"] {
					if want := 1 / (3*d.Kappa*se + 1); math.Abs(s["input_scale"][i]-want) > 1e-15 {
						t.Errorf("input_scale[%d] = %v, want 1/(3κ·sqrt_eta+1) = %v", i, s["input_scale"][i], want)
					}
				}
			}
			// RESSHIFT.md's T=4 table (κ = 2), or the generated κ = 0.25 one of the default model.
			tabs := map[float64][]golden.Row{2: golden.T4, 0.25: golden.T4Kappa025}
			tab, ok := tabs[d.Kappa]
			if got.Steps != 4 || !ok || d.Power != 0.3 || d.MinNoiseLevel != 0.2 || d.EtasEnd != 0.99 {
				t.Fatalf("model %s: diffusion parameters %+v match no golden table", got.Model, d)
			}
			cols := []struct {
				key  string
				want []float64
			}{
				{"sqrt_eta", golden.Column(tab, golden.SqrtEta)}, {"eta", golden.Column(tab, golden.Eta)},
				{"posterior_mean_coef_xt", golden.Column(tab, golden.CoefXt)},
				{"posterior_mean_coef_x0", golden.Column(tab, golden.CoefX0)},
				{"posterior_std", golden.Column(tab, golden.PosteriorStd)},
			}
			if c.space == "latent" {
				cols = append(cols, struct {
					key  string
					want []float64
				}{"input_scale", golden.Column(tab, golden.InputScaleLatent)})
			}
			for _, col := range cols {
				for i, w := range col.want {
					if g := s[col.key][i]; math.Abs(g-w) > 6e-11 { // the table has 10 decimals
						t.Errorf("%s[%d] = %.12f, want %.10f", col.key, i, g, w)
					}
				}
			}
		})
	}
}

// The text form names the model and prints one schedule row per step.
func TestInfoText(t *testing.T) {
	r := runBin(t, t.TempDir(), "info")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "info", r.stdout, "model", "(embedded)", "license", "provider     cpu", "onnxruntime  1.",
		"sqrt_eta", "posterior std", "input scale")
}
