package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resshift/resshift/core"
)

// Small images through the real default model: the output is 4× the input in
// both directions and keeps the channel layout (RGB, grey, RGB + alpha) and the
// format of its extension.
func TestUpscaleSmallImages(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, format string
		channels     int
		gray, alpha  bool
	}{
		{"rgb.png", "png", 3, false, false},
		{"gray.png", "png", 1, true, false},
		{"rgba.png", "png", 4, false, true},
		{"photo.jpg", "jpeg", 3, false, false},
	}
	var inputs []string
	for _, c := range cases {
		img := synthImage(64, 48)
		switch {
		case c.gray:
			img = grayImage(64, 48)
		case c.alpha:
			img = alphaImage(64, 48)
		}
		inputs = append(inputs, writeImage(t, dir, c.name, img, c.format))
	}
	out := filepath.Join(dir, "out")
	r := runBin(t, dir, append([]string{"upscale", "-o", "out"}, inputs...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "4 upscaled, 0 failed")
	for _, c := range cases {
		ext := filepath.Ext(c.name)
		p := filepath.Join(out, strings.TrimSuffix(c.name, ext)+"_x4"+ext)
		got := decodeFile(t, p)
		if got.Width != 256 || got.Height != 192 {
			t.Errorf("%s: %d×%d, want 256×192", p, got.Width, got.Height)
		}
		if got.Channels() != c.channels {
			t.Errorf("%s: %d channels, want %d", p, got.Channels(), c.channels)
		}
		if got.Format != c.format {
			t.Errorf("%s: format %s, want %s", p, got.Format, c.format)
		}
	}

	// -o FILE: the extension picks the format.
	r = runBin(t, dir, "upscale", "-q", "-o", "single.webp", inputs[0])
	if r.code != 0 {
		t.Fatalf("-o single.webp: exit %d\n%s", r.code, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("-q printed %q", r.stderr)
	}
	if got := decodeFile(t, filepath.Join(dir, "single.webp")); got.Format != "webp" || got.Width != 256 {
		t.Errorf("single.webp: format %s width %d", got.Format, got.Width)
	}
}

// A folder with a corrupt file: the others are upscaled, the bad one is named
// with what is wrong, the summary counts it, the exit status is 1, and no
// partial or temporary file is left for it.
func TestUpscaleFolderWithCorruptFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	writeImage(t, src, "a.png", synthImage(20, 16), "png")
	good := writeImage(t, src, "c.png", synthImage(16, 20), "png")
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "b.png"), data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "notes.txt"), []byte("not an image"), 0o644) // not picked from a folder

	r := runBin(t, dir, "upscale", "in")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "b.png", "corrupt", "2 upscaled, 1 failed")
	if strings.Contains(r.stderr, "notes.txt") {
		t.Errorf("a non-image file of the folder was processed:\n%s", r.stderr)
	}
	for _, name := range []string{"a_x4.png", "c_x4.png"} {
		if _, err := os.Stat(filepath.Join(src, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if bad := leftovers(t, src, "b_x4*", ".*tmp*", "*.tmp*"); len(bad) > 0 {
		t.Errorf("left behind: %v", bad)
	}

	// Run again on the same folder: the outputs exist and the NAME_x4 files
	// are not taken as new inputs.
	r = runBin(t, dir, "upscale", "-q", "in")
	if strings.Contains(r.stderr, "a_x4_x4") || strings.Contains(r.stderr, "FAILED in/a_x4.png") {
		t.Errorf("outputs were taken as inputs:\n%s", r.stderr)
	}
	mustContain(t, "second run", r.stderr, "0 upscaled, 3 failed")
}

// An existing output is not replaced without --overwrite.
func TestUpscaleRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	in := writeImage(t, dir, "a.png", synthImage(16, 16), "png")
	out := filepath.Join(dir, "a_x4.png")
	old := []byte("precious")
	if err := os.WriteFile(out, old, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBin(t, dir, "upscale", in)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "a_x4.png exists", "--overwrite", "0 upscaled, 1 failed")
	if got, _ := os.ReadFile(out); !bytes.Equal(got, old) {
		t.Fatalf("existing output changed")
	}
	r = runBin(t, dir, "upscale", "--overwrite", in)
	if r.code != 0 {
		t.Fatalf("--overwrite: exit %d\n%s", r.code, r.stderr)
	}
	if got := decodeFile(t, out); got.Width != 64 {
		t.Errorf("overwritten output is %d wide, want 64", got.Width)
	}
}

// A quoted glob pattern is expanded by resshift; the summary counts a pattern
// matching nothing as a failure.
func TestUpscaleGlob(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "p1.png", synthImage(12, 12), "png")
	writeImage(t, dir, "p2.png", synthImage(12, 8), "png")
	r := runBin(t, dir, "upscale", "-o", "out/", "p*.png", "nothing*.jpg")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "nothing*.jpg: no files match", "2 upscaled, 1 failed")
	for _, name := range []string{"p1_x4.png", "p2_x4.png"} {
		if _, err := os.Stat(filepath.Join(dir, "out", name)); err != nil {
			t.Error(err)
		}
	}
}

