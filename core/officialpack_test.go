package core

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/core/sampler"

	"github.com/resshift/resshift/internal/golden"
)

// officialManifests holds the model.toml files that training/official/convert.py writes for the four official
// x4 models (regenerated and checked against the converter by training/official/test_manifests.py).
var officialManifests = filepath.Join("..", "training", "official", "testdata", "manifests")

// TestOfficialPackSchedules parses the converter's manifests for the official models with the engine's own
// manifest reader and schedule builder (the path NewFromPack takes) and compares every schedule column with the
// RESSHIFT.md tables. The tables have 10 decimals, so 1e-9 allows only their rounding.
func TestOfficialPackSchedules(t *testing.T) {
	const tol = 1e-9
	cases := []struct {
		version  string
		steps    int
		minNoise float64
		want     []golden.Row
	}{
		{"v1", 15, 0.04, golden.T15},
		{"v2", 15, 0.04, golden.T15},
		{"v3", 4, 0.2, golden.T4},
		{"bicsr", 4, 0.2, golden.T4},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			path := filepath.Join(officialManifests, tc.version, modelpack.ManifestFile)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := modelpack.ParseManifest(data, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if m.Version != tc.version || m.Scale != 4 || !m.IsLatent() {
				t.Fatalf("version %q scale %d space %q, want %q 4 latent", m.Version, m.Scale, m.Space, tc.version)
			}
			d := m.Diffusion
			if d.Steps != tc.steps || d.MinNoiseLevel != tc.minNoise || d.Kappa != 2 || d.Power != 0.3 || d.EtasEnd != 0.99 || !d.NormalizeInput {
				t.Fatalf("diffusion %+v, want steps %d min_noise_level %v kappa 2 power 0.3 etas_end 0.99 normalize_input", d, tc.steps, tc.minNoise)
			}
			if tl := m.Tiling; !tl.Fixed || tl.MaxBatch != 1 || tl.Tile != 64 || tl.Multiple != 64 {
				t.Fatalf("tiling %+v, want fixed 64x64 tiles, batch 1", tl)
			}
			s, err := sampler.NewSchedule(sampler.Params(m.SamplerParams()))
			if err != nil {
				t.Fatal(err)
			}
			if s.T() != len(tc.want) {
				t.Fatalf("T = %d, want %d", s.T(), len(tc.want))
			}
			if got := s.PriorStd(); math.Abs(got-1.98) > tol {
				t.Errorf("prior std %v, want 1.98", got)
			}
			for i, w := range tc.want {
				cols := []struct {
					name      string
					got, want float64
				}{
					{"sqrt_eta", s.SqrtEta[i], w[golden.SqrtEta]},
					{"eta", s.Eta[i], w[golden.Eta]},
					{"coef_xt", s.CoefXt[i], w[golden.CoefXt]},
					{"coef_x0", s.CoefX0[i], w[golden.CoefX0]},
					{"posterior_std", s.PosteriorStd[i], w[golden.PosteriorStd]},
					{"input_scale", s.InputScale[i], w[golden.InputScaleLatent]},
				}
				for _, c := range cols {
					if d := math.Abs(c.got - c.want); !(d <= tol) {
						t.Errorf("i=%d %s = %.12f, RESSHIFT.md %.10f (diff %.2e)", i, c.name, c.got, c.want, d)
					}
				}
			}
		})
	}
}
