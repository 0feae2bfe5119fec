package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Item is one input of a batch. Name is the caller's label for it (the CLI
// uses the output file name); Read returns the image bytes and is called once.
type Item struct {
	Name string
	Read func() ([]byte, error)
}

// Entry is one job of a batch manifest.
type Entry struct {
	Name   string `json:"name"`
	ID     string `json:"id"`
	Output string `json:"output"`
}

// Manifest lists a batch's jobs. It is stored as the object
// "batch/<id>.json" so that a detached batch can be resumed by its id.
type Manifest struct {
	Batch   string    `json:"batch"`
	Options Options   `json:"options"`
	Entries []Entry   `json:"entries"`
	Created time.Time `json:"created"`
}

// BatchID derives a batch id (16 hex digits) from what identifies a batch to
// its caller (for the CLI: the absolute input paths, sizes, modification
// times and the options), so that running the same batch again finds it.
func BatchID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// SubmitStats say what Submit did.
type SubmitStats struct {
	Queued      int // jobs published
	AlreadyDone int // outputs already stored: recorded done without work
	Failed      int // failed before (a failed record exists): not queued again unless RetryFailed
}

// SubmitOptions tune Submit.
type SubmitOptions struct {
	// RetryFailed queues jobs again that already have a failed record in this batch.
	RetryFailed bool
}

func manifestName(batch string) string { return "batch/" + batch + ".json" }

// submitParallel is how many items Submit uploads and queues at once.
const submitParallel = 8

