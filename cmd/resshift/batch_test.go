package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/queue/embedded"
)

// TestBatchEmbedded runs `resshift batch` with its embedded NATS server and
// two local workers on three images and a corrupt file, then again: the
// second run does no work, and a third after deleting one output writes it
// from the object store without upscaling it again.
func TestBatchEmbedded(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	writeImage(t, in, "a.png", synthImage(24, 16), "png")
	writeImage(t, in, "b.png", synthImage(28, 16), "png")
	writeImage(t, in, "c.jpg", synthImage(16, 20), "jpeg")
	os.WriteFile(filepath.Join(in, "bad.png"), []byte("not an image"), 0o644)

	summary := regexp.MustCompile(`(\d+) upscaled, (\d+) failed \(batch ([0-9a-f]{16}): (\d+) queued, (\d+) already done, (\d+) already in`)
	runs := []struct {
		name   string
		before func()
		want   []string // upscaled, failed, queued, already done (store), already in OUT
	}{
		{"first run", nil, []string{"3", "1", "4", "0", "0"}},
		{"again: no work", nil, []string{"0", "1", "0", "0", "3"}},
		{"one output deleted: from the store", func() { os.Remove(filepath.Join(dir, "out", "b_x4.png")) }, []string{"1", "1", "0", "1", "2"}},
	}
	var batch string
	for _, r := range runs {
		if r.before != nil {
			r.before()
		}
		res := runBin(t, dir, "batch", "-o", "out", "--workers", "2", "in")
		if res.code != 1 {
			t.Fatalf("%s: exit %d, want 1 (one bad file); stderr:\n%s", r.name, res.code, res.stderr)
		}
		if !strings.Contains(res.stderr, "FAILED in/bad.png: bad input") {
			t.Errorf("%s: the bad file is not reported by name:\n%s", r.name, res.stderr)
		}
		m := summary.FindStringSubmatch(res.stderr)
		if m == nil {
			t.Fatalf("%s: no summary in:\n%s", r.name, res.stderr)
		}
		got := []string{m[1], m[2], m[4], m[5], m[6]}
		if strings.Join(got, " ") != strings.Join(r.want, " ") {
			t.Errorf("%s: upscaled, failed, queued, already done, already in OUT = %v, want %v\n%s", r.name, got, r.want, res.stderr)
		}
		if batch != "" && m[3] != batch {
			t.Errorf("%s: batch id %s, want the first run's %s", r.name, m[3], batch)
		}
		batch = m[3]
	}
	for _, c := range []struct {
		name string
		w, h int
	}{{"a_x4.png", 4 * 24, 4 * 16}, {"b_x4.png", 4 * 28, 4 * 16}, {"c_x4.jpg", 4 * 16, 4 * 20}} {
		img, err := imageio.DecodeFile(filepath.Join(dir, "out", c.name), imageio.Limits{})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if img.Width != c.w || img.Height != c.h {
			t.Errorf("%s: %d×%d, want %d×%d", c.name, img.Width, img.Height, c.w, c.h)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "bad_x4.png")); err == nil {
		t.Error("an output was written for the bad file")
	}
}

func TestBatchWorkerUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"batch", "in"}, "-o OUT"},
		{[]string{"batch", "-o", "out"}, "no input"},
		{[]string{"batch", "-o", "out", "--detach", "in"}, "need --nats"},
		{[]string{"batch", "-o", "out", "--nats", "nats://x", "--resume", "abc", "in"}, "--resume takes no inputs"},
		{[]string{"batch", "-o", "out", "--workers", "0", "in"}, "--workers 0"},
		{[]string{"batch", "-o", "out", "--ack-wait", "1ms", "in"}, "--ack-wait 1ms"},
		{[]string{"batch", "-o", "out", "--nats", "nats://x", "--seed", "3", "in"}, "--seed does not apply with --nats"},
		{[]string{"batch", "-o", "out", "--nats", "nats://x", "--workers", "2", "in"}, "--workers does not apply with --nats"},
		{[]string{"worker"}, "--nats URL is required"},
		{[]string{"worker", "--nats", "nats://x", "--concurrency", "0"}, "--concurrency 0"},
		{[]string{"worker", "--nats", "nats://x", "img.png"}, "takes no inputs"},
		{[]string{"worker", "--nats", "nats://x", "--replicas", "7"}, "--replicas 7"},
		{[]string{"worker", "--nats", "nats://x", "--file-root", "/nonexistent/dir"}, "--file-root /nonexistent/dir: not a folder"},
	}
	for _, tc := range tests {
		r := runInProcess(t, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestBatchDetachResume: against an external NATS server, `batch --detach`
// only submits and prints the batch id; a `resshift worker` process does the
// work; `batch --resume ID` waits for it and writes the outputs.
func TestBatchDetachResume(t *testing.T) {
	srv, err := embedded.Start(embedded.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	url := srv.ClientURL()
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	writeImage(t, in, "x.png", synthImage(20, 12), "png")
	writeImage(t, in, "y.webp", synthImage(12, 20), "webp")

	sub := runBin(t, dir, "batch", "--nats", url, "--detach", "-o", "out", "in")
	id := strings.TrimSpace(sub.stdout)
	if sub.code != 0 || !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
		t.Fatalf("detach: exit %d, stdout %q, stderr:\n%s", sub.code, sub.stdout, sub.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "x_x4.png")); err == nil {
		t.Fatal("--detach wrote an output (nothing should have run)")
	}
	worker := exec.Command(bin, "worker", "--nats", url)
	worker.Env = cliEnv()
	var werr strings.Builder
	worker.Stderr = &werr
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	defer worker.Process.Kill()

	res := runBin(t, dir, "batch", "--nats", url, "--resume", id, "-o", "out")
	if res.code != 0 || !strings.Contains(res.stderr, "2 upscaled, 0 failed") {
		t.Fatalf("resume: exit %d, stderr:\n%s", res.code, res.stderr)
	}
	for _, c := range []struct {
		name string
		w, h int
	}{{"x_x4.png", 80, 48}, {"y_x4.webp", 48, 80}} {
		img, err := imageio.DecodeFile(filepath.Join(dir, "out", c.name), imageio.Limits{})
		if err != nil || img.Width != c.w || img.Height != c.h {
			t.Errorf("%s: %v %v", c.name, img, err)
		}
	}
	worker.Process.Signal(syscall.SIGTERM)
	if err := worker.Wait(); err != nil || !strings.Contains(werr.String(), "stopped: 2 done, 0 failed") {
		t.Errorf("worker after SIGTERM: %v; stderr:\n%s", err, werr.String())
	}
	if r := runBin(t, dir, "batch", "--nats", url, "--resume", "0123456789abcdef", "-o", "out"); r.code != 1 || !strings.Contains(r.stderr, "unknown batch") {
		t.Errorf("resume of an unknown batch: exit %d, %s", r.code, r.stderr)
	}
}
