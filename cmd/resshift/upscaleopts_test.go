package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resshift/resshift/core/imageio"
)

// --scale 2|3|4: output size and default name follow the scale; a scale the
// model cannot give is a usage error.
func TestUpscaleScale(t *testing.T) {
	dir := t.TempDir()
	in := writeImage(t, dir, "a.png", synthImage(20, 12), "png")
	for _, s := range []struct {
		flag string
		name string
		w, h int
	}{{"2", "a_x2.png", 40, 24}, {"3", "a_x3.png", 60, 36}, {"4", "a_x4.png", 80, 48}} {
		r := runBin(t, dir, "upscale", "-q", "--scale", s.flag, in)
		if r.code != 0 {
			t.Fatalf("--scale %s: exit %d\n%s", s.flag, r.code, r.stderr)
		}
		got := decodeFile(t, filepath.Join(dir, s.name))
		if got.Width != s.w || got.Height != s.h {
			t.Errorf("--scale %s: %d×%d, want %d×%d", s.flag, got.Width, got.Height, s.w, s.h)
		}
	}
	for _, bad := range []string{"1", "5", "8", "x"} {
		r := runBin(t, dir, "upscale", "--scale", bad, "-o", "bad.png", in)
		if r.code != 2 {
			t.Errorf("--scale %s: exit %d, want 2\n%s", bad, r.code, r.stderr)
		}
		mustContain(t, "stderr", r.stderr, "-scale")
	}
	// A folder upscaled in place at ×2 does not pick up its own NAME_x2 outputs.
	r := runBin(t, dir, "upscale", "-q", "--scale", "2", "--skip-existing", dir)
	if r.code != 0 {
		t.Fatalf("folder rerun: exit %d\n%s", r.code, r.stderr)
	}
}

// --skip-existing: a re-run of a batch skips the outputs that exist, reports
// them as skipped and exits 0 (before: every one was FAILED, exit 1).
func TestUpscaleSkipExisting(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "a.png", synthImage(16, 12), "png")
	writeImage(t, dir, "b.png", synthImage(12, 16), "png")
	r := runBin(t, dir, "upscale", "-o", "out", dir)
	if r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	if err := os.Remove(filepath.Join(dir, "out", "b_x4.png")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "out", "a_x4.png"))
	r = runBin(t, dir, "upscale", "--skip-existing", "-o", "out", dir)
	if r.code != 0 {
		t.Fatalf("re-run: exit %d, want 0\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "skipped", "a_x4.png", "1 upscaled, 1 skipped, 0 failed")
	if strings.Contains(r.stderr, "FAILED") {
		t.Fatalf("re-run reported a failure:\n%s", r.stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "out", "a_x4.png")); !bytes.Equal(before, after) {
		t.Fatal("a skipped output was rewritten")
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "b_x4.png")); err != nil {
		t.Fatal(err)
	}
	r = runBin(t, dir, "upscale", "--skip-existing", "--overwrite", "-o", "out", dir)
	if r.code != 2 {
		t.Fatalf("--skip-existing --overwrite: exit %d, want 2\n%s", r.code, r.stderr)
	}
}

