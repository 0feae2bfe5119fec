package queue_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/resshift/resshift/queue"
	"github.com/resshift/resshift/vocab"
)

// TestSingleNode: an embedded single node, one worker; good images are done
// once, a poison image ends as a failed record after one try, a duplicate
// input is one job, and submitting the finished batch again does no work.
func TestSingleNode(t *testing.T) {
	s := single(t)
	cfg := queue.Config{AckWait: 5 * time.Second}
	w, _ := startWorker(t, s.ClientURL(), cfg, queue.WorkerConfig{Name: "w1", Concurrency: 2})
	_, q := connect(t, s.ClientURL(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	its := items(t, 4, 16, 1)
	dup := its[1]
	dup.Name = "dup.png"
	poison := []byte("\x89PNG\r\n\x1a\nthis is not a png at all")
	its = append(its, dup, queue.Item{Name: "poison.png", Read: func() ([]byte, error) { return poison, nil }})

	m, st, err := q.Submit(ctx, "b1", its, queue.Options{Format: "png"}, queue.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Queued != 5 || st.AlreadyDone != 0 {
		t.Fatalf("submit: %+v, want 5 queued (6 items, one duplicate)", st)
	}
	var last queue.BatchStatus
	res, err := q.Wait(ctx, m, func(b queue.BatchStatus) { last = b })
	if err != nil {
		t.Fatal(err)
	}
	if last.Total != 5 || last.Done != 4 || last.Failed != 1 {
		t.Errorf("status %+v, want 5 total, 4 done, 1 failed", last)
	}
	good := &queue.Manifest{Batch: m.Batch, Entries: m.Entries[:5]}
	checkOutputs(t, q, good, res, 16)
	bad := res[m.Entries[5].ID]
	if bad.State != queue.StateFailed || bad.Attempts != 1 || !strings.Contains(bad.Error, "bad input") {
		t.Errorf("poison record %+v, want failed after 1 attempt naming bad input", bad)
	}
	if !eventually(func() bool { st := w.Stats(); return st.Done == 4 && st.Failed == 1 }) || w.Stats().Retried != 0 {
		t.Errorf("worker stats %+v, want 4 done, 1 failed, 0 retried", w.Stats())
	}
	if n := countObjects(t, q, m, "in/"); n != 0 {
		t.Errorf("%d input objects left, want 0 (deleted when their job ends)", n)
	}

	// The same batch again: nothing queued, nothing upscaled, same results.
	m2, st2, err := q.Submit(ctx, "b1", its, queue.Options{Format: "png"}, queue.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st2.Queued != 0 || st2.AlreadyDone != 4 || st2.Failed != 1 {
		t.Errorf("resubmit: %+v, want 0 queued, 4 already done, 1 failed", st2)
	}
	if _, err := q.Wait(ctx, m2, nil); err != nil {
		t.Fatal(err)
	}
	// A new batch with the same inputs: recorded done at submit, no work either.
	m3, st3, err := q.Submit(ctx, "b2", its[:4], queue.Options{Format: "png"}, queue.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res3, err := q.Wait(ctx, m3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st3.AlreadyDone != 4 || len(res3) != 4 {
		t.Errorf("second batch: %+v, %d results, want 4 already done", st3, len(res3))
	}
	time.Sleep(200 * time.Millisecond)
	if got := w.Stats(); got.Done != 4 {
		t.Errorf("worker did %d jobs after the resubmissions, want still 4", got.Done)
	}
	// Resume by id: the manifest is stored.
	mm, err := q.Manifest(ctx, "b1")
	if err != nil || len(mm.Entries) != 6 {
		t.Errorf("manifest b1: %v, %v", mm, err)
	}
	if _, err := q.Manifest(ctx, "nope"); !errors.Is(err, queue.ErrUnknownBatch) {
		t.Errorf("unknown batch: %v, want ErrUnknownBatch", err)
	}
}

// flaky fails the first attempt of every job with a transient error, then
// runs the real engine.
type flaky struct {
	queue.Upscaler
	mu   sync.Mutex
	seen map[int]bool
}

func (f *flaky) Upscale(ctx context.Context, in []byte, o queue.Options) ([]byte, vocab.Format, error) {
	f.mu.Lock()
	first := !f.seen[len(in)]
	f.seen[len(in)] = true
	f.mu.Unlock()
	if first {
		return nil, "", errors.New("simulated transient failure (plugin crashed)")
	}
	return f.Upscaler.Upscale(ctx, in, o)
}

// TestTransientRedelivered: a transient error hands the job back; the next
// delivery stores it. A job that keeps failing transiently ends as failed
// after MaxAttempts.
func TestTransientRedelivered(t *testing.T) {
	s := single(t)
	cfg := queue.Config{AckWait: 5 * time.Second}
	nc, q := connect(t, s.ClientURL(), cfg)
	w := queue.NewWorker(q, nc, &flaky{Upscaler: upscaler(t), seen: map[int]bool{}},
		queue.WorkerConfig{Name: "flaky", RetryDelay: 50 * time.Millisecond, MaxAttempts: 3})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wctx, stop := context.WithCancel(ctx)
	go w.Run(wctx)
	defer stop()

	m, _, err := q.Submit(ctx, "t1", items(t, 2, 16, 100), queue.Options{}, queue.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := q.Wait(ctx, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, q, m, res, 16)
	for _, r := range res {
		if r.Attempts != 2 {
			t.Errorf("job %s: %d attempts, want 2 (one transient failure)", r.ID, r.Attempts)
		}
	}
	if !eventually(func() bool { return w.Stats().Done == 2 }) || w.Stats().Retried != 2 {
		t.Errorf("stats %+v, want 2 retried, 2 done", w.Stats())
	}
}

// TestLocations: jobs naming files and URLs instead of objects. Inside the
// worker's file root a file:// input and output work (the output is written
// atomically, and a second job for it is skipped); everything else — missing
// inputs, paths outside the root, http(s) when not allowed, http outputs —
// ends as a failed record after one try.
func TestLocations(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "in.png"), tinyPNG(t, 16, 16, 5), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "secret.png")
	os.WriteFile(outside, tinyPNG(t, 16, 16, 6), 0o644)
	in := queue.FileURL(filepath.Join(root, "in.png"))
	tests := []struct {
		name     string
		fileRoot string // the worker's
		job      queue.Job
		want     string // "" = done
	}{
		{"file in, file out", root, queue.Job{ID: "f1", Input: in, Output: queue.FileURL(filepath.Join(root, "out", "in_x4.png"))}, ""},
		{"same output again: skipped", root, queue.Job{ID: "f2", Input: in, Output: queue.FileURL(filepath.Join(root, "out", "in_x4.png"))}, ""},
		{"file in, object out", root, queue.Job{ID: "f3", Input: in, Output: "out/f3"}, ""},
		{"missing input object", root, queue.Job{ID: "a1", Input: "in/none", Output: "out/a1"}, "not found"},
		{"missing input file", root, queue.Job{ID: "a2", Input: queue.FileURL(filepath.Join(root, "none.png")), Output: "out/a2"}, "not found"},
		{"input outside the root", root, queue.Job{ID: "a3", Input: queue.FileURL(outside), Output: "out/a3"}, "outside the worker's file root"},
		{"output outside the root", root, queue.Job{ID: "a4", Input: in, Output: "file://" + root + "/../x.png"}, "outside the worker's file root"},
		{"files off", "", queue.Job{ID: "a5", Input: in, Output: "out/a5"}, "file:// locations are off"},
		{"http input off", root, queue.Job{ID: "a6", Input: "http://127.0.0.1:1/x.png", Output: "out/a6"}, "http(s) inputs are off"},
		{"http output", root, queue.Job{ID: "a7", Input: in, Output: "http://example.com/x"}, "http(s) outputs are not supported"},
		{"not a file URL", root, queue.Job{ID: "a8", Input: "file://host/x.png", Output: "out/a8"}, "not a file:///absolute/path URL"},
	}
	servers := map[string]*queue.Queue{}
	workers := map[string]*queue.Worker{}
	for _, fr := range []string{root, ""} {
		s := single(t)
		cfg := queue.Config{AckWait: 5 * time.Second}
		workers[fr], _ = startWorker(t, s.ClientURL(), cfg, queue.WorkerConfig{Name: "w", FileRoot: fr})
		_, servers[fr] = connect(t, s.ClientURL(), cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := servers[tc.fileRoot]
			tc.job.Batch = "loc"
			if err := q.Publish(ctx, tc.job); err != nil {
				t.Fatal(err)
			}
			res, err := q.Wait(ctx, &queue.Manifest{Batch: "loc", Entries: []queue.Entry{{ID: tc.job.ID}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := res[tc.job.ID]
			switch {
			case tc.want == "" && r.State != queue.StateDone:
				t.Fatalf("%+v, want done", r)
			case tc.want != "" && (r.State != queue.StateFailed || r.Attempts != 1 || !strings.Contains(r.Error, tc.want)):
				t.Fatalf("%+v, want failed after 1 attempt with %q", r, tc.want)
			}
		})
	}
	img, err := os.ReadFile(filepath.Join(root, "out", "in_x4.png"))
	if err != nil || len(img) == 0 {
		t.Fatalf("file output: %v", err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(root, "out", ".*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(root), "x.png")); err == nil {
		t.Error("a file was written outside the root")
	}
	st := workers[root].Stats()
	if !eventually(func() bool { return workers[root].Stats().Failed == 7 }) || st.Done != 2 || st.Skipped != 1 || st.Retried != 0 {
		t.Errorf("worker stats %+v, want 2 done, 1 skipped, 7 failed, 0 retried", workers[root].Stats())
	}
	if _, err := os.Stat(outside); err != nil {
		t.Error(err)
	}
}

// TestOpenKeepsExisting: Open creates missing resources with its config and
// uses existing ones as they are (an operator's tuning is not undone by the
// next worker that starts).
func TestOpenKeepsExisting(t *testing.T) {
	s := single(t)
	nc, q := connect(t, s.ClientURL(), queue.Config{AckWait: 7 * time.Second, ObjectTTL: time.Hour})
	_, q2 := connect(t, s.ClientURL(), queue.Config{AckWait: time.Second})
	ctx := context.Background()
	js, _ := jetstream.New(nc)
	c, err := js.Consumer(ctx, q.Config().Jobs, q.Config().Consumer)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CachedInfo().Config.AckWait; got != 7*time.Second {
		t.Errorf("consumer ack wait %v after a second Open with 1s, want the first 7s", got)
	}
	st, err := q2.Objects().Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.TTL() != time.Hour {
		t.Errorf("bucket TTL %v, want 1h", st.TTL())
	}
	if _, err := queue.Open(ctx, js, queue.Config{Prefix: "a.b"}); err == nil {
		t.Error("Open accepted a prefix with a dot")
	}
}

// TestMalformedMessage: a message on the jobs subject that is not a job is
// terminated after one delivery (there is no batch to record it in).
func TestMalformedMessage(t *testing.T) {
	s := single(t)
	cfg := queue.Config{AckWait: time.Second}
	w, _ := startWorker(t, s.ClientURL(), cfg, queue.WorkerConfig{Name: "w"})
	nc, q := connect(t, s.ClientURL(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js, _ := jetstream.New(nc)
	for _, body := range []string{"not json", `{"id":"x"}`} {
		if _, err := js.Publish(ctx, q.Config().JobSubject("junk"), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if !eventually(func() bool { return w.Stats().Failed == 2 }) {
		t.Fatalf("stats %+v, want 2 failed", w.Stats())
	}
	st, err := js.Stream(ctx, q.Config().Jobs)
	if err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { i, err := st.Info(ctx); return err == nil && i.State.Msgs == 0 }) {
		t.Error("terminated messages are still in the work queue")
	}
	time.Sleep(1500 * time.Millisecond) // past AckWait: nothing comes back
	if st := w.Stats(); st.Failed != 2 || st.Retried != 0 {
		t.Errorf("stats %+v after the ack wait, want still 2 failed, 0 retried", st)
	}
}

// TestIncompleteOutputRewritten: an output object whose chunks are gone (a
// put cut off by a lost stream leader leaves its meta record behind) is not
// taken as done: the job writes it again instead of skipping it, and the
// result can be read. A complete object at the output is skipped as before.
func TestIncompleteOutputRewritten(t *testing.T) {
	s := single(t)
	cfg := queue.Config{AckWait: 5 * time.Second}
	nc, q := connect(t, s.ClientURL(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, _, err := q.Submit(ctx, "inc", items(t, 2, 16, 300), queue.Options{}, queue.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	broken, whole := m.Entries[0].Output, m.Entries[1].Output
	info, err := q.Objects().PutBytes(ctx, broken, bytes.Repeat([]byte{7}, 300_000))
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, "OBJ_"+q.Config().Bucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(ctx, jetstream.WithPurgeSubject("$O."+q.Config().Bucket+".C."+info.NUID)); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Output(ctx, broken); !errors.Is(err, queue.ErrIncomplete) {
		t.Fatalf("reading the broken object: %v, want ErrIncomplete", err)
	}
	if _, err := q.Objects().PutBytes(ctx, whole, tinyPNG(t, 64, 64, 1)); err != nil {
		t.Fatal(err)
	}
	w, _ := startWorker(t, s.ClientURL(), cfg, queue.WorkerConfig{Name: "inc"})
	res, err := q.Wait(ctx, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, q, m, res, 0)
	if !eventually(func() bool { return w.Stats().Done == 1 && w.Stats().Skipped == 1 }) {
		t.Errorf("worker stats %+v, want 1 done (the broken output rewritten), 1 skipped (the whole one)", w.Stats())
	}
}
