package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "golang.org/x/image/webp"

	"github.com/resshift/resshift/core/imageio"
)

// The end-to-end tests build the real server and plugin binaries once, start
// server processes (each launching its plugin) and talk HTTP to them. The
// plugin runs the cheap pointwise test model pack: the server and the
// transport are under test, not the model.
var (
	bin struct{ server, plugin string }
	tmp string
	// root is the local source root: see writeFixtures.
	root, outside string
	pluginCfg     string
	big           []byte // a 20 MiB TIFF (XMP-heavy, 64×64 pixels)
)

func TestMain(m *testing.M) {
	os.Exit(run0(m))
}

func run0(m *testing.M) int {
	var err error
	if tmp, err = os.MkdirTemp("", "resshift-server-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	defer closeMain()
	return m.Run()
}

// helperState is the outcome of building the helpers (see helpers).
var helperState struct {
	once sync.Once
	err  error
}

// helpers builds the server and plugin binaries and writes the fixtures,
// once per test binary, when the first test that starts a server needs them:
// the fuzz targets never do, so neither the fuzzing coordinator nor its
// workers (each a run of this binary) pay for the builds.
func helpers() error {
	helperState.once.Do(func() { helperState.err = buildHelpers() })
	return helperState.err
}

// needHelpers is helpers for a test: it fails the test when they cannot be made.
func needHelpers(t testing.TB) {
	t.Helper()
	if err := helpers(); err != nil {
		t.Fatal(err)
	}
}

func buildHelpers() error {
	bin.server, bin.plugin = filepath.Join(tmp, "server"), filepath.Join(tmp, "resshift-plugin")
	for _, b := range [][2]string{{bin.server, "."}, {bin.plugin, "../../plugin/cmd/resshift-plugin"}} {
		cmd := exec.Command("go", "build", "-o", b[0], b[1])
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", b[1], err)
		}
	}
	if err := writeFixtures(); err != nil {
		return fmt.Errorf("fixtures: %w", err)
	}
	return nil
}

func testImage(w, h int, seed uint64) *imageio.Image {
	r := rand.New(rand.NewPCG(seed, 3))
	img := &imageio.Image{Width: w, Height: h, Depth: 8, RGB: make([]float32, 3*w*h)}
	for i := range img.RGB {
		x, y := i%w, (i/w)%h
		img.RGB[i] = float32(0.6*math.Sin(0.2*float64(x)+0.3*float64(y)+float64(i/(w*h))) + 0.1*(r.Float64()-0.5))
	}
	return img
}

// writeFixtures fills root (served) and outside (not served, next to it).
func writeFixtures() error {
	root, outside = filepath.Join(tmp, "root"), filepath.Join(tmp, "outside")
	for _, d := range []string{filepath.Join(root, "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	enc := func(img *imageio.Image, f string) []byte {
		b, err := imageio.Encode(img, imageio.EncodeOptions{Format: f})
		if err != nil {
			panic(err)
		}
		return b
	}
	// big: 64×64 pixels carrying a 20 MiB XMP packet, which libvips reads and writes back.
	bigImg := testImage(64, 64, 9)
	var x strings.Builder
	x.WriteString(`<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF ` +
		`xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description>`)
	r := rand.New(rand.NewPCG(1, 1))
	for x.Len() < 20<<20 {
		x.WriteByte(byte('a' + r.IntN(26)))
	}
	x.WriteString(`</dc:description></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`)
	bigImg.Meta = &imageio.Metadata{XMP: []byte(x.String())}
	big = enc(bigImg, "tiff")

	files := map[string][]byte{
		"img.png":       enc(testImage(40, 30, 1), "png"),
		"photo.jpg":     enc(testImage(24, 20, 2), "jpeg"),
		"sub/inner.png": enc(testImage(16, 16, 3), "png"),
		"big.tiff":      big,
		"huge.tiff":     enc(testImage(1300, 1000, 4), "tiff"), // 1.3 Mpx: over a 1 Mpx resolution limit
		"over.png":      make([]byte, 26<<20),                  // over the 24 MiB file limit (the content is never read)
		"notimage.png":  []byte("this is not an image at all"),
		"slow.png":      enc(testImage(128, 128, 5), "png"),
		"photo19.png":   enc(testImage(1600, 1200, 6), "png"), // 1.92 Mpx: under a 4 Mpx limit
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.png"), files["img.png"], 0o644); err != nil {
		return err
	}
	for link, target := range map[string]string{
		"good.png": "img.png",                            // inside the root: allowed
		"evil.png": filepath.Join(outside, "secret.png"), // absolute, outside
		"rel.png":  "../outside/secret.png",              // relative, outside
		"evildir":  outside,                              // a directory outside
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			return err
		}
	}
	pluginCfg = filepath.Join(tmp, "engine.toml")
	pack, err := filepath.Abs("../../core/testdata/models/pointwise-x4")
	if err != nil {
		return err
	}
	return os.WriteFile(pluginCfg, []byte(fmt.Sprintf("model = %q\n[runtime]\nintra_op_threads = 1\nconcurrency = 2\n", pack)), 0o644)
}

