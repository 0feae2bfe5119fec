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
	workers   chan struct{} // requests being processed
	upscaling atomic.Int64  // requests inside the plugin
}

func newServer(cfg Config, host *plugin.Host, scale int, src *sources, sign *signer, log *slog.Logger) *server {
	l := cfg.Limits
	return &server{cfg: cfg, host: host, scale: scale, src: src, sign: sign, log: log,
		slots: make(chan struct{}, l.Workers+l.Queue), workers: make(chan struct{}, l.Workers)}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.log.Info("request", "method", r.Method, "path", r.URL.EscapedPath(), "status", sw.status,
			"bytes", sw.bytes, "elapsed", time.Since(start).Round(time.Microsecond))
	}()
	if r.URL.Path == "/health" {
		s.health(sw, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		sw.Header().Set("Allow", "GET, HEAD")
		s.fail(sw, r, errorf(http.StatusMethodNotAllowed, "method %s not allowed", r.Method))
		return
	}
	res, err := s.process(r.Context(), r.URL.EscapedPath())
	if err != nil {
		s.fail(sw, r, err)
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

// process checks the URL, waits for a worker (or refuses with 429 when the
// queue is full), fetches the source and upscales it.
func (s *server) process(ctx context.Context, path string) (plugin.Response, error) {
	j, perr := parsePath(path)
	if err := s.sign.check(j); err != nil {
		return plugin.Response{}, err // before anything else about the URL
	}
	if perr != nil {
		return plugin.Response{}, perr
	}
	if j.scale != 0 && j.scale != s.scale {
		return plugin.Response{}, errorf(http.StatusBadRequest, "sr:%d: the model upscales by %d", j.scale, s.scale)
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		return plugin.Response{}, errorf(http.StatusTooManyRequests, "too many requests: %d in progress or queued", cap(s.slots))
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Limits.RequestTimeout)
	defer cancel()
	select {
	case s.workers <- struct{}{}:
		defer func() { <-s.workers }()
	case <-ctx.Done():
		return plugin.Response{}, errorf(http.StatusServiceUnavailable, "timed out waiting for a worker")
	}
	data, err := s.src.fetch(ctx, j.source)
	if err != nil {
		return plugin.Response{}, err
	}
	s.upscaling.Add(1)
	defer s.upscaling.Add(-1)
	return s.host.Upscale(ctx, plugin.Request{Image: data, Options: plugin.Options{
		Format: j.format, Quality: j.quality, StripMetadata: j.strip,
		MaxInputPixels: int64(s.cfg.Limits.MaxSrcResolution * 1e6),
	}})
}

// fail answers err with its status and message (text/plain).
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	var he *httpError
	switch {
	case errors.As(err, &he):
		status = he.status
	case errors.Is(err, plugin.ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, plugin.ErrInvalidInput):
		status = http.StatusUnprocessableEntity // the source is not an image we can read
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
		err = fmt.Errorf("request timed out after %v (limits.request_timeout): %w", s.cfg.Limits.RequestTimeout, err)
	case errors.Is(err, plugin.ErrCanceled), errors.Is(err, context.Canceled):
		status = 499 // the client went away; nobody reads this
	case errors.Is(err, plugin.ErrUnavailable):
		status = http.StatusServiceUnavailable
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if status >= 500 {
		s.log.Warn("request failed", "path", r.URL.EscapedPath(), "status", status, "error", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	fmt.Fprintln(w, err.Error())
}

// health pings the plugin: 200 with its pid and the load, or 503.
func (s *server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	body := map[string]any{"busy": len(s.slots), "upscaling": s.upscaling.Load(),
		"workers": s.cfg.Limits.Workers, "queue": s.cfg.Limits.Queue}
	status := http.StatusOK
	if pid, err := s.host.Ping(ctx); err != nil {
		status, body["status"], body["error"] = http.StatusServiceUnavailable, "unavailable", err.Error()
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
