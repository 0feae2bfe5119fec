package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/resshift/resshift/queue"
	"github.com/resshift/resshift/vocab"
)

// QueueConfig hands asynchronous jobs to a NATS JetStream queue whose
// workers ('resshift worker') upscale them, so that server replicas and
// workers scale separately (docs/scale-out.md).
type QueueConfig struct {
	// NATS is the server URL list ("nats://a:4222,nats://b:4222"); "" turns
	// the /jobs endpoints off.
	NATS string `toml:"nats"`
	// Replicas of the streams and bucket when the server creates them (3 on a cluster).
	Replicas int `toml:"replicas"`
}

func (c QueueConfig) validate() []error {
	var errs []error
	if c.NATS != "" && !strings.HasPrefix(c.NATS, "nats://") && !strings.HasPrefix(c.NATS, "tls://") {
		errs = append(errs, fmt.Errorf("queue.nats: %q: want nats://host:port (comma separated for several)", c.NATS))
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("queue.replicas: must be in 0..5, got %d", c.Replicas))
	}
	return errs
}

// asyncJobs serves the asynchronous endpoints:
//
//	POST /jobs/<signature>/sr:4/plain/local:///photos/cat.jpg@webp   → 202 {"id", "status_url", "result_url"}
//	GET  /jobs/<id>                                                    → 200 {"id", "state", ...}
//	GET  /jobs/<id>/result                                             → 200 the image (when done)
//
// POST takes the same path as the synchronous GET (signature, options,
// source), fetches the source, stores it in the queue's object store and
// queues a job whose id is the sha256 of the image and options: posting the
// same image twice returns the same job (done at most once).
type asyncJobs struct {
	s  *server
	q  *queue.Queue
	nc *nats.Conn
}

// newAsyncJobs connects to the queue of cfg.
func newAsyncJobs(ctx context.Context, cfg QueueConfig, s *server) (*asyncJobs, error) {
	nc, err := nats.Connect(cfg.NATS, nats.Name("resshift example server"), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("queue: connect to %s: %w", cfg.NATS, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	qc := queue.DefaultConfig()
	qc.Replicas = max(cfg.Replicas, 1)
	q, err := queue.Open(ctx, js, qc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &asyncJobs{s: s, q: q, nc: nc}, nil
}

// Close drains the connection.
func (a *asyncJobs) Close() { a.nc.Drain() }

// routes serves /jobs and /jobs/... with a and everything else with next.
func (a *asyncJobs) routes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/jobs" && !strings.HasPrefix(r.URL.Path, "/jobs/") {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw, id := a.s.begin(w)
		a.serve(sw, r, id)
		a.s.log.Info("request", "id", id, "method", r.Method, "path", r.URL.EscapedPath(), "status", sw.status,
			"bytes", sw.bytes, "elapsed", time.Since(start).Round(time.Microsecond))
	})
}

var jobPath = regexp.MustCompile(`^/jobs/([0-9a-f]{32})(/result)?$`)

// serve answers one /jobs request; id is its request id (begin).
func (a *asyncJobs) serve(w http.ResponseWriter, r *http.Request, id string) {
	if m := jobPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method != http.MethodPost {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			a.s.fail(w, r, id, errorf(http.StatusMethodNotAllowed, "method %s not allowed", r.Method))
			return
		}
		if m[2] != "" {
			a.result(w, r, id, m[1])
		} else {
			a.status(w, r, id, m[1])
		}
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		a.s.fail(w, r, id, errorf(http.StatusMethodNotAllowed, "%s %s: POST /jobs/<image path> submits a job; GET /jobs/<id> and /jobs/<id>/result read it", r.Method, r.URL.Path))
		return
	}
	id, err := a.submit(r.Context(), strings.TrimPrefix(r.URL.EscapedPath(), "/jobs"))
	if err != nil {
		a.s.fail(w, r, id, err)
		return
	}
	w.Header().Set("Location", "/jobs/"+id)
	writeJSON(w, http.StatusAccepted, map[string]string{"id": id, "status_url": "/jobs/" + id, "result_url": "/jobs/" + id + "/result"})
}

