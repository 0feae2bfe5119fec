package queue_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/queue"
	"github.com/resshift/resshift/queue/embedded"
	qengine "github.com/resshift/resshift/queue/engine"
)

// testDir is the test binary's temporary folder (made in TestMain).
var testDir string

// cliState is the outcome of building the CLI (see cliBin).
var cliState struct {
	once sync.Once
	path string
	err  error
}

// cliBin returns the resshift CLI (for the worker that the SIGKILL test
// kills), built once per test binary when a test first needs it: the fuzz
// targets never do, so neither the fuzzing coordinator nor its workers pay
// for the build. It fails the test when the CLI does not build.
func cliBin(t testing.TB) string {
	t.Helper()
	cliState.once.Do(func() {
		path := filepath.Join(testDir, "resshift")
		ldflags := ""
		if lib := os.Getenv("RESSHIFT_ORT_LIB"); lib != "" {
			ldflags = "-X github.com/resshift/resshift/core/ort.defaultLibraryPath=" + lib
		}
		cmd := exec.Command("go", "build", "-ldflags", ldflags, "-o", path, "../cmd/resshift")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			cliState.err = fmt.Errorf("building the resshift CLI: %w", err)
			return
		}
		cliState.path = path
	})
	if cliState.err != nil {
		t.Fatal(cliState.err)
	}
	return cliState.path
}

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	imageio.Startup(imageio.Config{})
	dir, err := os.MkdirTemp("", "resshift-queue-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	testDir = dir
	return m.Run()
}

var (
	engOnce sync.Once
	eng     *core.Engine
	engErr  error
)

// upscaler is one real engine (the embedded default model, one ORT thread)
// shared by the tests, behind the queue's interface.
func upscaler(t testing.TB) queue.Upscaler {
	t.Helper()
	engOnce.Do(func() {
		cfg := core.DefaultConfig()
		cfg.Runtime.IntraOpThreads = 1
		cfg.Runtime.Concurrency = 4
		eng, engErr = core.New(cfg, nil)
	})
	if engErr != nil {
		t.Fatalf("engine: %v", engErr)
	}
	u, err := qengine.New(eng, eng.Options())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// tinyPNG is a w×h PNG whose pixels depend on seed (distinct seeds, distinct images).
func tinyPNG(t testing.TB, w, h, seed int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint32(seed*7919 + x*131 + y*31 + x*y)
			img.Set(x, y, color.NRGBA{uint8(v), uint8(v >> 3), uint8(seed), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// single starts a one-node embedded server in a temporary folder.
func single(t testing.TB) *server.Server {
	t.Helper()
	s, err := embedded.Start(embedded.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

// connect opens a client connection and the queue on it.
func connect(t testing.TB, url string, cfg queue.Config) (*nats.Conn, *queue.Queue) {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var q *queue.Queue
	// A fresh cluster may still be electing its meta leader: retry a while.
	for {
		q, err = queue.Open(ctx, js, cfg)
		if err == nil || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("open queue: %v", err)
	}
	return nc, q
}

// startWorker runs a worker in the background until the test ends (or stop is called).
func startWorker(t testing.TB, url string, cfg queue.Config, wc queue.WorkerConfig) (w *queue.Worker, stop func()) {
	t.Helper()
	nc, q := connect(t, url, cfg)
	w = queue.NewWorker(q, nc, upscaler(t), wc)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			t.Errorf("worker %s: %v", wc.Name, err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return w, stop
}

// items makes n distinct tiny PNG inputs named img-i.png.
func items(t testing.TB, n, side, seed0 int) []queue.Item {
	var its []queue.Item
	for i := 0; i < n; i++ {
		data := tinyPNG(t, side, side, seed0+i)
		its = append(its, queue.Item{Name: fmt.Sprintf("img-%04d.png", i), Read: func() ([]byte, error) { return data, nil }})
	}
	return its
}

// checkOutputs checks every entry has a done record and a decodable output
// of 4× the input's size (side×side; side 0: any size).
func checkOutputs(t *testing.T, q *queue.Queue, m *queue.Manifest, res map[string]queue.Result, side int) {
	t.Helper()
	ctx := context.Background()
	for _, e := range m.Entries {
		r, ok := res[e.ID]
		if !ok || r.State != queue.StateDone {
			t.Errorf("%s: result %+v, want done", e.Name, r)
			continue
		}
		b, err := q.Output(ctx, e.Output)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || side > 0 && (cfg.Width != 4*side || cfg.Height != 4*side) {
			t.Errorf("%s: output %dx%d (%v), want %dx%d", e.Name, cfg.Width, cfg.Height, err, 4*side, 4*side)
		}
	}
}

// countObjects counts the objects "<prefix><job id>" stored for the
// manifest's distinct jobs (prefix "out/" or "in/"). It asks for each by name:
// the object store's List follows a watcher that can stall on a loaded machine.
func countObjects(t *testing.T, q *queue.Queue, m *queue.Manifest, prefix string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seen := map[string]bool{}
	n := 0
	for _, e := range m.Entries {
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		_, err := q.Objects().GetInfo(ctx, prefix+e.ID)
		// After a node is shut down the bucket's leader may still be
		// changing: ask again for a while before calling it an error.
		for end := time.Now().Add(30 * time.Second); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) && time.Now().Before(end); {
			time.Sleep(200 * time.Millisecond)
			_, err = q.Objects().GetInfo(ctx, prefix+e.ID)
		}
		switch {
		case err == nil:
			n++
		case !errors.Is(err, jetstream.ErrObjectNotFound):
			t.Fatalf("object %s%s: %v", prefix, e.ID, err)
		}
	}
	return n
}

// eventually polls cond for up to 5 s (worker counters are updated just
// after the records a test waits for).
func eventually(cond func() bool) bool {
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}