// Command-line mistakes exit 2 with a message naming the problem; nothing is written.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	a := writeImage(t, dir, "a.png", synthImage(16, 16), "png")
	b := writeImage(t, dir, "b.png", synthImage(16, 16), "png")
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"no command", nil, []string{"Usage:"}},
		{"unknown command", []string{"enlarge", a}, []string{`unknown command "enlarge"`}},
		{"unknown flag", []string{"upscale", "--bogus", a}, []string{"-bogus", "resshift upscale -h"}},
		{"no input", []string{"upscale"}, []string{"no input"}},
		{"-o file with two inputs", []string{"upscale", "-o", "x.png", a, b}, []string{"-o x.png", "exactly one input", "2 inputs"}},
		{"-o file with a folder", []string{"upscale", "-o", "x.png", dir}, []string{"-o x.png", "exactly one input"}},
		{"format conflicts with -o", []string{"upscale", "-o", "x.png", "--format", "jpeg", a}, []string{"png extension", "--format is jpeg"}},
		{"-o with unknown extension", []string{"upscale", "-o", "x.bmp", a}, []string{"x.bmp", "--format"}},
		{"tile not a multiple", []string{"upscale", "--tile", "30", a}, []string{"--tile 30", "multiple of 4"}},
		{"negative tile", []string{"upscale", "--tile", "-8", a}, []string{"--tile -8", "positive"}},
		{"tile not a number", []string{"upscale", "--tile", "big", a}, []string{"-tile", "big"}},
		{"overlap too large", []string{"upscale", "--tile", "16", "--overlap", "16", a}, []string{"--overlap 16", "less than the tile"}},
		{"batch too large", []string{"upscale", "--batch", "99", a}, []string{"--batch 99", "1..8"}},
		{"bad sampler", []string{"upscale", "--sampler", "ddim", a}, []string{`--sampler "ddim"`}},
		{"bad provider", []string{"upscale", "--provider", "rocm", a}, []string{`--provider "rocm"`}},
		{"bad format", []string{"upscale", "--format", "gif", a}, []string{`--format "gif"`}},
		{"bad quality", []string{"upscale", "--quality", "101", a}, []string{"--quality 101"}},
		{"info argument", []string{"info", "extra"}, []string{`unexpected argument "extra"`}},
		{"eval without dirs", []string{"eval"}, []string{"--hr and --lr are required"}},
		{"eval nothing to do", []string{"eval", "--hr", dir, "--lr", dir, "--sampler", "none"}, []string{"--bicubic"}},
		{"bench size", []string{"bench", "--size", "0"}, []string{"--size 0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runBin(t, dir, c.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstderr: %s", r.code, r.stderr)
			}
			mustContain(t, "stderr", r.stderr, c.want...)
		})
	}
	if out := leftovers(t, dir, "*_x4*", "x.*"); len(out) > 0 {
		t.Errorf("usage errors wrote %v", out)
	}
}

// --provider cuda with the CPU build of ONNX Runtime (or no GPU): a clear
// error naming the provider, exit 1, no output.
func TestProviderCUDAUnavailable(t *testing.T) {
	dir := t.TempDir()
	in := writeImage(t, dir, "a.png", synthImage(16, 16), "png")
	r := runBin(t, dir, "upscale", "--provider", "cuda", in)
	if r.code == 0 {
		t.Skip("the CUDA execution provider is available here")
	}
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, `provider "cuda"`, "CUDA execution provider unavailable", "allow_fallback")
	if out := leftovers(t, dir, "a_x4*"); len(out) > 0 {
		t.Errorf("wrote %v", out)
	}
	// With --allow-fallback the CPU takes over (with a logged warning).
	r = runBin(t, dir, "upscale", "-q", "--provider", "cuda", "--allow-fallback", in)
	if r.code != 0 {
		t.Fatalf("--allow-fallback: exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "falling back to CPU")
}

func TestHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"help"}, []string{"upscale", "info", "bench", "eval", "version", "Exit status"}},
		{[]string{"upscale", "-h"}, []string{"Usage: resshift upscale", "-overwrite", "-provider", "Examples:"}},
		{[]string{"help", "eval"}, []string{"Usage: resshift eval", "-bicubic", "-limit"}},
		{[]string{"bench", "--help"}, []string{"Usage: resshift bench", "-size", "-runs"}},
	} {
		r := runInProcess(t, c.args...)
		if r.code != 0 {
			t.Errorf("%v: exit %d\n%s", c.args, r.code, r.stderr)
		}
		mustContain(t, strings.Join(c.args, " "), r.stdout, c.want...)
	}
}

