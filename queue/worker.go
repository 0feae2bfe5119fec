package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	Name        string // worker name in result records and progress (default host:pid)
	Concurrency int    // jobs in flight at this worker (default 1): it never fetches more
	// MaxAttempts is how many deliveries a job gets before a transient error
	// becomes a failed record (default 5). Deterministic errors get one.
	MaxAttempts int
	// RetryDelay is the first redelivery delay after a transient error; it
	// doubles per attempt up to 1 minute (default 1 s).
	RetryDelay time.Duration
	// DrainTimeout bounds how long Run waits for jobs in flight after its
	// context is cancelled; jobs still running then are handed back (Nak) at
	// once (default 2 minutes).
	DrainTimeout time.Duration
	// FileRoot, when set, lets jobs name file:// inputs and outputs inside
	// this folder (a shared filesystem); file:// locations are refused otherwise.
	FileRoot string
	// AllowHTTP lets jobs name http(s):// inputs (off: a job must not make the
	// worker fetch arbitrary URLs from inside its network).
	AllowHTTP bool
	Log       *slog.Logger
}

// WorkerStats count what a worker did.
type WorkerStats struct {
	Done    int64 // outputs stored and acked
	Failed  int64 // failed records (terminated jobs)
	Skipped int64 // output already stored: acked without work
	Retried int64 // transient errors handed back for redelivery
}

// Worker pulls jobs from the queue and runs them through an Upscaler.
type Worker struct {
	q      *Queue
	nc     *nats.Conn
	up     Upscaler
	cfg    WorkerConfig
	log    *slog.Logger
	access access

	done, failed, skipped, retried atomic.Int64
}

// NewWorker returns a worker on q (opened on a connection's JetStream
// context, which Run uses for progress too).
func NewWorker(q *Queue, nc *nats.Conn, up Upscaler, cfg WorkerConfig) *Worker {
	if cfg.Name == "" {
		host, _ := os.Hostname()
		cfg.Name = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.MaxAttempts < 1 {
		cfg.MaxAttempts = 5
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = time.Second
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 2 * time.Minute
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	acc := access{allowHTTP: cfg.AllowHTTP}
	if cfg.FileRoot != "" {
		acc.fileRoot, _ = filepath.Abs(cfg.FileRoot)
	}
	return &Worker{q: q, nc: nc, up: up, cfg: cfg, log: log.With("worker", cfg.Name), access: acc}
}

// Stats returns the counters so far.
func (w *Worker) Stats() WorkerStats {
	return WorkerStats{Done: w.done.Load(), Failed: w.failed.Load(), Skipped: w.skipped.Load(), Retried: w.retried.Load()}
}

// Run pulls and processes jobs until ctx is cancelled, then drains: it
// fetches nothing more, lets the jobs in flight finish (acking them) for up
// to DrainTimeout, hands back (Nak) any still running, and returns nil. Other
// errors are returned only when the consumer cannot be reached at all.
func (w *Worker) Run(ctx context.Context) error {
	cons, err := w.q.js.Consumer(context.WithoutCancel(ctx), w.q.cfg.Jobs, w.q.cfg.Consumer)
	if err != nil {
		return fmt.Errorf("queue: worker: consumer %s: %w", w.q.cfg.Consumer, err)
	}
	// jobCtx outlives ctx by the drain timeout: jobs in flight finish.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	slots := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	for ctx.Err() == nil {
		// Wait for a free slot, then fetch as many jobs as slots are free.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		free := 1
	fill:
		for free < w.cfg.Concurrency {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break fill
			}
		}
		batch, err := cons.Fetch(free, jetstream.FetchMaxWait(time.Second))
		got := 0
		if err == nil {
			for msg := range batch.Messages() {
				got++
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-slots }()
					w.handle(jobCtx, msg)
				}()
			}
			err = batch.Error()
		}
		for ; got < free; got++ {
			<-slots
		}
		if err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			w.log.Warn("fetch", "error", err)
			select {
			case <-time.After(500 * time.Millisecond):
			case <-ctx.Done():
			}
		}
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(w.cfg.DrainTimeout):
		w.log.Warn("drain timeout: handing running jobs back", "timeout", w.cfg.DrainTimeout)
		cancelJobs()
		<-finished
	}
	return nil
}