// proc is a running server process.
type proc struct {
	base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	logs *safeBuffer
	done chan struct{}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServer writes a config (extra TOML lines override the base) and
// starts the server; it is stopped with SIGTERM by stop.
func startServer(name string, extra string) (*proc, error) {
	return startServerWith(name, `health_interval = "0s"`, extra)
}

// startServerWith is startServer with the [plugin] health keys given.
func startServerWith(name, pluginExtra, extra string) (*proc, error) {
	if err := helpers(); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`listen = "127.0.0.1:0"
[plugin]
path = %q
config = %q
%s
[source]
local_root = %q
%s`, bin.plugin, pluginCfg, pluginExtra, root, extra)
	path := filepath.Join(tmp, name+".toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin.server, "-config", path)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, logs: &safeBuffer{}, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			if m := listening.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
		cmd.Wait()
		close(p.done)
	}()
	select {
	case a := <-addr:
		p.base = "http://" + a
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("server exited: %s", p.logs)
	case <-time.After(60 * time.Second):
		p.stop()
		return nil, fmt.Errorf("server did not start: %s", p.logs)
	}
}

func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func newServerProc(t *testing.T, extra string) *proc {
	t.Helper()
	p, err := startServer(strings.ReplaceAll(t.Name(), "/", "_"), extra)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", p.logs)
		}
	})
	return p
}

// mainServer is shared by the tests that neither kill nor reconfigure it.
var mainSrv struct {
	once sync.Once
	p    *proc
	err  error
}

const mainExtra = `[limits]
max_src_file_size = 25165824
max_src_resolution = 1.0
`

func mainServer(t *testing.T) *proc {
	mainSrv.once.Do(func() { mainSrv.p, mainSrv.err = startServer("main", mainExtra) })
	if mainSrv.err != nil {
		t.Fatal(mainSrv.err)
	}
	return mainSrv.p
}

func closeMain() {
	if mainSrv.p != nil {
		mainSrv.p.stop()
	}
}

type reply struct {
	status int
	ctype  string
	body   []byte
	header http.Header
}

