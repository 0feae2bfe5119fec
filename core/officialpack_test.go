package core

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/core/sampler"
)

// officialManifests holds the model.toml files that training/official/convert.py writes for the four official
// x4 models (regenerated and checked against the converter by training/official/test_manifests.py).
var officialManifests = filepath.Join("..", "training", "official", "testdata", "manifests")

// officialRow is one row of a RESSHIFT.md §1.3 schedule table (κ = 2, p = 0.3, etas_end = 0.99), copied from the
// document: sqrt_eta, eta, c_xt, c_x0, posterior std, input scale 1/sqrt(κ²η+1) (latent rule).
type officialRow struct{ sqrtEta, eta, coefXt, coefX0, postStd, inScale float64 }

// RESSHIFT.md §1.3, T = 15, min_noise_level = 0.04 (v1, v2).
var officialT15 = []officialRow{
	{0.0200000000, 0.0004000000, 0, 1, 0, 0.9992009587},
	{0.1171650823, 0.0137276565, 0.0291382582, 0.9708617418, 0.0394129266, 0.9736260081},
	{0.1763045553, 0.0310832962, 0.4416409514, 0.5583590486, 0.1750995286, 0.9430885789},
	{0.2336289165, 0.0545824706, 0.5694739692, 0.4305260308, 0.2313626430, 0.9059777914},
	{0.2915741278, 0.0850154720, 0.6420298491, 0.3579701509, 0.2795631968, 0.8638484774},
	{0.3510092843, 0.1232075177, 0.6900185442, 0.3099814558, 0.3246734961, 0.8184550122},
	{0.4123561443, 0.1700375897, 0.7245898855, 0.2754101145, 0.3684160504, 0.7714822270},
	{0.4758577309, 0.2264405801, 0.7509148302, 0.2490851698, 0.4116009811, 0.7243786339},
	{0.5416716776, 0.2934082063, 0.7717595322, 0.2282404678, 0.4546774854, 0.6782767148},
	{0.6099099334, 0.3719901269, 0.7887526714, 0.2112473286, 0.4979224830, 0.6339839433},
	{0.6806580171, 0.4632953363, 0.8029222351, 0.1970777649, 0.5415200192, 0.5920185462},
	{0.7539852625, 0.5684937761, 0.8149523457, 0.1850476543, 0.5855995739, 0.5526654478},
	{0.8299506624, 0.6888181020, 0.8253177063, 0.1746822937, 0.6302564454, 0.5160351405},
	{0.9086063878, 0.8255655679, 0.8343590489, 0.1656409511, 0.6755634258, 0.4821160159},
	{0.9900000000, 0.9801000000, 0.8423278930, 0.1576721070, 0.7215778893, 0.4508164918},
}

// RESSHIFT.md §1.3, T = 4, min_noise_level = 0.2 (v3, bicsr).
var officialT4 = []officialRow{
	{0.1000000000, 0.0100000000, 0, 1, 0, 0.9805806757},
	{0.5200963722, 0.2705002364, 0.0369685444, 0.9630314556, 0.1962683322, 0.6930419746},
	{0.7613819906, 0.5797025356, 0.4666190326, 0.5333809674, 0.7596832965, 0.5489196726},
	{0.9900000000, 0.9801000000, 0.5914728453, 0.4085271547, 0.9732917907, 0.4508164918},
}

// TestOfficialPackSchedules parses the converter's manifests for the official models with the engine's own
// manifest reader and schedule builder (the path NewFromPack takes) and compares every schedule column with the
// RESSHIFT.md tables. The tables have 10 decimals, so 1e-9 allows only their rounding.
func TestOfficialPackSchedules(t *testing.T) {
	const tol = 1e-9
	cases := []struct {
		version  string
		steps    int
		minNoise float64
		want     []officialRow
	}{
		{"v1", 15, 0.04, officialT15},
		{"v2", 15, 0.04, officialT15},
		{"v3", 4, 0.2, officialT4},
		{"bicsr", 4, 0.2, officialT4},
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
					{"sqrt_eta", s.SqrtEta[i], w.sqrtEta},
					{"eta", s.Eta[i], w.eta},
					{"coef_xt", s.CoefXt[i], w.coefXt},
					{"coef_x0", s.CoefX0[i], w.coefX0},
					{"posterior_std", s.PosteriorStd[i], w.postStd},
					{"input_scale", s.InputScale[i], w.inScale},
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
