package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/queue"
	"github.com/resshift/resshift/queue/embedded"
	qengine "github.com/resshift/resshift/queue/engine"
)

// post sends POST path (exactly as written) with no body.
func post(t *testing.T, base, path string) reply {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Opaque = path
	resp, err := http.DefaultClient.Do(&http.Request{Method: http.MethodPost, URL: u, Host: u.Host, Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header.Get("Content-Type"), body, resp.Header}
}

// TestServerAsyncJobs: the server hands POST /jobs/... to a JetStream queue
// (an embedded NATS node) and a separate worker (the engine in process, the
// pointwise test model) does the work; GET /jobs/<id> follows the job and
// /jobs/<id>/result returns the image.
func TestServerAsyncJobs(t *testing.T) {
	ns, err := embedded.Start(embedded.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	p := newServerProc(t, fmt.Sprintf("[queue]\nnats = %q\n", ns.ClientURL()))

	// The worker: a separate consumer of the queue, as a GPU machine would be.
	pack, _ := filepath.Abs("../../core/testdata/models/pointwise-x4")
	cfg := core.DefaultConfig()
	cfg.Model, cfg.Runtime.IntraOpThreads = pack, 1
	eng, err := core.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	up, err := qengine.New(eng, eng.Options())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q, err := queue.Open(ctx, js, queue.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	w := queue.NewWorker(q, nc, up, queue.WorkerConfig{Name: "gpu-1"})
	stopped := make(chan struct{})
	go func() { w.Run(ctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()

	submit := func(path string) string {
		r := post(t, p.base, path)
		var acc struct{ ID, Status_URL, Result_URL string }
		if r.status != http.StatusAccepted || json.Unmarshal(r.body, &acc) != nil || acc.ID == "" {
			t.Fatalf("POST %s: %d %s", path, r.status, r.body)
		}
		if acc.Status_URL != "/jobs/"+acc.ID || acc.Result_URL != "/jobs/"+acc.ID+"/result" {
			t.Errorf("POST %s: %s", path, r.body)
		}
		return acc.ID
	}
	await := func(id string) jobStatus {
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			r := get(t, p.base, "/jobs/"+id)
			var st jobStatus
			if r.status != http.StatusOK || json.Unmarshal(r.body, &st) != nil {
				t.Fatalf("GET /jobs/%s: %d %s", id, r.status, r.body)
			}
			if st.State != "queued" {
				return st
			}
		}
		t.Fatalf("job %s still queued after 30 s", id)
		return jobStatus{}
	}

	tests := []struct {
		path   string
		state  string
		ctype  string
		w, h   int
		status int // of /result
	}{
		{"/jobs/insecure/sr:4/plain/local:///img.png@webp", "done", "image/webp", 160, 120, http.StatusOK},
		{"/jobs/sr:4/plain/photo.jpg", "done", "image/jpeg", 96, 80, http.StatusOK},
		{"/jobs/insecure/sr:4/plain/notimage.png", "failed", "", 0, 0, http.StatusUnprocessableEntity},
	}
	ids := map[string]string{}
	for _, tc := range tests {
		id := submit(tc.path)
		ids[tc.path] = id
		st := await(id)
		if st.State != tc.state {
			t.Errorf("%s: state %+v, want %s", tc.path, st, tc.state)
			continue
		}
		r := get(t, p.base, "/jobs/"+id+"/result")
		if r.status != tc.status {
			t.Errorf("%s: result %d %s, want %d", tc.path, r.status, r.body, tc.status)
			continue
		}
		if tc.status != http.StatusOK {
			continue
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(r.body))
		if err != nil || r.ctype != tc.ctype || cfg.Width != tc.w || cfg.Height != tc.h {
			t.Errorf("%s: %s %d×%d (%v), want %s %d×%d", tc.path, r.ctype, cfg.Width, cfg.Height, err, tc.ctype, tc.w, tc.h)
		}
	}
	// The same image and options again: the same job, nothing upscaled again.
	if id := submit("/jobs/insecure/sr:4/plain/img.png@webp"); id != ids[tests[0].path] {
		t.Errorf("resubmitted image got job %s, want %s", id, ids[tests[0].path])
	}
	time.Sleep(200 * time.Millisecond)
	if st := w.Stats(); st.Done != 2 || st.Failed != 1 {
		t.Errorf("worker stats %+v, want 2 done, 1 failed", st)
	}

	refusals := []struct {
		method, path string
		status       int
	}{
		{"GET", "/jobs/0123456789abcdef0123456789abcdef", http.StatusNotFound},
		{"GET", "/jobs", http.StatusMethodNotAllowed},
		{"POST", "/jobs/insecure/sr:4/plain/evil.png", http.StatusForbidden},
		{"POST", "/jobs/insecure/sr:4/plain/missing.png", http.StatusNotFound},
		{"POST", "/jobs/insecure/sr:2/plain/img.png", http.StatusBadRequest},
	}
	for _, tc := range refusals {
		var r reply
		if tc.method == "POST" {
			r = post(t, p.base, tc.path)
		} else {
			r = get(t, p.base, tc.path)
		}
		if r.status != tc.status {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, r.status, r.body, tc.status)
		}
	}
}

func TestQueueConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  QueueConfig
		want string // "" = valid
	}{
		{QueueConfig{}, ""},
		{QueueConfig{NATS: "nats://a:4222,nats://b:4222", Replicas: 3}, ""},
		{QueueConfig{NATS: "localhost:4222"}, "queue.nats"},
		{QueueConfig{NATS: "nats://a:4222", Replicas: 9}, "queue.replicas"},
	}
	for _, tc := range tests {
		errs := tc.cfg.validate()
		switch {
		case tc.want == "" && len(errs) > 0:
			t.Errorf("%+v: %v, want valid", tc.cfg, errs)
		case tc.want != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want)):
			t.Errorf("%+v: %v, want an error naming %s", tc.cfg, errs, tc.want)
		}
	}
}