// get sends path exactly as written (no client-side cleaning of "..").
func get(t testing.TB, base, path string) reply {
	t.Helper()
	r, err := fetch(base, path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fetch is get for goroutines: it returns its error.
func fetch(base, path string) (reply, error) {
	u, err := url.Parse(base)
	if err != nil {
		return reply{}, err
	}
	u.Opaque = path
	req := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{}}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{resp.StatusCode, resp.Header.Get("Content-Type"), body, resp.Header}, nil
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestServerUpscale(t *testing.T) {
	p := mainServer(t)
	cases := []struct {
		path  string
		ctype string
		w, h  int
	}{
		{"/insecure/sr:4/plain/local:///img.png", "image/png", 160, 120},
		{"/sr:4/plain/img.png@webp", "image/webp", 160, 120},
		{"/insecure/sr:4/" + b64("local:///photo.jpg") + ".png", "image/png", 96, 80},
		{"/insecure/sr:4/q:80/f:jpg/plain/img.png", "image/jpeg", 160, 120},
		{"/insecure/plain/sub/inner.png", "image/png", 64, 64},
		{"/insecure/sr:4/plain/photo.jpg", "image/jpeg", 96, 80},
		{"/insecure/sr:4/plain/good.png", "image/png", 160, 120}, // a symlink inside the root
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			r := get(t, p.base, tc.path)
			if r.status != http.StatusOK || r.ctype != tc.ctype {
				t.Fatalf("%d %s: %s", r.status, r.ctype, r.body)
			}
			cfg, _, err := image.DecodeConfig(bytes.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != tc.w || cfg.Height != tc.h {
				t.Errorf("%d×%d, want %d×%d", cfg.Width, cfg.Height, tc.w, tc.h)
			}
		})
	}
}

// Refusals answer with a public message per kind; the detail (msg here)
// is in the server's log under the request id, never in the body.
func TestServerRefuses(t *testing.T) {
	p := mainServer(t)
	public := map[int]string{403: "this source is not allowed", 404: "source not found", 413: "too large",
		422: "not an image this server can read", 400: ""}
	cases := []struct {
		path   string
		status int
		msg    string
	}{
		// Path traversal, every spelling: 403.
		{"/insecure/sr:4/plain/../outside/secret.png", 403, "outside the root"},
		{"/insecure/sr:4/plain/%2e%2e/outside/secret.png", 403, "outside the root"},
		{"/insecure/sr:4/plain/%2E%2E%2Foutside%2Fsecret.png", 403, "outside the root"},
		{"/insecure/sr:4/plain/sub/..%2f..%2foutside%2fsecret.png", 403, "outside the root"},
		{"/insecure/sr:4/plain/local:///../outside/secret.png", 403, "outside the root"},
		{"/insecure/sr:4/plain/local:////etc/passwd", 403, "outside the root"},
		{"/insecure/sr:4/plain//etc/passwd", 403, "outside the root"},
		{"/insecure/sr:4/plain/%2Fetc%2Fpasswd", 403, "outside the root"},
		{"/insecure/sr:4/" + b64("local:///../outside/secret.png"), 403, "outside the root"},
		{"/insecure/sr:4/plain/" + url.PathEscape(filepath.Join(outside, "secret.png")), 403, "outside the root"},
		{"/insecure/sr:4/plain/evil.png", 403, "escapes"},
		{"/insecure/sr:4/plain/rel.png", 403, "escapes"},
		{"/insecure/sr:4/plain/evildir/secret.png", 403, "escapes"},
		{"/insecure/sr:4/plain/file:///etc/passwd", 403, "scheme not allowed"},
		{"/insecure/sr:4/plain/http://127.0.0.1:1/x.png", 403, "http sources are disabled"},
		// Oversized sources: 413.
		{"/insecure/sr:4/plain/over.png", 413, "source is 27262976 bytes, limit 25165824"},
		{"/insecure/sr:4/plain/huge.tiff", 413, "1300×1000 = 1300000 pixels, limit 1000000"},
		// Other refusals.
		{"/insecure/sr:4/plain/missing.png", 404, "not found"},
		{"/insecure/sr:4/plain/sub", 404, "not a file"},
		{"/insecure/sr:4/plain/notimage.png", 422, "imageio: decode"},
		{"/insecure/sr:2/plain/img.png", 400, "the model upscales by 4"},
		{"/insecure/sr:4/rs:fill:10:10/plain/img.png", 400, "unknown option"},
		{"/insecure/sr:4/plain/img.png@gif", 400, "output format"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			r := get(t, p.base, tc.path)
			if r.status != tc.status || !strings.Contains(string(r.body), public[tc.status]) {
				t.Errorf("%d %q, want %d %q", r.status, r.body, tc.status, public[tc.status])
			}
			id := r.header.Get("X-Request-Id")
			if id == "" || !strings.Contains(string(r.body), id) {
				t.Errorf("request id %q not in the body %q", id, r.body)
			}
			waitLog(t, p, "id="+id, tc.msg)
		})
	}
}