// handle processes one message and settles it (ack, nak or term).
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) {
	start := time.Now()
	attempts := 1
	if md, err := msg.Metadata(); err == nil {
		attempts = int(md.NumDelivered)
	}
	var job Job
	if err := json.Unmarshal(msg.Data(), &job); err != nil {
		w.terminate(ctx, msg, Job{}, attempts, fmt.Errorf("%w: job message on %s is not a job: %v", ErrBadInput, msg.Subject(), err))
		return
	}
	if err := job.check(); err != nil {
		w.terminate(ctx, msg, job, attempts, fmt.Errorf("%w: %v", ErrBadInput, err))
		return
	}
	log := w.log.With("job", job.ID, "batch", job.Batch, "attempt", attempts)

	// Idempotency: an output already stored means the job was done (by us
	// before a lost ack, or by another batch): record it and ack, no work.
	if ok, err := w.q.exists(ctx, w.access, job.Output); err != nil {
		w.fail(ctx, msg, log, job, attempts, fmt.Errorf("check output: %w", err))
		return
	} else if ok {
		res := Result{ID: job.ID, Batch: job.Batch, State: StateDone, Output: job.Output, Worker: w.cfg.Name, Attempts: attempts, At: time.Now()}
		if err := w.publishResult(ctx, res); err != nil {
			w.retry(msg, log, attempts, err)
			return
		}
		w.q.remove(ctx, job.Input)
		if err := msg.DoubleAck(ctx); err != nil {
			log.Warn("ack", "error", err)
		}
		w.skipped.Add(1)
		return
	}

	w.progress(job, "start")
	defer w.progress(job, "end")
	// Keep the job ours while it runs: in-progress acks at a third of AckWait.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(max(w.q.cfg.AckWait/3, 50*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-t.C:
				msg.InProgress()
			case <-stop:
				return
			}
		}
	}()

	in, err := w.q.read(ctx, w.access, job.Input)
	if err != nil {
		w.fail(ctx, msg, log, job, attempts, err)
		return
	}
	t0 := time.Now()
	out, format, err := w.up.Upscale(ctx, in, job.Options)
	upDur := time.Since(t0)
	if err != nil {
		w.fail(ctx, msg, log, job, attempts, err)
		return
	}
	if err := w.q.write(ctx, w.access, job.Output, out); err != nil {
		w.fail(ctx, msg, log, job, attempts, err)
		return
	}
	res := Result{ID: job.ID, Batch: job.Batch, State: StateDone, Output: job.Output, Format: format, Bytes: len(out),
		Worker: w.cfg.Name, Attempts: attempts, Upscale: upDur, Total: time.Since(start), At: time.Now()}
	if err := w.publishResult(ctx, res); err != nil {
		// The output is stored: the redelivered job will find it and record it.
		w.retry(msg, log, attempts, err)
		return
	}
	if err := w.q.remove(ctx, job.Input); err != nil {
		log.Warn("delete input", "input", job.Input, "error", err)
	}
	if err := msg.DoubleAck(ctx); err != nil {
		// Not acked: the job comes back, finds its output and is skipped.
		log.Warn("ack", "error", err)
	}
	w.done.Add(1)
	log.Debug("done", "upscale", upDur, "total", time.Since(start))
}

// fail settles a job whose processing failed: deterministic errors (and
// transient ones on the last attempt) end as a failed record; cancellation
// by a drain hands the job back at once; others are redelivered later.
func (w *Worker) fail(ctx context.Context, msg jetstream.Msg, log *slog.Logger, job Job, attempts int, err error) {
	switch {
	case errors.Is(err, ErrBadInput):
		w.terminate(ctx, msg, job, attempts, err)
	case ctx.Err() != nil:
		log.Info("handed back", "error", err)
		msg.Nak()
		w.retried.Add(1)
	case attempts >= w.cfg.MaxAttempts:
		w.terminate(context.WithoutCancel(ctx), msg, job, attempts, fmt.Errorf("gave up after %d attempts: %w", attempts, err))
	default:
		w.retry(msg, log, attempts, err)
	}
}

// retry hands the job back for redelivery after an exponential delay.
func (w *Worker) retry(msg jetstream.Msg, log *slog.Logger, attempts int, err error) {
	d := w.cfg.RetryDelay << min(attempts-1, 10)
	d = min(d, time.Minute)
	log.Warn("transient failure, redelivering", "error", err, "delay", d)
	msg.NakWithDelay(d)
	w.retried.Add(1)
}

// terminate ends a job with a failed record and Term (no redelivery). When
// the record cannot be written the job is handed back instead.
func (w *Worker) terminate(ctx context.Context, msg jetstream.Msg, job Job, attempts int, cause error) {
	w.log.Info("job failed", "job", job.ID, "batch", job.Batch, "error", cause)
	if job.ID != "" && job.Batch != "" && validToken(job.ID) && validToken(job.Batch) {
		res := Result{ID: job.ID, Batch: job.Batch, State: StateFailed, Error: cause.Error(), Worker: w.cfg.Name, Attempts: attempts, At: time.Now()}
		if err := w.publishResult(ctx, res); err != nil {
			w.retry(msg, w.log, attempts, err)
			return
		}
		w.q.remove(ctx, job.Input)
	}
	msg.TermWithReason(truncate(cause.Error(), 200))
	w.failed.Add(1)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// publishResult stores the job's result record (deduplicated by job, batch and state).
func (w *Worker) publishResult(ctx context.Context, res Result) error {
	return w.q.publishResult(ctx, res)
}

// progress announces a job event (best effort).
func (w *Worker) progress(job Job, event string) {
	if w.nc == nil {
		return
	}
	b, _ := json.Marshal(Progress{ID: job.ID, Batch: job.Batch, Worker: w.cfg.Name, Event: event})
	w.nc.Publish(w.q.cfg.ProgressSubject(job.Batch), b)
}
