package plugin_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/plugin/local"
)

// The tests start the real resshift-plugin binary, built once per test
// binary (pluginBin), with the cheap pointwise test model pack (the
// transport is what is under test).
var (
	tmpDir  string
	packDir string // core/testdata/models/pointwise-x4, absolute
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if mode := os.Getenv(helperEnv); mode != "" {
		return helperMain(mode) // this binary re-run as a host process: see lifetime_test.go
	}
	var err error
	tmpDir, err = os.MkdirTemp("", "resshift-plugin-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmpDir)
	packDir, err = filepath.Abs(filepath.Join("..", "core", "testdata", "models", "pointwise-x4"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer closeShared()
	return m.Run()
}

// writeConfig writes an engine config for the plugin and returns its path.
// pluginState is the outcome of building resshift-plugin (see pluginBin).
var pluginState struct {
	once sync.Once
	path string
	err  error
}

// pluginBin returns the resshift-plugin binary, built once per test binary
// when a test first needs it: the fuzz target never does, so neither the
// fuzzing coordinator nor its workers pay for the build. It fails the test
// when the plugin does not build.
func pluginBin(t testing.TB) string {
	t.Helper()
	pluginState.once.Do(func() {
		path := filepath.Join(tmpDir, "resshift-plugin")
		build := exec.Command("go", "build", "-o", path, "./cmd/resshift-plugin")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			pluginState.err = fmt.Errorf("build resshift-plugin: %w", err)
			return
		}
		pluginState.path = path
	})
	if pluginState.err != nil {
		t.Fatal(pluginState.err)
	}
	return pluginState.path
}

func writeConfig(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(tmpDir, name+".toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func pointwiseConfig(extra string) string {
	return fmt.Sprintf("model = %q\n[runtime]\nintra_op_threads = 1\nconcurrency = 2\n%s", packDir, extra)
}

// logBuffer collects the host's log (the plugin's lines are relayed into it).
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newHost launches a plugin with the given config; it is closed when t ends.
func newHost(t testing.TB, cfgPath string, mod ...func(*plugin.HostConfig)) (*plugin.Host, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	cfg := plugin.HostConfig{Path: pluginBin(t), Args: []string{"-config", cfgPath},
		Logger: hclog.New(&hclog.LoggerOptions{Name: "host", Output: logs, Level: hclog.Debug})}
	for _, f := range mod {
		f(&cfg)
	}
	h, err := plugin.NewHost(cfg)
	if err != nil {
		t.Fatalf("NewHost: %v\nlog:\n%s", err, logs)
	}
	t.Cleanup(func() {
		h.Close()
		if t.Failed() {
			t.Logf("host log:\n%s", logs)
		}
	})
	return h, logs
}

var shared struct {
	once sync.Once
	host *plugin.Host
	ref  *local.Upscaler // the same engine in process, for reference results
	eng  *core.Engine
	err  error
}

// sharedHost is one plugin process (pointwise pack) for the tests that do
// not kill or reconfigure it, plus the same engine in process.
func sharedHost(t testing.TB) (*plugin.Host, *local.Upscaler) {
	t.Helper()
	bin := pluginBin(t) // outside Do: a failed build fails this test, not Do
	shared.once.Do(func() {
		p := filepath.Join(tmpDir, "shared.toml")
		if shared.err = os.WriteFile(p, []byte(pointwiseConfig("")), 0o644); shared.err != nil {
			return
		}
		shared.host, shared.err = plugin.NewHost(plugin.HostConfig{Path: bin, Args: []string{"-config", p},
			Logger: hclog.New(&hclog.LoggerOptions{Name: "host", Output: os.Stderr, Level: hclog.Warn})})
		if shared.err != nil {
			return
		}
		cfg, err := core.LoadConfig(p)
		if err != nil {
			shared.err = err
			return
		}
		pack, err := modelpack.LoadDir(packDir)
		if err != nil {
			shared.err = err
			return
		}
		shared.eng, shared.err = core.NewFromPack(cfg, pack, nil)
		if shared.err == nil {
			shared.ref = local.New(shared.eng)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.host, shared.ref
}

func closeShared() {
	if shared.host != nil {
		shared.host.Close()
	}
	if shared.eng != nil {
		shared.eng.Close()
	}
}

// testImage is a w×h smooth pattern with noise.
func testImage(w, h int, alpha bool, depth int, seed uint64) *imageio.Image {
	r := rand.New(rand.NewPCG(seed, 7))
	img := &imageio.Image{Width: w, Height: h, RGB: make([]float32, 3*w*h), Depth: depth}
	for c := 0; c < 3; c++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := 0.7*math.Sin(0.3*float64(x+c)+0.2*float64(y)) + 0.2*(r.Float64()-0.5)
				img.RGB[(c*h+y)*w+x] = float32(v)
			}
		}
	}
	if alpha {
		img.Alpha = make([]float32, w*h)
		for i := range img.Alpha {
			img.Alpha[i] = float32(2*(2*(i%w)/w) - 1) // transparent left half, opaque right half
		}
	}
	return img
}

func encode(t testing.TB, img *imageio.Image, format string) []byte {
	t.Helper()
	b, err := imageio.Encode(img, imageio.EncodeOptions{Format: format})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bigXMPTIFF is a 64×64 TIFF carrying an XMP packet of about size bytes:
// a real image file of that size whose pixels cost nothing to upscale, so
// the payload size is what is tested. libvips reads the XMP and writes it
// back, so the result is as large.
func bigXMPTIFF(t testing.TB, size int) ([]byte, []byte) {
	t.Helper()
	img := testImage(64, 64, false, 8, 3)
	r := rand.New(rand.NewPCG(5, 5))
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var x strings.Builder
	x.WriteString(`<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">` +
		`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description ` +
		`xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description>`)
	for x.Len() < size {
		x.WriteByte(letters[r.IntN(len(letters))])
	}
	x.WriteString(`</dc:description></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`)
	xmp := []byte(x.String())
	img.Meta = &imageio.Metadata{XMP: xmp}
	return encode(t, img, "tiff"), xmp
}

// zombie reports whether pid is a zombie (exited, not yet reaped).
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}

func quietLogger() hclog.Logger { return hclog.NewNullLogger() }
