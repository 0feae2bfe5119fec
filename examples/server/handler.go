package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/resshift/resshift/plugin"
)

// server answers upscale requests through the plugin host. It is an
// http.Handler safe for concurrent use.
type server struct {
	cfg   Config
	host  *plugin.Host
	scale int // the model's scale
	src   *sources
	sign  *signer
	log   *slog.Logger

	slots     chan struct{} // admitted requests: workers + queue
	fetching  chan struct{} // source downloads at once (as many as workers)
	workers   chan struct{} // requests being upscaled
	upscaling atomic.Int64  // requests inside the plugin
	cost      *costModel    // admission by expected cost
	ids       atomic.Uint64 // request ids
	idPrefix  string
}

func newServer(cfg Config, host *plugin.Host, scale int, src *sources, sign *signer, log *slog.Logger) *server {
	l := cfg.Limits
	return &server{cfg: cfg, host: host, scale: scale, src: src, sign: sign, log: log,
		slots: make(chan struct{}, l.Workers+l.Queue), fetching: make(chan struct{}, l.Workers),
		workers: make(chan struct{}, l.Workers), cost: newCostModel(l, scale),
		idPrefix: strconv.FormatInt(time.Now().UnixNano()%(1<<24), 36)}
}

// begin starts a response: a new request id, and the headers every response
// carries (nosniff, X-Request-Id). Used by every route, async ones included.
func (s *server) begin(w http.ResponseWriter) (*statusWriter, string) {
	id := fmt.Sprintf("%s-%d", s.idPrefix, s.ids.Add(1))
	sw := &statusWriter{ResponseWriter: w}
	sw.Header().Set("X-Content-Type-Options", "nosniff") // on every response
	sw.Header().Set("X-Request-Id", id)
	return sw, id
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw, id := s.begin(w)
	defer func() {
		s.log.Info("request", "id", id, "method", r.Method, "path", r.URL.EscapedPath(), "status", sw.status,
			"bytes", sw.bytes, "elapsed", time.Since(start).Round(time.Microsecond))
	}()
	if r.URL.Path == "/health" {
		s.health(sw, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		sw.Header().Set("Allow", "GET, HEAD")
		s.fail(sw, r, id, errorf(http.StatusMethodNotAllowed, "method %q not allowed", r.Method))
		return
	}
	res, err := s.process(r.Context(), r.URL.EscapedPath())
	if err != nil {
		s.fail(sw, r, id, err)
		return
	}
	h := sw.Header()
	h.Set("Content-Type", res.ContentType())
	h.Set("Content-Length", strconv.Itoa(len(res.Image)))
	if ttl := s.cfg.Limits.CacheTTL; ttl > 0 {
		h.Set("Cache-Control", fmt.Sprintf("max-age=%d, public", int(ttl.Seconds())))
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Server-Timing", fmt.Sprintf("upscale;dur=%.1f", float64(res.Stats.Total.Microseconds())/1000))
	sw.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		sw.Write(res.Image)
	}
}

// process checks the URL, takes a place in the queue (or refuses with 429
// when it is full), fetches the source (as many downloads at once as
// workers), admits it by its expected cost (413 when it cannot finish within
// the request timeout, 429 when it would not behind the admitted work),
// waits for a worker and upscales.
func (s *server) process(ctx context.Context, path string) (plugin.Response, error) {
	j, perr := parsePath(path)
	if err := s.sign.check(j); err != nil {
		return plugin.Response{}, err // before anything else about the URL
	}
	if perr != nil {
		return plugin.Response{}, perr
	}
	if j.scale != 0 && j.scale != s.scale {
		return plugin.Response{}, refuse(http.StatusBadRequest, fmt.Sprintf("sr: this server's model upscales by %d", s.scale),
			"sr:%d: the model upscales by %d", j.scale, s.scale)
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		return plugin.Response{}, errorf(http.StatusTooManyRequests, "too many requests: %d in progress or queued", cap(s.slots))
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Limits.RequestTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	select {
	case s.fetching <- struct{}{}:
	case <-ctx.Done():
		return plugin.Response{}, s.waitErr(ctx, "a download slot")
	}
	data, err := s.src.fetch(ctx, j.source)
	<-s.fetching
	if err != nil {
		return plugin.Response{}, err
	}
	t, err := s.cost.admit(data, time.Until(deadline))
	if err != nil {
		return plugin.Response{}, err
	}
	var (
		start time.Time
		ok    bool
	)
	defer func() {
		s.cost.done(t, time.Since(start), ok, errors.Is(ctx.Err(), context.DeadlineExceeded))
	}()
	select {
	case s.workers <- struct{}{}:
		defer func() { <-s.workers }()
	case <-ctx.Done():
		return plugin.Response{}, s.waitErr(ctx, "a worker")
	}
	s.cost.start(t)
	start = time.Now()
	s.upscaling.Add(1)
	defer s.upscaling.Add(-1)
	res, err := s.host.Upscale(ctx, plugin.Request{Image: data, Options: plugin.Options{
		Format: j.format, Quality: j.quality, StripMetadata: j.strip,
		MaxInputPixels: int64(s.cfg.Limits.MaxSrcResolution * 1e6),
	}})
	ok = err == nil
	return res, err
}

// waitErr is the error of a request whose context ended while it waited.
func (s *server) waitErr(ctx context.Context, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errorf(http.StatusServiceUnavailable, "timed out waiting for %s", what)
	}
	return ctx.Err()
}

// fail answers err with its status and public message (text/plain, with
// the request id); the error itself is logged with the id.
func (s *server) fail(w http.ResponseWriter, r *http.Request, id string, err error) {
	status, public, retry := s.classify(err)
	lv := slog.LevelInfo
	if status >= 500 && status != 499 {
		lv = slog.LevelWarn
	}
	s.log.Log(r.Context(), lv, "request failed", "id", id, "path", r.URL.EscapedPath(), "status", status, "error", err.Error())
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%s (request %s)\n", public, id)
}

// health pings the plugin: 200 with its pid and the load, or 503.
func (s *server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	body := map[string]any{"busy": len(s.slots), "upscaling": s.upscaling.Load(),
		"workers": s.cfg.Limits.Workers, "queue": s.cfg.Limits.Queue,
		"seconds_per_output_mp": s.cost.Rate(), "backlog_s": s.cost.Backlog().Seconds()}
	status := http.StatusOK
	if pid, err := s.host.Ping(ctx); err != nil {
		s.log.Warn("health check failed", "error", err)
		status, body["status"] = http.StatusServiceUnavailable, "unavailable"
	} else {
		body["status"], body["plugin_pid"] = "ok", pid
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}
