package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/resample"

	"github.com/resshift/resshift/internal/testimg"
)

// evalData returns ../shared/data/eval or skips the test.
func evalData(t *testing.T) string { return testimg.DataDir(t, "eval") }

// readReport reads an eval JSON report.
func readReport(t *testing.T, path string) evalReportJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r evalReportJSON
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return r
}

// evalReportJSON mirrors evalReport with plain floats (nulls read as 0).
type evalReportJSON struct {
	Model    string
	Samplers []string
	Seed     uint64
	Methods  []string
	Images   []struct {
		Name   string
		Scores map[string]struct {
			PSNR    float64 `json:"psnr_y"`
			SSIM    float64 `json:"ssim_y"`
			Seconds float64 `json:"seconds"`
		}
	}
	Mean map[string]struct {
		PSNR   float64 `json:"psnr_y"`
		SSIM   float64 `json:"ssim_y"`
		Images int
	}
	Failed int
}

// The published bicubic ×4 baseline on Set5 (28.42 dB) through the eval
// command, in process and without the model.
func TestEvalSet5Bicubic(t *testing.T) {
	set := filepath.Join(evalData(t), "Set5")
	if _, err := os.Stat(filepath.Join(set, "LR_x4")); err != nil {
		t.Skip("Set5 not present")
	}
	dir := t.TempDir()
	js, md := filepath.Join(dir, "set5.json"), filepath.Join(dir, "set5.md")
	r := runInProcess(t, "eval", "--hr", filepath.Join(set, "HR"), "--lr", filepath.Join(set, "LR_x4"),
		"--sampler", "none", "--bicubic", "--json", js, "--md", md)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	rep := readReport(t, js)
	m := rep.Mean[methodMatlab]
	t.Logf("Set5 bicubic-matlab %.4f dB / %.4f, bicubic-torch %.4f dB", m.PSNR, m.SSIM, rep.Mean[methodTorch].PSNR)
	if m.Images != 5 || math.Abs(m.PSNR-28.42) > 0.05 {
		t.Errorf("MATLAB bicubic: %.4f dB over %d images, want 28.42 ± 0.05 over 5", m.PSNR, m.Images)
	}
	if rep.Model != "" || len(rep.Samplers) != 0 {
		t.Errorf("--sampler none loaded model %q / samplers %v", rep.Model, rep.Samplers)
	}
	table, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "markdown", string(table), "| baby |", "**mean** (5)", "bicubic-matlab PSNR-Y", "**28.4")
	if r.stdout != "" {
		t.Errorf("--md FILE also printed to stdout: %q", r.stdout)
	}
}

// The model part of eval on a tiny synthetic set: both samplers, scores and
// timings for every image, a grey image compared as grey, and an HR larger
// than LR×4 mod-cropped.
func TestEvalModelSynthetic(t *testing.T) {
	dir := t.TempDir()
	hrDir, lrDir := filepath.Join(dir, "HR"), filepath.Join(dir, "LR")
	os.Mkdir(hrDir, 0o755)
	os.Mkdir(lrDir, 0o755)
	for _, c := range []struct {
		name string
		hr   *imageio.Image
		crop int // extra HR pixels beyond LR×4
	}{
		{"rgb.png", synthImage(96, 80), 0},
		{"grey.png", grayImage(82, 64), 2},
	} {
		writeImage(t, hrDir, c.name, c.hr, "png")
		w, h := (c.hr.Width-c.crop)/4, (c.hr.Height)/4
		// LR: MATLAB bicubic downscale of the mod-cropped HR.
		crop := cropPlanes(c.hr.RGB, c.hr.Width, c.hr.Height, 4*w, 4*h)
		lr := &imageio.Image{Width: w, Height: h, RGB: resample.DownscaleMatlab(crop, 3, 4*h, 4*w, 4), Depth: 8, Gray: c.hr.Gray}
		writeImage(t, lrDir, c.name, lr, "png")
	}
	writeImage(t, hrDir, "unpaired.png", synthImage(16, 16), "png") // no LR: skipped
	js := filepath.Join(dir, "r.json")
	r := runBin(t, dir, "eval", "--hr", hrDir, "--lr", lrDir, "--bicubic", "--json", js, "--seed", "7")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	rep := readReport(t, js)
	if rep.Model == "" || rep.Seed != 7 || len(rep.Images) != 2 || rep.Failed != 0 {
		t.Fatalf("model %q seed %d images %d failed %d", rep.Model, rep.Seed, len(rep.Images), rep.Failed)
	}
	for _, im := range rep.Images {
		for _, m := range []string{methodMatlab, methodTorch, "resshift-deterministic", "resshift-stochastic"} {
			s, ok := im.Scores[m]
			if !ok || !(s.PSNR > 10 && s.PSNR < 100) || !(s.SSIM > 0 && s.SSIM <= 1) {
				t.Errorf("%s %s: %+v", im.Name, m, s)
			}
			if strings.HasPrefix(m, methodPrefix) && s.Seconds <= 0 {
				t.Errorf("%s %s: no timing", im.Name, m)
			}
		}
	}
	mustContain(t, "stdout", r.stdout, "| rgb |", "| grey |", "resshift-stochastic PSNR-Y", "**mean** (2)")
}

// cropPlanes returns the top-left w×h part of a 3×H×W planar image.
func cropPlanes(src []float32, W, H, w, h int) []float32 {
	out := make([]float32, 0, 3*w*h)
	for c := 0; c < 3; c++ {
		for y := 0; y < h; y++ {
			out = append(out, src[c*W*H+y*W:c*W*H+y*W+w]...)
		}
	}
	return out
}

// Engine output is rounded like the encoder: round((x+1)·127.5), clamped.
func TestQuant8MatchesEncoder(t *testing.T) {
	for _, c := range []struct {
		v    float32
		want uint8
	}{{-1, 0}, {-2, 0}, {1, 255}, {1.5, 255}, {0, 128}, {-1 + 0.6/127.5, 1}, {-1 + 0.49/127.5, 0}, {float32(100)/127.5 - 1, 100}} {
		if got := imageio.Quant8(c.v); got != c.want {
			t.Errorf("imageio.Quant8(%v) = %d, want %d", c.v, got, c.want)
		}
	}
	// The same as encoding and decoding through libvips.
	img := synthImage(17, 9)
	for i := range img.RGB {
		img.RGB[i] = img.RGB[i]*0.9 + 0.003*float32(i%7) // off-level values
	}
	data, err := imageio.Encode(img, imageio.EncodeOptions{Format: "png"})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := imageio.Decode(data, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := toMetric(img), toMetric(dec)
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			t.Fatalf("sample %d: toMetric %d, encoder %d", i, a.Pix[i], b.Pix[i])
		}
	}
}