// waitLog waits for a log line holding all of parts (the request log is
// written as the response goes out).
func waitLog(t *testing.T, p *proc, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, line := range strings.Split(p.logs.String(), "\n") {
			ok := true
			for _, part := range parts {
				ok = ok && strings.Contains(line, part)
			}
			if ok {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("no log line with %q", parts)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// No part of the request comes back in an error body, every response says
// nosniff, and the details are logged.
func TestServerErrorsArePublic(t *testing.T) {
	p := mainServer(t)
	const mark = "zzq"
	cases := []struct {
		path   string
		status int
		public string
	}{
		{"/insecure/sr:4/plain/zzq%3Cscript%3Ealert(1)%3C%2Fscript%3E.png", 404, "source not found"},
		{"/insecure/sr:4/plain/../zzq/secret.png", 403, "this source is not allowed"},
		{"/insecure/sr:4/plain/http://10.11.12.13:9/zzq.png", 403, "this source is not allowed"},
		{"/insecure/sr:4/plain/gopher://zzq/x.png", 403, "this source is not allowed"},
		{"/insecure/sr:4/zzq:1/plain/img.png", 400, "unknown option"},
		{"/insecure/sr:4/q:zzq/plain/img.png", 400, "not an integer"},
		{"/insecure/sr:4/plain/img.png@zzq", 400, "output format"},
		{"/insecure/sr:4/zzq!!notbase64", 400, "base64"},
		{"/insecure/sr:4/plain/notimage.png", 422, "not an image this server can read"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			r := get(t, p.base, tc.path)
			body := string(r.body)
			if r.status != tc.status || !strings.Contains(body, tc.public) {
				t.Errorf("%d %q, want %d %q", r.status, body, tc.status, tc.public)
			}
			for _, leak := range []string{mark, "<script", "10.11.12.13", "imageio", "notimage", "secret", "plugin"} {
				if strings.Contains(strings.ToLower(body), strings.ToLower(leak)) {
					t.Errorf("the body %q echoes %q", body, leak)
				}
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(r.ctype, "text/plain") {
				t.Errorf("headers %v", r.header)
			}
			waitLog(t, p, "id="+r.header.Get("X-Request-Id"), "error=")
		})
	}
	for _, path := range []string{"/insecure/sr:4/plain/img.png", "/health"} {
		if r := get(t, p.base, path); r.status != 200 || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d, headers %v", path, r.status, r.header)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, p.base+"/insecure/sr:4/plain/img.png", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 405 || strings.Contains(string(body), "POST") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("POST: %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

// A 1.9 Mpx image under the 4 Mpx limit, on a server that upscales at
// 2 s per output megapixel with a 60 s timeout: refused at once with the
// estimate (about 61 s) instead of a 504 after 60 s.
func TestServerRefusesByEstimate(t *testing.T) {
	p := newServerProc(t, "[limits]\nmax_src_resolution = 4.0\nseconds_per_output_mp = 2.0\nrequest_timeout = \"60s\"\n")
	start := time.Now()
	r := get(t, p.base, "/insecure/sr:4/plain/photo19.png")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the refusal took %v", d)
	}
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(string(r.body), "about 61 s") ||
		!strings.Contains(string(r.body), "30.7 output megapixels") || !strings.Contains(string(r.body), "60 s") {
		t.Errorf("%d %s", r.status, r.body)
	}
	// A small image is served.
	if r := get(t, p.base, "/insecure/sr:4/plain/img.png"); r.status != http.StatusOK {
		t.Errorf("small image: %d %s", r.status, r.body)
	}
}

// By default the rate is measured: at start (a calibration job) and from
// completed jobs; /health reports it.
func TestServerMeasuresRate(t *testing.T) {
	p := mainServer(t)
	h := health(t, p)
	rate, ok := h["seconds_per_output_mp"].(float64)
	if !ok || rate <= 0 {
		t.Fatalf("health %v", h)
	}
	t.Logf("measured %.3f s per output megapixel", rate)
	if _, ok := h["backlog_s"].(float64); !ok {
		t.Errorf("health %v", h)
	}
}

// With the worker busy on a job that is expected to take 4 s (the plugin
// is stopped, so it does), a second 4 s job cannot finish within the 6 s
// timeout: 429 at once with a Retry-After, not a 503/504 after 6 s.
func TestServerBusyByEstimate(t *testing.T) {
	// slow.png is 128×128: 0.262144 output megapixels; at 15.2588 s/MP that is 4.0 s.
	p := newServerProc(t, "[limits]\nworkers = 1\nqueue = 4\nseconds_per_output_mp = 15.2588\nrequest_timeout = \"6s\"\n")
	pid := int(health(t, p)["plugin_pid"].(float64))
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	cont := func() { syscall.Kill(pid, syscall.SIGCONT) }
	t.Cleanup(cont)
	first := make(chan reply, 1)
	go func() {
		r, err := fetch(p.base, "/insecure/sr:4/plain/slow.png")
		if err != nil {
			t.Error(err)
		}
		first <- r
	}()
	time.Sleep(time.Second) // the first job is in the (stopped) plugin
	start := time.Now()
	r := get(t, p.base, "/insecure/sr:4/plain/slow.png")
	d := time.Since(start)
	cont()
	if r.status != http.StatusTooManyRequests || d > 2*time.Second || !strings.Contains(string(r.body), "busy") {
		t.Errorf("second job after %v: %d %s", d, r.status, r.body)
	}
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 6 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if r := <-first; r.status != http.StatusOK {
		t.Errorf("first job: %d %s", r.status, r.body)
	}
}

// A frozen plugin (SIGSTOP) is killed and relaunched after failed health
// checks, and /health reports ok again with the new process.
func TestServerHealthRecoversFromFrozenPlugin(t *testing.T) {
	p, err := startServerWith(t.Name(), "health_interval = \"200ms\"\nhealth_timeout = \"500ms\"\nhealth_failures = 3", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", p.logs)
		}
	})
	pid := int(health(t, p)["plugin_pid"].(float64))
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := get(t, p.base, "/health")
		var h map[string]any
		json.Unmarshal(r.body, &h)
		if np, _ := h["plugin_pid"].(float64); r.status == 200 && int(np) != pid && np > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health did not recover: %d %s", r.status, r.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := get(t, p.base, "/insecure/sr:4/plain/img.png"); r.status != http.StatusOK {
		t.Errorf("after the relaunch: %d %s", r.status, r.body)
	}
}

// A 20 MiB source goes through the plugin and a 20 MiB result comes back.
func TestServerLargeSource(t *testing.T) {
	p := mainServer(t)
	start := time.Now()
	r := get(t, p.base, "/insecure/sr:4/plain/big.tiff")
	if r.status != http.StatusOK || r.ctype != "image/tiff" {
		t.Fatalf("%d %s: %.200s", r.status, r.ctype, r.body)
	}
	t.Logf("%d bytes in, %d bytes out in %v", len(big), len(r.body), time.Since(start))
	if len(r.body) < 20<<20 {
		t.Errorf("result is %d bytes", len(r.body))
	}
	img, err := imageio.Decode(r.body, imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 256 || img.Meta == nil || len(img.Meta.XMP) < 20<<20 {
		t.Errorf("result %d wide, XMP kept: %v", img.Width, img.Meta != nil && len(img.Meta.XMP) >= 20<<20)
	}
}

func TestServerHealth(t *testing.T) {
	p := mainServer(t)
	h := health(t, p)
	if h["status"] != "ok" || h["plugin_pid"].(float64) <= 0 {
		t.Errorf("health %v", h)
	}
}

func health(t *testing.T, p *proc) map[string]any {
	t.Helper()
	r := get(t, p.base, "/health")
	var h map[string]any
	if err := json.Unmarshal(r.body, &h); err != nil || r.status != http.StatusOK {
		t.Fatalf("health %d %s: %v", r.status, r.body, err)
	}
	return h
}

// blockingSource serves img.png only once released; it counts the requests that reached it.
type blockingSource struct {
	release chan struct{}
	mu      sync.Mutex
	hits    int
}

func newBlockingSource(t *testing.T) (*blockingSource, *httptest.Server) {
	b := &blockingSource{release: make(chan struct{})}
	data, err := os.ReadFile(filepath.Join(root, "sub", "inner.png"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.hits++
		b.mu.Unlock()
		select {
		case <-b.release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return b, srv
}

// 32 concurrent requests against 2 workers and a queue of 4: 6 are served,
// 26 get 429 at once, nothing else fails. The source blocks until the 429s
// are in, so the 6 admitted requests are provably all in flight.
func TestServerQueueFull(t *testing.T) {
	src, srcSrv := newBlockingSource(t)
	p := newServerProc(t, `allow_http = true
allow_private_networks = true
[limits]
workers = 2
queue = 4
`)
	const n = 32
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	path := "/insecure/sr:4/plain/" + url.PathEscape(srcSrv.URL+"/inner.png")
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := fetch(p.base, path)
			if err != nil {
				t.Error(err)
			} else if r.status != http.StatusOK && r.status != http.StatusTooManyRequests {
				t.Errorf("%d: %s", r.status, r.body)
			}
			statuses <- r.status
		}()
	}
	counts := map[int]int{}
	for counts[http.StatusTooManyRequests] < n-6 {
		select {
		case s := <-statuses:
			counts[s]++
		case <-time.After(30 * time.Second):
			t.Fatalf("waiting for the 429s: %v", counts)
		}
		if counts[http.StatusOK] > 0 {
			t.Fatal("a request completed while the source was blocked")
		}
	}
	src.mu.Lock()
	hits := src.hits
	src.mu.Unlock()
	if hits > 2 {
		t.Errorf("%d downloads at once with 2 workers", hits)
	}
	close(src.release)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		counts[s]++
	}
	if counts[http.StatusOK] != 6 || counts[http.StatusTooManyRequests] != n-6 || len(counts) != 2 {
		t.Errorf("statuses %v, want 6×200 and %d×429", counts, n-6)
	}
	// Once drained, the server serves again.
	if r := get(t, p.base, "/insecure/sr:4/plain/img.png"); r.status != http.StatusOK {
		t.Errorf("after the burst: %d %s", r.status, r.body)
	}
}

func TestServerTimeoutAndPrivateNetworks(t *testing.T) {
	_, srcSrv := newBlockingSource(t)
	p := newServerProc(t, `allow_http = true
[limits]
request_timeout = "300ms"
`)
	// The default refuses sources on loopback/private addresses.
	r := get(t, p.base, "/insecure/sr:4/plain/"+url.PathEscape(srcSrv.URL+"/inner.png"))
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "not allowed") {
		t.Errorf("loopback source: %d %s", r.status, r.body)
	}
	waitLog(t, p, "id="+r.header.Get("X-Request-Id"), "not public") // the detail is in the log only

	p2 := newServerProc(t, `allow_http = true
allow_private_networks = true
[limits]
request_timeout = "300ms"
`)
	start := time.Now()
	r = get(t, p2.base, "/insecure/sr:4/plain/"+url.PathEscape(srcSrv.URL+"/inner.png"))
	if r.status != http.StatusGatewayTimeout || !strings.Contains(string(r.body), "timed out") {
		t.Errorf("blocked source: %d %s", r.status, r.body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
}

func TestServerSignedURLs(t *testing.T) {
	const key, salt = "00112233445566778899aabbccddeeff", "f0e1d2c3b4a59687"
	p := newServerProc(t, fmt.Sprintf("[security]\nkey = %q\nsalt = %q\n", key, salt))
	s, err := newSigner(key, salt)
	if err != nil {
		t.Fatal(err)
	}
	path := "/sr:4/plain/img.png@png"
	good := "/" + s.sign(path) + path
	cases := []struct {
		path   string
		status int
	}{
		{good, 200},
		{"/insecure" + path, 403},
		{path, 403},
		{"/" + s.sign(path) + "/sr:4/plain/photo.jpg@png", 403},
		{"/" + s.sign("/sr:4/plain/../outside/secret.png") + "/sr:4/plain/../outside/secret.png", 403}, // signed, still refused
	}
	for _, tc := range cases {
		if r := get(t, p.base, tc.path); r.status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.path, r.status, r.body, tc.status)
		}
	}
}

// A plugin killed between requests is relaunched for the next one; one
// killed in the middle of a request fails that request with 503 and the
// next request succeeds.
func TestServerPluginKilled(t *testing.T) {
	p := newServerProc(t, "")
	pid := int(health(t, p)["plugin_pid"].(float64))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Wait until the server's plugin host has reaped the process (no
	// /proc entry, not even a zombie): a request in the moment between the
	// death and the host noticing it fails with 503 "retry later" by
	// design; one after it must get a relaunched plugin. (A fixed 100 ms
	// was not always enough on a loaded machine.)
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	time.Sleep(50 * time.Millisecond)
	if r := get(t, p.base, "/insecure/sr:4/plain/img.png"); r.status != http.StatusOK {
		t.Fatalf("after an idle kill: %d %s", r.status, r.body)
	}
	pid2 := int(health(t, p)["plugin_pid"].(float64))
	if pid2 == pid {
		t.Fatal("plugin not relaunched")
	}

	// Mid-request: wait until the server reports a request inside the
	// plugin, then kill it. If the request wins the race, try again.
	for attempt := 1; ; attempt++ {
		pid := int(health(t, p)["plugin_pid"].(float64))
		res := make(chan reply, 1)
		go func() {
			r, err := fetch(p.base, "/insecure/sr:4/plain/slow.png")
			if err != nil {
				t.Error(err)
			}
			res <- r
		}()
		killed := false
		for !killed {
			select {
			case r := <-res:
				res <- r
				killed = true // too late; fall through to the check below
				continue
			default:
			}
			if health(t, p)["upscaling"].(float64) > 0 {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		r := <-res
		if r.status == http.StatusOK {
			if attempt == 5 {
				t.Fatal("the request finished before the kill 5 times")
			}
			continue
		}
		if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "retry later") || r.header.Get("Retry-After") == "" {
			t.Fatalf("killed mid-request: %d %s", r.status, r.body)
		}
		waitLog(t, p, "id="+r.header.Get("X-Request-Id"), "died during the call")
		t.Logf("attempt %d: %d %s", attempt, r.status, strings.TrimSpace(string(r.body)))
		break
	}
	if r := get(t, p.base, "/insecure/sr:4/plain/img.png"); r.status != http.StatusOK {
		t.Fatalf("after a mid-request kill: %d %s", r.status, r.body)
	}
}

func TestServerBadConfig(t *testing.T) {
	needHelpers(t)
	path := filepath.Join(tmp, "bad.toml")
	body := "listen = \"127.0.0.1:0\"\n[limits]\nworkers = 0\n[security]\nkey = \"abcd\"\n[source]\nlocal_root = \"/\"\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin.server, "-config", path).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v: %s", err, out)
	}
	for _, k := range []string{"limits.workers", "security: set both key and salt"} {
		if !strings.Contains(string(out), k) {
			t.Errorf("output does not name %q: %s", k, out)
		}
	}
}

// [plugin] model selects the plugin's model pack by name: an unknown name stops
// the server at start with the plugin's error, which lists the embedded names.
func TestServerModelName(t *testing.T) {
	needHelpers(t)
	path := filepath.Join(tmp, "model.toml")
	body := fmt.Sprintf("listen = \"127.0.0.1:0\"\n[plugin]\npath = %q\nmodel = \"reel\"\nstart_timeout = \"20s\"\n[source]\nlocal_root = %q\n", bin.plugin, root)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin.server, "-config", path).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v: %s", err, out)
	}
	for _, k := range []string{`unknown model \"reel\"`, "resshift-lite-x4 (clean)"} {
		if !strings.Contains(string(out), k) && !strings.Contains(string(out), strings.ReplaceAll(k, `\"`, `"`)) {
			t.Errorf("output does not name %q: %s", k, out)
		}
	}
}