// Submit uploads the items to the bucket and queues one job per distinct
// input (the same bytes twice make one job), in the given batch, several at
// a time. Inputs whose output is already stored are recorded as done and not
// queued, so submitting a finished batch again does no work. The manifest is
// stored last: the batch can be resumed by id (Manifest) once Submit has
// returned, and submitting an interrupted batch again is safe (jobs are
// deduplicated by batch and id).
func (q *Queue) Submit(ctx context.Context, batch string, items []Item, opt Options, so SubmitOptions) (*Manifest, SubmitStats, error) {
	var st SubmitStats
	if !validToken(batch) {
		return nil, st, fmt.Errorf("queue: batch id %q: must be a subject token", batch)
	}
	m := &Manifest{Batch: batch, Options: opt, Created: time.Now().UTC(), Entries: make([]Entry, len(items))}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range min(submitParallel, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				it := items[i]
				data, err := it.Read()
				if err != nil {
					cancel(fmt.Errorf("queue: read %s: %w", it.Name, err))
					continue
				}
				id := JobID(data, opt)
				m.Entries[i] = Entry{Name: it.Name, ID: id, Output: "out/" + id}
				mu.Lock()
				first := !seen[id]
				seen[id] = true
				mu.Unlock()
				if !first {
					continue
				}
				what, err := q.submitOne(ctx, batch, m.Entries[i], data, opt, so)
				if err != nil {
					cancel(fmt.Errorf("queue: %s: %w", it.Name, err))
					continue
				}
				mu.Lock()
				switch what {
				case StateDone:
					st.AlreadyDone++
				case StateFailed:
					st.Failed++
				default:
					st.Queued++
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range items {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, st, err
	}
	b, _ := json.Marshal(m)
	if _, err := q.obs.PutBytes(ctx, manifestName(batch), b); err != nil {
		return nil, st, fmt.Errorf("queue: store manifest: %w", err)
	}
	return m, st, nil
}

// submitOne queues one distinct input unless its output is stored (it then
// records it done and returns StateDone) or it failed before (StateFailed,
// unless so.RetryFailed); it returns "" when it queued the job.
func (q *Queue) submitOne(ctx context.Context, batch string, e Entry, data []byte, opt Options, so SubmitOptions) (string, error) {
	done, err := q.exists(ctx, access{}, e.Output)
	if err != nil {
		return "", err
	}
	if done {
		res := Result{ID: e.ID, Batch: batch, State: StateDone, Output: e.Output, Worker: "submit", At: time.Now()}
		return StateDone, q.publishResult(ctx, res)
	}
	prev, err := q.Result(ctx, batch, e.ID)
	switch {
	case err != nil:
		return "", err
	case prev != nil && prev.State == StateFailed && !so.RetryFailed:
		return StateFailed, nil
	case prev != nil && prev.State == StateFailed:
		if err := q.results.Purge(ctx, jetstream.WithPurgeSubject(q.cfg.ResultSubject(batch, e.ID))); err != nil {
			return "", fmt.Errorf("clear the failed record: %w", err)
		}
	}
	job := Job{ID: e.ID, Batch: batch, Input: "in/" + e.ID, Output: e.Output, Options: opt}
	if _, err := q.obs.PutBytes(ctx, job.Input, data); err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	return "", q.Publish(ctx, job)
}

// Publish queues one job whose input is already in place (an object, a file
// or a URL). It is deduplicated by batch and job id for the stream's
// duplicate window (10 minutes): publishing the same job twice queues it once.
func (q *Queue) Publish(ctx context.Context, job Job) error {
	if err := job.check(); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	b, _ := json.Marshal(job)
	if _, err := q.js.Publish(ctx, q.cfg.JobSubject(job.Batch), b, jetstream.WithMsgID("job."+job.Batch+"."+job.ID)); err != nil {
		return fmt.Errorf("queue: publish job %s: %w", job.ID, err)
	}
	return nil
}

func (q *Queue) publishResult(ctx context.Context, res Result) error {
	b, _ := json.Marshal(res)
	subj := q.cfg.ResultSubject(res.Batch, res.ID)
	if _, err := q.js.Publish(ctx, subj, b, jetstream.WithMsgID("result."+res.Batch+"."+res.ID+"."+res.State)); err != nil {
		return fmt.Errorf("queue: publish result %s: %w", subj, err)
	}
	return nil
}

// Result returns the result record of job id in batch, or nil when there is none yet.
func (q *Queue) Result(ctx context.Context, batch, id string) (*Result, error) {
	if !validToken(batch) || !validToken(id) {
		return nil, fmt.Errorf("queue: batch %q / job %q: not valid ids", batch, id)
	}
	var raw *jetstream.RawStreamMsg
	err := readRetry(ctx, func(ctx context.Context) (err error) {
		raw, err = q.results.GetLastMsgForSubject(ctx, q.cfg.ResultSubject(batch, id))
		return err
	})
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("queue: result of %s: %w", id, err)
	}
	var r Result
	if err := json.Unmarshal(raw.Data, &r); err != nil {
		return nil, fmt.Errorf("queue: result of %s: %w", id, err)
	}
	return &r, nil
}

// Manifest loads a batch's manifest; ErrUnknownBatch when there is none.
func (q *Queue) Manifest(ctx context.Context, batch string) (*Manifest, error) {
	if !validToken(batch) {
		return nil, fmt.Errorf("queue: batch id %q: not a valid id", batch)
	}
	var b []byte
	err := readRetry(ctx, func(ctx context.Context) (err error) {
		b, err = q.obs.GetBytes(ctx, manifestName(batch))
		return err
	})
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("queue: batch %s: %w", batch, ErrUnknownBatch)
	}
	if err != nil {
		return nil, fmt.Errorf("queue: batch %s: %w", batch, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("queue: batch %s: manifest: %w", batch, err)
	}
	return &m, nil
}

// ErrIncomplete: an object's meta record is stored but not all of its chunks
// (a write cut off by a lost server); the job that writes it must run again.
var ErrIncomplete = errors.New("object is incomplete (chunks missing)")

// ErrUnknownBatch: no manifest is stored under that batch id.
var ErrUnknownBatch = errors.New("unknown batch")

// Output returns the bytes of a stored output object. Like Result and
// Manifest it retries for a while (failoverWindow) when the cluster is
// electing a new leader, so a node lost mid-batch does not fail the download.
func (q *Queue) Output(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := readRetry(ctx, func(ctx context.Context) error {
		// Check the chunks are all there first: reading an incomplete
		// object would stall until the caller's deadline.
		info, err := q.obs.GetInfo(ctx, name)
		if err != nil {
			return err
		}
		if ok, err := q.complete(ctx, info); err != nil || !ok {
			if err == nil {
				err = ErrIncomplete
			}
			return err
		}
		// One try may take 10 s plus 1 s per MiB before it is retried
		// (a read cut off by a leader change waits for its deadline).
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second+time.Duration(info.Size>>20)*time.Second)
		defer cancel()
		b, err = q.obs.GetBytes(tctx, name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("queue: output %s: %w", name, err)
	}
	return b, nil
}

// BatchStatus is the state of a batch: jobs with a done or failed record, of Total.
type BatchStatus struct {
	Total, Done, Failed int
}

// Finished reports whether every job has a record.
func (s BatchStatus) Finished() bool { return s.Done+s.Failed >= s.Total }

// Wait follows the batch's result records until every distinct job of m has
// one (or ctx ends), calling progress (if not nil) after each new record, and
// returns the records by job id. It reads the results stream, so it works
// after a restart of the caller, a worker or a server node.
func (q *Queue) Wait(ctx context.Context, m *Manifest, progress func(BatchStatus)) (map[string]Result, error) {
	want := map[string]bool{}
	for _, e := range m.Entries {
		want[e.ID] = true
	}
	results := map[string]Result{}
	st := BatchStatus{Total: len(want)}
	if progress != nil {
		progress(st)
	}
	if st.Finished() {
		return results, nil
	}
	cons, err := q.results.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{q.cfg.Prefix + ".results." + m.Batch + ".>"},
		DeliverPolicy:  jetstream.DeliverLastPerSubjectPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: follow results of %s: %w", m.Batch, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return nil, fmt.Errorf("queue: follow results of %s: %w", m.Batch, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	record := func(r Result) {
		if prev, ok := results[r.ID]; ok {
			if prev.State == StateFailed {
				st.Failed--
			} else {
				st.Done--
			}
		}
		results[r.ID] = r
		if r.State == StateFailed {
			st.Failed++
		} else {
			st.Done++
		}
		if progress != nil {
			progress(st)
		}
	}
	for !st.Finished() {
		msg, err := it.Next(jetstream.NextMaxWait(waitPoll))
		if errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			// Nothing new for a while: when few jobs are left, read their
			// records directly too (a safety net should the follower stall).
			if err := q.pollMissing(ctx, m.Batch, want, results, record); err != nil {
				return results, err
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return results, ctx.Err()
			}
			return results, fmt.Errorf("queue: follow results of %s: %w", m.Batch, err)
		}
		var r Result
		if json.Unmarshal(msg.Data(), &r) != nil || !want[r.ID] {
			continue
		}
		if prev, ok := results[r.ID]; ok && prev.State == r.State {
			continue
		}
		record(r)
	}
	return results, nil
}

// waitPoll is how long Wait follows the results before it also polls the
// records of the jobs still missing (when at most maxPoll are).
const (
	waitPoll = 10 * time.Second
	maxPoll  = 1024
)

// pollMissing reads the record of every wanted job without one, when there
// are at most maxPoll of them, and passes those it finds to record.
func (q *Queue) pollMissing(ctx context.Context, batch string, want map[string]bool, have map[string]Result, record func(Result)) error {
	if len(want)-len(have) > maxPoll {
		return nil
	}
	for id := range want {
		if _, ok := have[id]; ok {
			continue
		}
		r, err := q.Result(ctx, batch, id)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if r != nil {
			record(*r)
		}
	}
	return nil
}
