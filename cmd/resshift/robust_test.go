package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/internal/testimg"
)

// runWatched runs the binary in dir with extra environment variables and a
// watchdog: a run that blocks (a FIFO, an endless read) fails the test
// instead of hanging it. It also returns the peak resident memory in bytes.
func runWatched(t *testing.T, dir string, limit time.Duration, env []string, args ...string) (result, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = cliEnv(env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("resshift %v did not finish within %v (blocked?)\n%s", args, limit, errb.String())
	}
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run resshift %v: %v", args, err)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	return r, rss
}

// damagedFiles writes, for each accepted format, a real encode with its last
// 10 bytes cut into dir (two TIFF layouts), and returns the file names.
func damagedFiles(t *testing.T, dir string) []string {
	t.Helper()
	img := synthImage(384, 320)
	var names []string
	for _, f := range []string{"png", "jpeg", "webp", "tiff"} {
		data, err := imageio.Encode(img, imageio.EncodeOptions{Format: f})
		if err != nil {
			t.Fatal(err)
		}
		name := "bad." + map[string]string{"png": "png", "jpeg": "jpg", "webp": "webp", "tiff": "tif"}[f]
		os.WriteFile(filepath.Join(dir, name), data[:len(data)-10], 0o644)
		names = append(names, name)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 384, 320), color.Palette{color.Black, color.White, color.Gray{128}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i * 7 % 3)
	}
	var g bytes.Buffer
	if err := gif.Encode(&g, pal, nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "bad.gif"), g.Bytes()[:g.Len()-10], 0o644)
	// A TIFF with its directory first: the cut truncates pixel data (libvips
	// writes the directory last, so a cut there loses the header instead).
	rgba := image.NewNRGBA(image.Rect(0, 0, 384, 320))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i*13 + i/1536)
	}
	tif := testimg.TIFFDirFirst(rgba)
	os.WriteFile(filepath.Join(dir, "bad-strips.tif"), tif[:len(tif)-10], 0o644)
	return append(names, "bad.gif", "bad-strips.tif")
}

// TestUpscaleDamagedNeverWrites: truncated PNG, JPEG, WebP, TIFF (x2) and GIF
// inputs fail in every run, even with 8 libvips threads (which raced on
// truncated data), and never replace an existing output under --overwrite.
func TestUpscaleDamagedNeverWrites(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	out := filepath.Join(dir, "out")
	os.Mkdir(in, 0o755)
	os.Mkdir(out, 0o755)
	names := damagedFiles(t, in)
	precious := map[string][]byte{}
	for _, n := range names {
		p := filepath.Join(out, strings.TrimSuffix(n, filepath.Ext(n))+"_x4.png")
		precious[p] = []byte("precious " + n)
		os.WriteFile(p, precious[p], 0o644)
	}
	const runs = 4
	for i := 0; i < runs; i++ {
		r, _ := runWatched(t, dir, 5*time.Minute, []string{"VIPS_CONCURRENCY=8"},
			"upscale", "--overwrite", "--format", "png", "-o", "out", "in")
		if r.code != 1 || !strings.Contains(r.stderr, "0 upscaled, 6 failed") {
			t.Fatalf("run %d: exit %d, want 1 with every file failed\n%s", i, r.code, r.stderr)
		}
		for p, want := range precious {
			if got, _ := os.ReadFile(p); !bytes.Equal(got, want) {
				t.Fatalf("run %d: %s was replaced", i, p)
			}
		}
		if left := leftovers(t, out, ".*resshift-tmp*"); len(left) > 0 {
			t.Fatalf("run %d: temporary files left: %v", i, left)
		}
	}
}

// TestUpscaleRefusedBeforeWork: what can be known before the model run is
// checked before it — an 8192² PNG (65 KB, within the input limit) whose
// output exceeds max_output_pixels is refused from its header without
// decoding it (peak memory stays far below the ~800 MB its float planes
// need), a WebP output over 16383 pixels per side and an output folder that
// is a file are refused before any tile runs, and --timeout bounds a file.
func TestUpscaleRefusedBeforeWork(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bomb.png"), testimg.BlankPNG(8192, 8192), 0o644)
	r, rss := runWatched(t, dir, 2*time.Minute, nil, "upscale", "bomb.png")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "bomb.png", "32768×32768", "output limit", "limits.max_output_pixels")
	t.Logf("8192² PNG refused; peak RSS %d MiB", rss>>20)
	if rss > 400<<20 {
		t.Errorf("peak RSS %d MiB: the image was decoded before the limit check", rss>>20)
	}

	writeImage(t, dir, "wide.png", synthImage(4100, 8), "png")
	os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644)
	writeImage(t, dir, "small.png", synthImage(64, 48), "png")
	cases := []struct {
		name string
		args []string
		msg  []string
	}{
		{"webp too wide", []string{"-o", "wide.webp", "wide.png"}, []string{"16400×32", "cannot be written as webp", "at most 16383"}},
		{"output folder is a file", []string{"-o", filepath.Join("afile", "x.png"), "small.png"}, []string{"output folder afile is not a folder"}},
		{"timeout", []string{"--timeout", "1ms", "small.png"}, []string{"small.png", "timed out after 1ms (--timeout); nothing written"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := runWatched(t, dir, 2*time.Minute, nil, append([]string{"upscale"}, tc.args...)...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
			}
			mustContain(t, "stderr", r.stderr, append(tc.msg, "0 upscaled, 1 failed")...)
			if strings.Contains(r.stderr, "tile") {
				t.Errorf("the model ran before the refusal:\n%s", r.stderr)
			}
		})
	}
	if left := leftovers(t, dir, "wide.webp", "small_x4*", ".*resshift-tmp*"); len(left) > 0 {
		t.Errorf("written: %v", left)
	}
	if r := runInProcess(t, "upscale", "--timeout", "-1s", "small.png"); r.code != 2 || !strings.Contains(r.stderr, "--timeout -1s: must be >= 0") {
		t.Errorf("negative --timeout: exit %d\n%s", r.code, r.stderr)
	}
}

// TestUpscaleSpecialFiles: a FIFO as input or as --config, and /dev/zero as
// --config, fail at once with a clear error instead of blocking or reading
// forever.
func TestUpscaleSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.png"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	syscall.Mkfifo(filepath.Join(dir, "pipe.toml"), 0o644)
	writeImage(t, dir, "a.png", synthImage(16, 16), "png")
	cases := []struct {
		name string
		args []string
		msg  []string
	}{
		{"fifo input", []string{"upscale", "pipe.png"}, []string{"pipe.png", "not a regular file (a named pipe (FIFO))", "0 upscaled, 1 failed"}},
		{"fifo config", []string{"upscale", "--config", "pipe.toml", "a.png"}, []string{"pipe.toml", "a named pipe (FIFO)"}},
		{"/dev/zero config", []string{"upscale", "--config", "/dev/zero", "a.png"}, []string{"/dev/zero", "too large"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := runWatched(t, dir, time.Minute, nil, tc.args...)
			if r.code == 0 {
				t.Fatalf("exit 0\n%s", r.stderr)
			}
			mustContain(t, "stderr", r.stderr, tc.msg...)
		})
	}
}
