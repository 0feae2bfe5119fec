package modelpack

import (
	"embed"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

const testModels = "../testdata/models"

const pixelManifest = `name        = "test-x4"
version     = "1"
description = "pixel test"
license     = "Apache-2.0"
scale       = 4
space       = "pixel"

[diffusion]
steps           = 4
kappa           = 2.0
schedule        = "exponential"
power           = 0.3
min_noise_level = 0.2
etas_end        = 0.99
predict_type    = "xstart"
normalize_input = true

[denoiser]
file           = "denoiser.onnx"
input_xt       = "x_t"
input_timestep = "t"
timestep_type  = "int64"
input_lq       = "lq"
input_y        = "y"
output         = "x0"

[tiling]
multiple  = 8
tile      = 64
overlap   = 8
fixed     = false
max_batch = 4
`

const latentManifest = `name  = "test-latent"
scale = 4
space = "latent"

[diffusion]
steps           = 4
kappa           = 2.0
power           = 0.3
min_noise_level = 0.2
etas_end        = 0.99
normalize_input = true

[denoiser]
file           = "denoiser.onnx"
input_xt       = "x_t"
input_timestep = "t"
input_lq       = "lq"
output         = "x0"

[latent]
channels = 3
factor   = 4

[encoder]
file   = "encoder.onnx"
input  = "image"
output = "latent"

[decoder]
file   = "decoder.onnx"
input  = "latent"
output = "image"

[tiling]
multiple  = 8
tile      = 32
overlap   = 8
fixed     = true
max_batch = 2
`

// edit returns manifest with key in section ("" = top level) set to value, or removed when value is "-".
// A key that is not there is appended to the section.
func edit(t *testing.T, manifest, section, key, value string) string {
	t.Helper()
	lines := strings.Split(manifest, "\n")
	cur, done := "", false
	var out []string
	insertAt := -1
	for _, ln := range lines {
		trim := strings.TrimSpace(ln)
		if strings.HasPrefix(trim, "[") {
			if cur == section && insertAt < 0 {
				insertAt = len(out)
			}
			cur = strings.Trim(trim, "[]")
		}
		if cur == section && !done {
			if f := strings.Fields(trim); len(f) > 0 && f[0] == key {
				done = true
				if value != "-" {
					out = append(out, key+" = "+value)
				}
				continue
			}
		}
		out = append(out, ln)
	}
	if !done {
		if value == "-" {
			t.Fatalf("edit: no key %s in [%s]", key, section)
		}
		if insertAt < 0 {
			if cur != section {
				out = append(out, "["+section+"]")
			}
			insertAt = len(out)
		}
		out = append(out[:insertAt], append([]string{key + " = " + value}, out[insertAt:]...)...)
	}
	return strings.Join(out, "\n")
}

func mapFS(manifest string, files ...string) fstest.MapFS {
	m := fstest.MapFS{ManifestFile: {Data: []byte(manifest)}}
	for _, f := range files {
		m[f] = &fstest.MapFile{Data: []byte("onnx bytes")}
	}
	return m
}

func TestLoadDirTestPacks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		space  string
		graphs int
	}{{"pointwise-x4", SpacePixel, 1}, {"conv-x4", SpacePixel, 1}, {"latent-x4", SpaceLatent, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(testModels, tc.name)
			p, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tc.name || p.Space != tc.space || p.Scale != 4 || p.Dir != dir {
				t.Fatalf("got name %q space %q scale %d dir %q", p.Name, p.Space, p.Scale, p.Dir)
			}
			gs := p.Graphs()
			if len(gs) != tc.graphs {
				t.Fatalf("got %d graphs, want %d", len(gs), tc.graphs)
			}
			for _, g := range gs {
				data, err := p.ReadGraph(string(g.Role))
				if err != nil {
					t.Fatal(err)
				}
				byFile, err := p.ReadGraph(g.File)
				if err != nil {
					t.Fatal(err)
				}
				if len(data) == 0 || string(data) != string(byFile) {
					t.Fatalf("%s: ReadGraph by role and by file differ or are empty", g.Role)
				}
			}
			sp := p.SamplerParams()
			if sp.Steps != 4 || sp.Kappa != 2 || sp.Power != 0.3 || sp.MinNoiseLevel != 0.2 || sp.EtasEnd != 0.99 ||
				sp.Schedule != "exponential" || sp.PredictType != "xstart" || !sp.NormalizeInput || sp.Latent != (tc.space == SpaceLatent) {
				t.Fatalf("SamplerParams = %+v", sp)
			}
		})
	}
}

