package plugin_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/image/tiff"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/vocab"
)

func ptr[T any](v T) *T { return &v }

// Results through the plugin process are byte-identical to the same engine
// in process: images, options and metadata cross the wire unchanged.
func TestHostUpscaleMatchesInProcess(t *testing.T) {
	h, ref := sharedHost(t)
	cases := []struct {
		name       string
		img        *imageio.Image
		in         string // input format
		opt        plugin.Options
		wantFormat vocab.Format
	}{
		{"png rgb", testImage(40, 30, false, 8, 1), "png", plugin.Options{}, "png"},
		{"png rgba", testImage(24, 24, true, 8, 2), "png", plugin.Options{}, "png"},
		{"png 16-bit", testImage(20, 16, false, 16, 3), "png", plugin.Options{}, "png"},
		{"jpeg to webp", testImage(32, 20, false, 8, 4), "jpeg", plugin.Options{Format: "webp", Quality: 80}, "webp"},
		{"tiff to jpg, stripped", testImage(16, 16, false, 8, 5), "tiff", plugin.Options{Format: vocab.JPEG, StripMetadata: true}, "jpeg"},
		{"stochastic, seed, tiling", testImage(48, 40, false, 8, 6), "png",
			plugin.Options{Sampler: vocab.Stochastic, Seed: ptr(uint64(7)), Tile: 16, Overlap: ptr(4), Batch: 2}, "png"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := plugin.Request{Image: encode(t, tc.img, tc.in), Options: tc.opt}
			got, err := h.Upscale(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != 4*tc.img.Width || got.Height != 4*tc.img.Height || got.Format != tc.wantFormat {
				t.Fatalf("got %d×%d %s, want %d×%d %s", got.Width, got.Height, got.Format,
					4*tc.img.Width, 4*tc.img.Height, tc.wantFormat)
			}
			if got.ContentType() != "image/"+tc.wantFormat.String() {
				t.Errorf("content type %q", got.ContentType())
			}
			want, err := ref.Upscale(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Image, want.Image) {
				t.Errorf("plugin result (%d bytes) differs from the in-process result (%d bytes)", len(got.Image), len(want.Image))
			}
			if got.Stats.Tiles < 1 || got.Stats.DenoiserCalls < 1 || got.Stats.Total <= 0 {
				t.Errorf("stats %+v", got.Stats)
			}
		})
	}
}

func TestHostInfo(t *testing.T) {
	h, _ := sharedHost(t)
	info, err := h.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Model != "pointwise-x4" || info.Scale != 4 || info.Steps != 4 || info.PID != h.PID() || info.PID == os.Getpid() {
		t.Errorf("info %+v (host pid %d)", info, h.PID())
	}
	d := info.Defaults
	if d.Sampler != vocab.Stochastic || d.Seed == nil || *d.Seed != 12345 || d.Tile != 32 || d.Overlap == nil || d.Batch != 1 {
		t.Errorf("defaults %+v", d)
	}
	if info.MaxInputBytes != imageio.DefaultMaxFileBytes || info.MaxInputPixels != imageio.DefaultMaxPixels {
		t.Errorf("limits %d bytes, %d pixels", info.MaxInputBytes, info.MaxInputPixels)
	}
}