// submit checks the path like a synchronous request, fetches the source and queues the job.
func (a *asyncJobs) submit(ctx context.Context, path string) (string, error) {
	j, perr := parsePath(path)
	if err := a.s.sign.check(j); err != nil {
		return "", err
	}
	if perr != nil {
		return "", perr
	}
	if j.scale != 0 && j.scale != a.s.scale {
		return "", errorf(http.StatusBadRequest, "sr:%d: the model upscales by %d", j.scale, a.s.scale)
	}
	ctx, cancel := context.WithTimeout(ctx, a.s.cfg.Limits.RequestTimeout)
	defer cancel()
	data, err := a.s.src.fetch(ctx, j.source)
	if err != nil {
		return "", err
	}
	opt := queue.Options{Format: j.format, Quality: j.quality, Strip: j.strip}
	id := queue.JobID(data, opt)
	// One batch per job id: its status is the batch's one record.
	_, _, err = a.q.Submit(ctx, id, []queue.Item{{Name: id, Read: func() ([]byte, error) { return data, nil }}}, opt, queue.SubmitOptions{})
	if err != nil {
		return "", errorf(http.StatusServiceUnavailable, "queue: %v", err)
	}
	return id, nil
}

// jobStatus is the JSON answer of GET /jobs/<id>.
type jobStatus struct {
	ID      string       `json:"id"`
	State   string       `json:"state"` // queued | done | failed
	Error   string       `json:"error,omitempty"`
	Format  vocab.Format `json:"format,omitempty"`
	Bytes   int          `json:"bytes,omitempty"`
	Worker  string       `json:"worker,omitempty"`
	Upscale float64      `json:"upscale_ms,omitempty"`
}

func (a *asyncJobs) lookup(ctx context.Context, id string) (*queue.Result, error) {
	if _, err := a.q.Manifest(ctx, id); errors.Is(err, queue.ErrUnknownBatch) {
		return nil, errorf(http.StatusNotFound, "job %s: unknown", id)
	} else if err != nil {
		return nil, errorf(http.StatusServiceUnavailable, "queue: %v", err)
	}
	res, err := a.q.Result(ctx, id, id)
	if err != nil {
		return nil, errorf(http.StatusServiceUnavailable, "queue: %v", err)
	}
	return res, nil
}

func (a *asyncJobs) status(w http.ResponseWriter, r *http.Request, reqID, id string) {
	res, err := a.lookup(r.Context(), id)
	if err != nil {
		a.s.fail(w, r, reqID, err)
		return
	}
	st := jobStatus{ID: id, State: "queued"}
	if res != nil {
		st = jobStatus{ID: id, State: res.State, Error: res.Error, Format: res.Format, Bytes: res.Bytes, Worker: res.Worker,
			Upscale: float64(res.Upscale.Microseconds()) / 1000}
	}
	writeJSON(w, http.StatusOK, st)
}

func (a *asyncJobs) result(w http.ResponseWriter, r *http.Request, reqID, id string) {
	res, err := a.lookup(r.Context(), id)
	switch {
	case err != nil:
		a.s.fail(w, r, reqID, err)
		return
	case res == nil:
		w.Header().Set("Retry-After", "1")
		a.s.fail(w, r, reqID, errorf(http.StatusConflict, "job %s: not done yet", id))
		return
	case res.State == queue.StateFailed:
		a.s.fail(w, r, reqID, errorf(http.StatusUnprocessableEntity, "job %s failed: %s", id, res.Error))
		return
	}
	data, err := a.q.Output(r.Context(), res.Output)
	if err != nil {
		a.s.fail(w, r, reqID, errorf(http.StatusServiceUnavailable, "%v", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(data))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(data)
	}
}

// contentType names the image type of encoded bytes.
func contentType(b []byte) string {
	ct := http.DetectContentType(b)
	if strings.HasPrefix(ct, "image/") {
		return ct
	}
	if len(b) >= 4 && (string(b[:4]) == "II*\x00" || string(b[:4]) == "MM\x00*") {
		return "image/tiff"
	}
	return "application/octet-stream"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