func TestLoadFSMapFS(t *testing.T) {
	p, err := LoadFS(mapFS(pixelManifest, "denoiser.onnx"), ".")
	if err != nil {
		t.Fatal(err)
	}
	if p.Dir != "" || p.Tiling.Tile != 64 || p.Denoiser.InputY != "y" || p.IsLatent() {
		t.Fatalf("unexpected pack %+v", p.Manifest)
	}
	if _, err := p.ReadGraph(string(RoleEncoder)); err == nil {
		t.Fatal("ReadGraph(encoder) on a pixel pack: want an error")
	}
	if _, err := p.ReadGraph("../model.toml"); err == nil {
		t.Fatal("ReadGraph outside the pack: want an error")
	}

	// a pack in a sub-folder, defaults applied
	fsys := fstest.MapFS{}
	for k, v := range mapFS(latentManifest, "denoiser.onnx", "encoder.onnx", "decoder.onnx") {
		fsys["packs/lat/"+k] = v
	}
	p, err = LoadFS(fsys, "packs/lat")
	if err != nil {
		t.Fatal(err)
	}
	if p.Diffusion.Schedule != "exponential" || p.Diffusion.PredictType != "xstart" || p.Denoiser.TimestepType != "int64" {
		t.Fatalf("defaults not applied: %+v %+v", p.Diffusion, p.Denoiser)
	}
	if !p.IsLatent() || p.Latent.Factor != 4 || p.Encoder.Input != "image" || p.Decoder.Output != "image" {
		t.Fatalf("unexpected latent pack %+v", p.Manifest)
	}
	if _, err := p.ReadGraph(string(RoleDecoder)); err != nil {
		t.Fatal(err)
	}
	// defaults of [tiling]
	p, err = LoadFS(mapFS(edit(t, edit(t, pixelManifest, "tiling", "max_batch", "-"), "tiling", "overlap", "-"), "denoiser.onnx"), ".")
	if err != nil {
		t.Fatal(err)
	}
	if p.Tiling.MaxBatch != 1 || p.Tiling.Overlap != 0 {
		t.Fatalf("tiling defaults: %+v", p.Tiling)
	}
}

func TestLoadFSRealPackCopy(t *testing.T) {
	// The same bytes as a directory load, through an in-memory FS.
	dir := filepath.Join(testModels, "latent-x4")
	fsys := fstest.MapFS{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: data}
	}
	p, err := LoadFS(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "latent-x4" || !p.Tiling.Fixed || p.Tiling.MaxBatch != 2 {
		t.Fatalf("unexpected %+v", p.Tiling)
	}
}

//go:embed testdata/embedded
var embedded embed.FS

func TestLoadFSEmbed(t *testing.T) {
	p, err := LoadFS(embedded, "testdata/embedded")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "embedded-x2" || p.Scale != 2 {
		t.Fatalf("unexpected %+v", p.Manifest)
	}
	data, err := p.ReadGraph(string(RoleDenoiser))
	if err != nil || len(data) == 0 {
		t.Fatalf("ReadGraph: %v (%d bytes)", err, len(data))
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := LoadDir(filepath.Join(testModels, "no-such-pack")); err == nil {
		t.Fatal("missing dir: want an error")
	}
	if _, err := LoadFS(fstest.MapFS{"x": {}}, "."); err == nil || !strings.Contains(err.Error(), "model.toml: not found") {
		t.Fatalf("missing manifest: got %v", err)
	}
	_, err := LoadDir(filepath.Join(testModels))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(testModels, "model.toml")) {
		t.Fatalf("want the manifest path in %v", err)
	}
}