// A 20 MiB image goes to the plugin and a 20 MiB result comes back, in
// chunks well under gRPC's 4 MiB message limit.
func TestHostLargePayload(t *testing.T) {
	h, _ := sharedHost(t)
	data, xmp := bigXMPTIFF(t, 20<<20)
	if len(data) < 20<<20 {
		t.Fatalf("test image is only %d bytes", len(data))
	}
	start := time.Now()
	res, err := h.Upscale(context.Background(), plugin.Request{Image: data})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes in, %d bytes out in %v", len(data), len(res.Image), time.Since(start))
	if len(res.Image) < 20<<20 || res.Width != 256 || res.Format != "tiff" {
		t.Fatalf("result %d bytes %d×%d %s", len(res.Image), res.Width, res.Height, res.Format)
	}
	out, err := imageio.Decode(res.Image, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Meta == nil || !bytes.Equal(out.Meta.XMP, xmp) {
		t.Error("the 20 MiB XMP packet did not survive the round trip")
	}
}

// uncompressedTIFF is a w×h RGBA TIFF of 4·w·h bytes (a pixel-heavy payload).
func uncompressedTIFF(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tiff.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)), &tiff.Options{Compression: tiff.Uncompressed}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestHostErrors(t *testing.T) {
	h, _ := sharedHost(t)
	png := encode(t, testImage(16, 16, false, 8, 9), "png")
	big := uncompressedTIFF(t, 2300, 2300) // 21 MB
	cases := []struct {
		name     string
		req      plugin.Request
		kind     error
		tooLarge bool
		msg      string
	}{
		{"not an image", plugin.Request{Image: []byte("definitely not an image")}, plugin.ErrInvalidInput, false, "imageio: decode"},
		{"empty", plugin.Request{}, plugin.ErrInvalidInput, false, "image: empty"},
		{"batch too large", plugin.Request{Image: png, Options: plugin.Options{Batch: 99}}, plugin.ErrInvalidInput, false, "must be in 1..4"},
		{"bad sampler", plugin.Request{Image: png, Options: plugin.Options{Sampler: vocab.Sampler(7)}}, plugin.ErrInvalidInput, false, `sampler: want deterministic or stochastic, got "Sampler(7)"`},
		{"alias format", plugin.Request{Image: png, Options: plugin.Options{Format: "jpg"}}, plugin.ErrInvalidInput, false, `format: want png, jpeg, webp or tiff, got "jpg"`},
		{"bad format", plugin.Request{Image: png, Options: plugin.Options{Format: "gif"}}, plugin.ErrInvalidInput, false, `format: want png, jpeg, webp or tiff, got "gif"`},
		{"20 MiB over the pixel limit", plugin.Request{Image: big, Options: plugin.Options{MaxInputPixels: 1 << 20}},
			plugin.ErrTooLarge, true, "image is 2300×2300 = 5290000 pixels, limit 1048576"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.Upscale(context.Background(), tc.req)
			if !errors.Is(err, tc.kind) || errors.Is(err, plugin.ErrTooLarge) != tc.tooLarge {
				t.Fatalf("error %v: want kind %v (too large: %v)", err, tc.kind, tc.tooLarge)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "plugin: ") {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
	// The plugin is still serving.
	if _, err := h.Upscale(context.Background(), plugin.Request{Image: png}); err != nil {
		t.Fatal(err)
	}
}

// A plugin with a small byte limit refuses a large image from the header,
// and an engine failure (a model that returns NaN) comes back as ErrInternal.
func TestHostLimitsAndEngineFailure(t *testing.T) {
	nan := strings.Replace(packDir, "pointwise-x4", "nan-x4", 1)
	cfg := writeConfig(t, "nan", strings.Replace(pointwiseConfig("[limits]\nmax_file_bytes = 4194304\n"), packDir, nan, 1))
	h, _ := newHost(t, cfg)
	data, _ := bigXMPTIFF(t, 20<<20)
	_, err := h.Upscale(context.Background(), plugin.Request{Image: data})
	if !errors.Is(err, plugin.ErrTooLarge) || !strings.Contains(err.Error(), "limit 4194304") {
		t.Errorf("20 MiB over a 4 MiB limit: %v", err)
	}
	_, err = h.Upscale(context.Background(), plugin.Request{Image: encode(t, testImage(16, 16, false, 8, 1), "png")})
	if !errors.Is(err, plugin.ErrInternal) || errors.Is(err, plugin.ErrInvalidInput) || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN model: %v", err)
	}
}

// Cancelling the host's context cancels the engine in the plugin (the
// plugin logs the engine's cancellation), and the plugin keeps serving.
func TestHostCancel(t *testing.T) {
	h, logs := newHost(t, writeConfig(t, "cancel", pointwiseConfig("")))
	img := encode(t, testImage(96, 96, false, 8, 2), "png") // 16 tiles of 32 with overlap 8

	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	_, err := h.Upscale(ctx, plugin.Request{Image: img, Progress: func(p plugin.Progress) error {
		calls++
		if p.Tiles != 16 || p.Steps != 4 || p.Step < 1 {
			t.Errorf("progress %+v", p)
		}
		cancel()
		return nil
	}})
	if !errors.Is(err, plugin.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if calls != 1 {
		t.Errorf("%d progress calls after cancel, want 1", calls)
	}
	waitFor(t, 10*time.Second, "the plugin to log the engine's cancellation", func() bool {
		s := logs.String()
		return strings.Contains(s, "upscale failed") && strings.Contains(s, "code=Canceled") && strings.Contains(s, "core: context canceled")
	})

	stop := errors.New("enough")
	_, err = h.Upscale(context.Background(), plugin.Request{Image: img, Progress: func(plugin.Progress) error { return stop }})
	if !errors.Is(err, plugin.ErrCanceled) || !errors.Is(err, stop) {
		t.Errorf("progress error: %v", err)
	}

	ctx, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	time.Sleep(2 * time.Millisecond)
	_, err = h.Upscale(ctx, plugin.Request{Image: img})
	if !errors.Is(err, plugin.ErrCanceled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
	if _, err := h.Upscale(context.Background(), plugin.Request{Image: img}); err != nil {
		t.Errorf("after cancellations: %v", err)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// SIGKILL of the plugin in the middle of a request: that request fails with
// ErrUnavailable naming the process, the next one relaunches the plugin and
// succeeds. A kill between requests costs nothing but the relaunch.
func TestHostRelaunchAfterKill(t *testing.T) {
	h, _ := newHost(t, writeConfig(t, "kill", pointwiseConfig("")))
	img := encode(t, testImage(96, 96, false, 8, 3), "png")
	pid := h.PID()
	if pid <= 0 {
		t.Fatalf("pid %d", pid)
	}

	_, err := h.Upscale(context.Background(), plugin.Request{Image: img, Progress: func(plugin.Progress) error {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Errorf("kill %d: %v", pid, err)
		}
		return nil
	}})
	if !errors.Is(err, plugin.ErrUnavailable) || !strings.Contains(err.Error(), "died during the call") {
		t.Fatalf("killed mid-request: %v", err)
	}
	t.Logf("mid-request kill: %v", err)
	res, err := h.Upscale(context.Background(), plugin.Request{Image: img})
	if err != nil || res.Width != 384 {
		t.Fatalf("next request: %v", err)
	}
	pid2 := h.PID()
	if pid2 <= 0 || pid2 == pid {
		t.Fatalf("pid after relaunch %d (was %d)", pid2, pid)
	}

	// Killed while idle.
	if err := syscall.Kill(pid2, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := h.Upscale(context.Background(), plugin.Request{Image: img}); err != nil {
		t.Fatalf("after an idle kill: %v", err)
	}
	if p := h.PID(); p == pid2 || p <= 0 {
		t.Errorf("pid %d after the idle kill of %d", p, pid2)
	}
}

// With HealthInterval, a plugin that dies while idle is relaunched in the
// background.
func TestHostHealthCheckRelaunches(t *testing.T) {
	h, _ := newHost(t, writeConfig(t, "health", pointwiseConfig("")), func(c *plugin.HostConfig) {
		c.HealthInterval = 100 * time.Millisecond
	})
	pid := h.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "a relaunched plugin", func() bool { p := h.PID(); return p > 0 && p != pid })
	if _, err := h.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Many goroutines share one host; each gets its own result.
func TestHostConcurrent(t *testing.T) {
	h, ref := sharedHost(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := plugin.Request{Image: encode(t, testImage(16+i, 12, i%2 == 0, 8, uint64(i)), "png"),
				Options: plugin.Options{Seed: ptr(uint64(i)), Sampler: vocab.Stochastic}}
			got, err := h.Upscale(context.Background(), req)
			if err != nil {
				errs <- err
				return
			}
			want, err := ref.Upscale(context.Background(), req)
			if err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(got.Image, want.Image) {
				errs <- errors.New("a concurrent result differs from its in-process result")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNewHostErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  plugin.HostConfig
		msg  string
	}{
		{"no path", plugin.HostConfig{}, "no plugin path"},
		{"missing binary", plugin.HostConfig{Path: "/nonexistent/resshift-plugin"}, "/nonexistent/resshift-plugin"},
		{"bad config", plugin.HostConfig{Path: pluginBin(t), Args: []string{"-config", writeConfig(t, "bad", "[sampler]\nkind = \"fancy\"\n")}},
			"sampler.kind"},
		{"missing model (config from the environment)", plugin.HostConfig{Path: pluginBin(t),
			Env: []string{"RESSHIFT_CONFIG=" + writeConfig(t, "nomodel", "model = \"/nonexistent/pack\"\n")}}, "/nonexistent/pack"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Logger = hclog.NewNullLogger()
			h, err := plugin.NewHost(tc.cfg)
			if err == nil {
				h.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not name %q", err, tc.msg)
			}
		})
	}
}

// Run by hand, the binary explains itself on stderr and writes nothing to stdout.
func TestPluginRunByHand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(pluginBin(t))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v", err)
	}
	if stdout.Len() != 0 || !strings.Contains(stderr.String(), "is a plugin") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}