// -j N upscales N files at once with one engine: every output is the same as
// from a sequential run (noise depends only on the seed and coordinates).
func TestUpscaleJobs(t *testing.T) {
	dir := t.TempDir()
	for i, n := range []string{"a.png", "b.png", "c.png", "d.png", "e.png"} {
		writeImage(t, dir, n, synthImage(16+4*i, 12), "png")
	}
	r := runBin(t, dir, "upscale", "-o", "seq", dir)
	if r.code != 0 {
		t.Fatalf("sequential: exit %d\n%s", r.code, r.stderr)
	}
	r = runBin(t, dir, "upscale", "-j", "3", "-o", "par", dir)
	if r.code != 0 {
		t.Fatalf("-j 3: exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "5 upscaled, 0 failed")
	for _, n := range []string{"a_x4.png", "b_x4.png", "c_x4.png", "d_x4.png", "e_x4.png"} {
		a, _ := os.ReadFile(filepath.Join(dir, "seq", n))
		b, _ := os.ReadFile(filepath.Join(dir, "par", n))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: -j 3 output differs from the sequential one (%d vs %d bytes)", n, len(b), len(a))
		}
	}
	// Two sources with the same output name clash under -j as they do one at a time.
	for _, d := range []string{"x", "y"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
		writeImage(t, filepath.Join(dir, d), "same.png", synthImage(12, 12), "png")
	}
	r = runBin(t, dir, "upscale", "-j", "2", "-o", "clash", "x", "y")
	if r.code != 1 {
		t.Fatalf("-j 2 clash: exit %d, want 1\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "already written from", "1 upscaled, 1 failed")
	for _, bad := range []string{"0", "-1", "1000"} {
		if r := runBin(t, dir, "upscale", "-j", bad, "-o", "x", dir); r.code != 2 {
			t.Errorf("-j %s: exit %d, want 2", bad, r.code)
		}
	}
}

// "-" reads the input from stdin and "-o -" writes the output to stdout.
func TestUpscaleStdio(t *testing.T) {
	dir := t.TempDir()
	in := writeImage(t, dir, "a.jpg", synthImage(16, 12), "jpeg")
	data, _ := os.ReadFile(in)
	run := func(stdin []byte, args ...string) (int, []byte, string) {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = dir, cliEnv()
		cmd.Stdin = bytes.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.Bytes(), errb.String()
	}
	for _, c := range []struct {
		name   string
		stdin  []byte
		args   []string
		format string // of stdout ("" = nothing on stdout)
		file   string // output file written ("" = none)
	}{
		{"stdin to stdout", data, []string{"upscale", "-o", "-", "-"}, "jpeg", ""},
		{"stdin to stdout as png", data, []string{"upscale", "--format", "png", "-o", "-", "-"}, "png", ""},
		{"file to stdout", nil, []string{"upscale", "-o", "-", in}, "jpeg", ""},
		{"stdin to file", data, []string{"upscale", "-o", "from-stdin.webp", "-"}, "", "from-stdin.webp"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := run(c.stdin, c.args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if c.format != "" {
				img, err := imageio.Decode(out, imageio.Limits{})
				if err != nil {
					t.Fatalf("stdout: %v (%d bytes)", err, len(out))
				}
				if img.Format != c.format || img.Width != 64 || img.Height != 48 {
					t.Fatalf("stdout: %s %d×%d, want %s 64×48", img.Format, img.Width, img.Height, c.format)
				}
			} else if len(out) != 0 {
				t.Fatalf("%d bytes on stdout", len(out))
			}
			if c.file != "" {
				if img := decodeFile(t, filepath.Join(dir, c.file)); img.Width != 64 || img.Format != "webp" {
					t.Fatalf("%s: %s %d wide", c.file, img.Format, img.Width)
				}
			}
		})
	}
	for _, c := range []struct {
		name  string
		stdin []byte
		args  []string
		code  int
		want  string
	}{
		{"stdin without -o", data, []string{"upscale", "-"}, 2, "-o"},
		{"stdin to a folder", data, []string{"upscale", "-o", "outdir/", "-"}, 2, "-o FILE"},
		{"stdout with two inputs", nil, []string{"upscale", "-o", "-", in, in}, 2, "exactly one input"},
		{"garbage on stdin", []byte("not an image"), []string{"upscale", "-o", "-", "-"}, 1, "FAILED -"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := run(c.stdin, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s", code, c.code, stderr)
			}
			mustContain(t, "stderr", stderr, c.want)
			if len(out) != 0 {
				t.Fatalf("%d bytes on stdout", len(out))
			}
		})
	}
}

// AVIF and HEIF outputs by --format or the -o extension.
func TestUpscaleAVIF(t *testing.T) {
	if !imageio.HEIFSupported() {
		t.Skip("this libvips cannot write HEIF/AVIF")
	}
	dir := t.TempDir()
	in := writeImage(t, dir, "a.png", synthImage(16, 12), "png")
	for _, c := range []struct {
		args   []string
		file   string
		format string
	}{
		{[]string{"--format", "avif", in}, "a_x4.avif", "avif"},
		{[]string{"-o", "b.heic", in}, "b.heic", "heif"},
	} {
		r := runBin(t, dir, append([]string{"upscale", "-q"}, c.args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", c.args, r.code, r.stderr)
		}
		img := decodeFile(t, filepath.Join(dir, c.file))
		if img.Format != c.format || img.Width != 64 {
			t.Fatalf("%s: %s %d wide, want %s 64", c.file, img.Format, img.Width, c.format)
		}
	}
}

// Symlinked files inside a folder input are upscaled (their target is read);
// symlinked folders inside it are not descended into (folders are not
// recursive), so a link loop cannot trap the run; a broken link is reported.
func TestUpscaleFolderSymlinks(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.Mkdir(src, 0o755)
	target := writeImage(t, dir, "real.png", synthImage(12, 12), "png")
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	writeImage(t, filepath.Join(dir, "sub"), "deep.png", synthImage(12, 12), "png")
	for _, l := range [][2]string{{target, "link.png"}, {filepath.Join(dir, "sub"), "subdir.png"}, {src, "loop"}, {filepath.Join(dir, "gone.png"), "broken.png"}} {
		if err := os.Symlink(l[0], filepath.Join(src, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	r := runBin(t, dir, "upscale", "-o", "out", src)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (the broken link)\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "broken.png", "1 upscaled, 1 failed")
	if img := decodeFile(t, filepath.Join(dir, "out", "link_x4.png")); img.Width != 48 {
		t.Fatalf("link_x4.png is %d wide", img.Width)
	}
	if out := leftovers(t, filepath.Join(dir, "out"), "deep*", "subdir*"); len(out) > 0 {
		t.Fatalf("descended into a symlinked folder: %v", out)
	}
}