func TestInvalidManifests(t *testing.T) {
	px, lat := pixelManifest, latentManifest
	pxFiles := []string{"denoiser.onnx"}
	latFiles := []string{"denoiser.onnx", "encoder.onnx", "decoder.onnx"}
	cases := []struct {
		name     string
		manifest string
		files    []string
		want     string // substring of the error
	}{
		{"missing name", edit(t, px, "", "name", "-"), pxFiles, "model.toml: name: required"},
		{"bad name", edit(t, px, "", "name", `"Big Model"`), pxFiles, "model.toml: name: "},
		{"scale", edit(t, px, "", "scale", "3"), pxFiles, "model.toml: scale: must be 1, 2, 4 or 8"},
		{"space", edit(t, px, "", "space", `"rgb"`), pxFiles, "model.toml: space: must be"},
		{"kappa zero", edit(t, px, "diffusion", "kappa", "0.0"), pxFiles, "model.toml: diffusion.kappa: must be > 0"},
		{"kappa missing", edit(t, px, "diffusion", "kappa", "-"), pxFiles, "model.toml: diffusion.kappa: required"},
		{"steps", edit(t, px, "diffusion", "steps", "0"), pxFiles, "model.toml: diffusion.steps: must be in 1..1000"},
		{"power", edit(t, px, "diffusion", "power", "-0.3"), pxFiles, "model.toml: diffusion.power: must be > 0"},
		{"etas_end", edit(t, px, "diffusion", "etas_end", "1.5"), pxFiles, "model.toml: diffusion.etas_end: must be in (0, 1]"},
		{"min_noise_level above etas_end", edit(t, px, "diffusion", "min_noise_level", "3.0"), pxFiles, "model.toml: diffusion.min_noise_level: gives sqrt_eta_start"},
		{"schedule", edit(t, px, "diffusion", "schedule", `"linear"`), pxFiles, "model.toml: diffusion.schedule: unsupported"},
		{"predict_type", edit(t, px, "diffusion", "predict_type", `"epsilon"`), pxFiles, "model.toml: diffusion.predict_type: unsupported"},
		{"normalize_input", edit(t, px, "diffusion", "normalize_input", "-"), pxFiles, "model.toml: diffusion.normalize_input: required"},
		{"unknown key", edit(t, px, "diffusion", "kapa", "2.0"), pxFiles, "model.toml: diffusion.kapa: unknown key"},
		{"unknown section", px + "\n[extra]\nfoo = 1\n", pxFiles, "model.toml: extra.foo: unknown key"},
		{"timestep_type", edit(t, px, "denoiser", "timestep_type", `"int32"`), pxFiles, "model.toml: denoiser.timestep_type: must be"},
		{"denoiser file missing key", edit(t, px, "denoiser", "file", "-"), pxFiles, "model.toml: denoiser.file: required"},
		{"denoiser file outside", edit(t, px, "denoiser", "file", `"../denoiser.onnx"`), pxFiles, "model.toml: denoiser.file: \"../denoiser.onnx\" must be a relative path"},
		{"denoiser file absent", edit(t, px, "denoiser", "file", `"other.onnx"`), pxFiles, "model.toml: denoiser.file: \"other.onnx\" not found in the pack"},
		{"duplicate input", edit(t, px, "denoiser", "input_y", `"x_t"`), pxFiles, "model.toml: denoiser.input_y: input \"x_t\" is already used"},
		{"input_lq empty", edit(t, px, "denoiser", "input_lq", `""`), pxFiles, "model.toml: denoiser.input_lq: must not be empty"},
		{"pixel with latent", px + "\n[latent]\nchannels = 3\nfactor = 4\n", pxFiles, "model.toml: latent: section not allowed"},
		{"latent without encoder", strings.Replace(lat, "[encoder]\nfile   = \"encoder.onnx\"\ninput  = \"image\"\noutput = \"latent\"\n", "", 1), latFiles, "model.toml: encoder: section required"},
		{"latent without latent", strings.Replace(lat, "[latent]\nchannels = 3\nfactor   = 4\n", "", 1), latFiles, "model.toml: latent: section required"},
		{"latent with y", edit(t, lat, "denoiser", "input_y", `"y"`), latFiles, "model.toml: denoiser.input_y: not allowed"},
		{"decoder file absent", lat, latFiles[:2], "model.toml: decoder.file: \"decoder.onnx\" not found"},
		{"latent factor", edit(t, lat, "latent", "factor", "3"), latFiles, "model.toml: tiling.multiple: 8 × scale 4 must be a multiple of latent.factor = 3"},
		{"tile not multiple", edit(t, px, "tiling", "tile", "60"), pxFiles, "model.toml: tiling.tile: 60 must be a multiple of tiling.multiple = 8"},
		{"overlap", edit(t, px, "tiling", "overlap", "64"), pxFiles, "model.toml: tiling.overlap: 64 must be smaller than tiling.tile = 64"},
		{"max_batch", edit(t, px, "tiling", "max_batch", "0"), pxFiles, "model.toml: tiling.max_batch: must be in 1..1024"},
		{"multiple missing", edit(t, px, "tiling", "multiple", "-"), pxFiles, "model.toml: tiling.multiple: required"},
		{"syntax", px + "\nname = \n", pxFiles, "model.toml: "},
		{"type", edit(t, px, "diffusion", "kappa", `"two"`), pxFiles, "model.toml: diffusion.kappa: line 10: incompatible types"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFS(mapFS(tc.manifest, tc.files...), ".")
			if err == nil {
				t.Fatalf("want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q\ndoes not contain %q", err, tc.want)
			}
		})
	}
}