func TestVersion(t *testing.T) {
	r := runBin(t, t.TempDir(), "version")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "stdout", r.stdout, "resshift     v0.0.0-test", "onnxruntime  1.", "libvips      8.")
}

// Unit tests of the pieces that need no engine.

func TestFraction(t *testing.T) {
	for _, c := range []struct {
		p     core.Progress
		batch int
		want  float64
	}{
		{core.Progress{TilesDone: 0, Tiles: 4, Step: 1, Steps: 4}, 1, 1.0 / 16},
		{core.Progress{TilesDone: 1, Tiles: 4, Step: 4, Steps: 4}, 1, 0.25},
		{core.Progress{TilesDone: 2, Tiles: 4, Step: 2, Steps: 4}, 2, 0.75},
		{core.Progress{TilesDone: 4, Tiles: 5, Step: 2, Steps: 4}, 2, 0.9}, // last batch has one tile
		{core.Progress{TilesDone: 5, Tiles: 5, Step: 4, Steps: 4}, 2, 1},
		{core.Progress{}, 1, 0},
	} {
		if got := fraction(c.p, c.batch); got < c.want-1e-12 || got > c.want+1e-12 {
			t.Errorf("fraction(%+v, %d) = %v, want %v", c.p, c.batch, got, c.want)
		}
	}
}

func TestExpandInputs(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.png", "a_x4.png", "b_x4.png", "c.JPG", ".hidden.png", "notes.txt"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "d.png"), []byte("x"), 0o644)
	j := func(n string) string { return filepath.Join(dir, n) }
	srcs, bad := expandInputs([]string{dir, j("a.png"), j("*.txt"), j("missing.png"), j("z*.png"), filepath.Join(dir, "sub")}, 4)
	// a_x4.png is the output of a.png and skipped; b_x4.png has no source b.* and is kept.
	want := []string{j("a.png"), j("b_x4.png"), j("c.JPG"), j("notes.txt"), filepath.Join(dir, "sub", "d.png")}
	if strings.Join(srcs, "\n") != strings.Join(want, "\n") {
		t.Errorf("sources:\n%s\nwant:\n%s", strings.Join(srcs, "\n"), strings.Join(want, "\n"))
	}
	if len(bad) != 2 || bad[0].path != j("missing.png") || bad[1].path != j("z*.png") {
		t.Errorf("bad inputs: %+v", bad)
	}
}

func TestParseInterleaved(t *testing.T) {
	e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	fs := newFlags("t", "usage")
	o := fs.String("o", "", "")
	q := fs.Bool("q", false, "")
	pos, err := parse(e, fs, []string{"a.png", "-o", "out", "b.png", "-q", "--", "-c.png"})
	if err != nil {
		t.Fatal(err)
	}
	if *o != "out" || !*q || strings.Join(pos, ",") != "a.png,b.png,-c.png" {
		t.Errorf("o=%q q=%v pos=%v", *o, *q, pos)
	}
}

// The output pixel limit of the config is checked before any work, naming the
// key; the values of a config file are overridden by flags.
func TestUpscaleOutputLimitAndConfig(t *testing.T) {
	dir := t.TempDir()
	in := writeImage(t, dir, "a.png", synthImage(64, 48), "png")
	cfg := filepath.Join(dir, "c.toml")
	os.WriteFile(cfg, []byte("[limits]\nmax_output_pixels = 10000\n[output]\nformat = \"jpeg\"\n"), 0o644)
	r := runBin(t, dir, "upscale", "--config", cfg, in)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "a.png", "256×192", "limit 10000", "limits.max_output_pixels", "0 upscaled, 1 failed")
	if out := leftovers(t, dir, "a_x4*"); len(out) > 0 {
		t.Errorf("wrote %v", out)
	}

	os.WriteFile(cfg, []byte("[output]\nformat = \"jpeg\"\n"), 0o644)
	r = runBin(t, dir, "upscale", "--config", cfg, "--format", "webp", in)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if got := decodeFile(t, filepath.Join(dir, "a_x4.webp")); got.Format != "webp" {
		t.Errorf("--format webp over the config's jpeg wrote %s", got.Format)
	}

	r = runBin(t, dir, "upscale", "--config", filepath.Join(dir, "missing.toml"), in)
	if r.code != 1 {
		t.Fatalf("missing config: exit %d, want 1\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "missing.toml")
}
