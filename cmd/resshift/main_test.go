package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/ort"
)

// bin is the resshift binary built once by TestMain, linked like the Makefile
// links it (the ONNX Runtime path baked in, a version string).
var bin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	lib, err := ort.ResolveLibrary("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmd/resshift tests need ONNX Runtime (make ort):", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "resshift-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "resshift")
	ldflags := "-X github.com/resshift/resshift/core/ort.defaultLibraryPath=" + lib + " -X main.version=v0.0.0-test"
	build := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build resshift:", err)
		return 1
	}
	return m.Run()
}

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// cliEnv is the environment for the binary: no RESSHIFT_* settings of the
// caller (they would change the configuration), one ONNX Runtime thread.
func cliEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RESSHIFT_") {
			env = append(env, kv)
		}
	}
	return append(append(env, "RESSHIFT_THREADS=1"), extra...)
}

// runBin runs the binary in dir with args.
func runBin(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = cliEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run resshift %v: %v", args, err)
	}
	return r
}

// runInProcess runs a command through run() with buffers.
func runInProcess(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string {
		if strings.HasPrefix(k, "RESSHIFT_") {
			return ""
		}
		return os.Getenv(k)
	}}
	code := run(context.Background(), e, args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// writeImage encodes img in format to dir/name and returns the path.
func writeImage(t *testing.T, dir, name string, img *imageio.Image, format string) string {
	t.Helper()
	data, err := imageio.Encode(img, imageio.EncodeOptions{Format: format})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// grayImage and alphaImage derive test layouts from the synthetic image.
func grayImage(w, h int) *imageio.Image {
	img := synthImage(w, h)
	n := w * h
	copy(img.RGB[n:2*n], img.RGB[:n])
	copy(img.RGB[2*n:], img.RGB[:n])
	img.Gray = true
	return img
}

func alphaImage(w, h int) *imageio.Image {
	img := synthImage(w, h)
	img.Alpha = make([]float32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Alpha[y*w+x] = float32(2*x)/float32(w-1) - 1
		}
	}
	return img
}

func decodeFile(t *testing.T, path string) *imageio.Image {
	t.Helper()
	img, err := imageio.DecodeFile(path, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

// leftovers lists the files in dir matching any of the patterns.
func leftovers(t *testing.T, dir string, patterns ...string) []string {
	t.Helper()
	var found []string
	for _, p := range patterns {
		m, err := filepath.Glob(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, m...)
	}
	return found
}