func TestAllErrorsReported(t *testing.T) {
	m := pixelManifest
	m = edit(t, m, "diffusion", "kappa", "-1.0")
	m = edit(t, m, "", "scale", "5")
	m = edit(t, m, "tiling", "overlap", "100")
	m = edit(t, m, "denoiser", "file", `"gone.onnx"`)
	_, err := LoadFS(mapFS(m), ".")
	if err == nil {
		t.Fatal("want errors")
	}
	var keys []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("not a *FieldError: %T %v", e, e)
		}
		keys = append(keys, fe.Key)
	}
	want := []string{"scale", "diffusion.kappa", "tiling.overlap", "denoiser.file"}
	for _, k := range want {
		found := false
		for _, g := range keys {
			found = found || g == k
		}
		if !found {
			t.Errorf("key %s not reported; got keys %v\n%v", k, keys, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != len(want) {
		t.Errorf("got %d error lines, want %d:\n%v", n, len(want), err)
	}

	// unknown keys are all reported at once too
	m = edit(t, edit(t, pixelManifest, "", "colour", `"red"`), "tiling", "tile_size", "3")
	_, err = ParseManifest([]byte(m), "")
	if err == nil || !strings.Contains(err.Error(), "model.toml: colour: unknown key") || !strings.Contains(err.Error(), "model.toml: tiling.tile_size: unknown key") {
		t.Fatalf("unknown keys: %v", err)
	}
}

func TestCheckGraph(t *testing.T) {
	p, err := LoadFS(mapFS(pixelManifest, "denoiser.onnx"), ".")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckGraph(RoleDenoiser, []string{"x_t", "t", "lq", "y"}, []string{"x0"}); err != nil {
		t.Fatal(err)
	}
	err = p.CheckGraph(RoleDenoiser, []string{"x_t", "timestep", "lq", "y"}, []string{"out"})
	for _, want := range []string{
		`model.toml: denoiser.input_timestep: graph denoiser.onnx has no input "t"`,
		`model.toml: denoiser: graph denoiser.onnx input "timestep" is not declared`,
		`model.toml: denoiser.output: graph denoiser.onnx has no output "x0"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\ndoes not contain %q", err, want)
		}
	}
	if err := p.CheckGraph(RoleEncoder, []string{"image"}, []string{"latent"}); err == nil {
		t.Error("encoder of a pixel pack: want an error")
	}
}

func TestManifestBuiltInGo(t *testing.T) {
	// A Manifest built in Go (not parsed) is validated on its values alone.
	m := Manifest{Name: "go-x4", Scale: 4, Space: SpacePixel,
		Diffusion: Diffusion{Steps: 4, Kappa: 2, Power: 0.3, MinNoiseLevel: 0.2, EtasEnd: 0.99, Schedule: "exponential", PredictType: "xstart", NormalizeInput: true},
		Denoiser:  Denoiser{File: "d.onnx", InputXT: "x", InputTimestep: "t", TimestepType: "int64", InputLQ: "lq", Output: "x0"},
		Tiling:    Tiling{Multiple: 8, Tile: 64, Overlap: 8, MaxBatch: 1}}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	m.Diffusion.Kappa = 0
	if err := m.Validate(); err == nil || err.Error() != "model.toml: diffusion.kappa: must be > 0 (got 0)" {
		t.Fatalf("got %v", err)
	}
	var _ fs.FS = embedded
}
