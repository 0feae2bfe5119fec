package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/queue"
	"github.com/resshift/resshift/queue/embedded"
	qengine "github.com/resshift/resshift/queue/engine"
)

const batchUsage = `Usage: resshift batch [flags] -o OUT INPUT...
       resshift batch --nats URL --resume ID -o OUT

Upscales many images through the NATS JetStream job queue (docs/scale-out.md)
and writes NAME_x4.EXT into the folder OUT.

Without --nats, it starts an embedded NATS server with JetStream on a local
folder (--store, default OUT/.resshift-queue) and --workers local workers
sharing one engine: the same code path as a cluster. With --nats URL it only
submits the jobs to that cluster and waits for its workers ('resshift
worker'); --detach prints the batch id and returns at once, and
'--resume ID -o OUT' waits for that batch later and writes its outputs.

INPUT is an image file, a folder (its images, not recursive) or a glob. The
batch id comes from the inputs (paths, sizes, times) and the options: running
the same batch again, finished or interrupted, does only the work left
(outputs already in OUT are skipped unless --overwrite; outputs already in
the object store are not computed again; jobs that failed stay failed unless
--retry-failed). A bad image is reported and the others go on; the exit
status is 1 when any failed.

Examples:
  resshift batch -o out/ --workers 2 photos/
  resshift batch --nats nats://queue:4222 --detach -o out/ 'archive/*.jpg'
  resshift batch --nats nats://queue:4222 --resume 3f2a9c0d1e4b5a6c -o out/`

func runBatch(ctx context.Context, e *env, args []string) error {
	fs := newFlags("batch", batchUsage)
	var ef engineFlags
	ef.register(fs, withSeed|withSampler|withOutput)
	var qf queueFlags
	qf.register(fs)
	out := fs.String("o", "", "output `folder` (required; created if missing)")
	workers := fs.Int("workers", 1, "local workers (without --nats)")
	concurrency := fs.Int("concurrency", 1, "jobs in flight per local worker (without --nats)")
	store := fs.String("store", "", "JetStream store `folder` of the embedded server (default OUT/.resshift-queue)")
	detach := fs.Bool("detach", false, "with --nats: submit, print the batch id and return")
	resume := fs.String("resume", "", "with --nats: wait for the batch `ID` and write its outputs")
	retryFailed := fs.Bool("retry-failed", false, "queue again the jobs of this batch that failed before")
	overwrite := fs.Bool("overwrite", false, "replace outputs that exist in OUT (default: skip them)")
	quiet := fs.Bool("q", false, "quiet: no progress; errors and a failure summary only")
	inputs, err := parse(e, fs, args)
	if err != nil {
		return helpOK(err)
	}
	ef.recordSet(fs)
	switch {
	case *out == "":
		return usagef("batch", "-o OUT (the output folder) is required")
	case *resume != "" && len(inputs) > 0:
		return usagef("batch", "--resume takes no inputs (the batch already lists them)")
	case *resume == "" && len(inputs) == 0:
		return usagef("batch", "no input: give image files, folders or glob patterns")
	case (*detach || *resume != "") && qf.url == "":
		return usagef("batch", "--detach and --resume need --nats URL (an embedded server stops with the command)")
	case *workers < 1 || *workers > 256:
		return usagef("batch", "--workers %d: must be in 1..256", *workers)
	case *concurrency < 1:
		return usagef("batch", "--concurrency %d: must be >= 1", *concurrency)
	}
	if err := qf.check("batch"); err != nil {
		return err
	}
	if qf.url != "" {
		// The engine runs in the workers, with their configuration.
		for _, f := range []string{"model", "seed", "sampler", "tile", "overlap", "batch", "threads", "provider", "allow-fallback", "workers", "concurrency", "store"} {
			if ef.set[f] { // recordSet saw every flag given
				return usagef("batch", "--%s does not apply with --nats: the workers ('resshift worker') run the engine with their own configuration", f)
			}
		}
	}
	if err := ef.check("batch"); err != nil {
		return err
	}
	cfg, err := ef.loadConfig()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	b := &batchRun{e: e, out: *out, quiet: *quiet, overwrite: *overwrite, start: time.Now(), srcs: map[string]string{},
		opt: queue.Options{Format: cfg.Output.Format, Quality: cfg.Output.Quality, Strip: cfg.Output.StripMetadata}}

	url := qf.url
	if url == "" {
		// Embedded: a local server and local workers.
		dir := *store
		if dir == "" {
			dir = filepath.Join(*out, ".resshift-queue")
		}
		srv, err := embedded.Start(embedded.Config{StoreDir: dir})
		if err != nil {
			return err
		}
		defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
		url = srv.ClientURL()
		cfg.Runtime.Concurrency = max(cfg.Runtime.Concurrency, *workers**concurrency)
		eng, err := newEngine(e, cfg)
		if err != nil {
			return err
		}
		defer eng.Close()
		opt, err := ef.options("batch", eng)
		if err != nil {
			return err
		}
		up, err := qengine.New(eng, opt)
		if err != nil {
			return err
		}
		wctx, stopWorkers := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() { stopWorkers(); wg.Wait() }()
		for i := range *workers {
			nc, q, err := connectQueue(ctx, url, "resshift batch worker", qf.config())
			if err != nil {
				return err
			}
			w := queue.NewWorker(q, nc, up, queue.WorkerConfig{Name: fmt.Sprintf("local-%d", i+1),
				Concurrency: *concurrency, Log: e.log})
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				w.Run(wctx)
			}()
		}
	}
	nc, q, err := connectQueue(ctx, url, "resshift batch", qf.config())
	if err != nil {
		return err
	}
	defer nc.Close()
	b.q = q

	var m *queue.Manifest
	if *resume != "" {
		if m, err = q.Manifest(ctx, *resume); err != nil {
			return err
		}
	} else {
		if m, err = b.submit(ctx, inputs, *retryFailed); err != nil {
			return err
		}
		if *detach {
			fmt.Fprintln(e.stdout, m.Batch)
			fmt.Fprintf(e.stderr, "resshift batch: submitted batch %s (%d queued, %d already done); resume with: resshift batch --nats %s --resume %s -o %s\n",
				m.Batch, b.queued, b.already, qf.url, m.Batch, *out)
			return nil
		}
	}
	return b.wait(ctx, m)
}

// batchRun is one batch invocation's state.
type batchRun struct {
	e         *env
	q         *queue.Queue
	out       string
	opt       queue.Options
	quiet     bool
	overwrite bool
	start     time.Time

	queued, already, skippedLocal, failedBefore int
	bad                                         []badInput
	srcs                                        map[string]string // output name → input path
	drawn                                       bool
	lastLine                                    time.Time // last progress line (not a terminal)
}

// outputName is NAME_x4.EXT for src: the --format's extension, else the
// input's own for png/jpeg/webp/tiff, else .png.
func (b *batchRun) outputName(src string) string {
	ext := filepath.Ext(src)
	stem := strings.TrimSuffix(filepath.Base(src), ext)
	f, known := canonicalFormat(strings.TrimPrefix(ext, "."))
	switch {
	case b.opt.Format != "":
		ext = b.opt.Format.Ext()
	case !known || f == "":
		ext = ".png"
	}
	return stem + "_x4" + ext
}

// submit expands the inputs and queues them as one batch.
func (b *batchRun) submit(ctx context.Context, inputs []string, retryFailed bool) (*queue.Manifest, error) {
	srcs, bad := expandInputs(inputs, 4)
	b.bad = bad
	parts := []string{fmt.Sprintf("%+v", b.opt)}
	byName := map[string]string{}
	var items []queue.Item
	for _, src := range srcs {
		name := b.outputName(src)
		if prev, ok := byName[name]; ok {
			b.bad = append(b.bad, badInput{src, fmt.Errorf("its output %s is also the output of %s; use separate runs", name, prev)})
			continue
		}
		byName[name] = src
		b.srcs[name] = src
		abs, _ := filepath.Abs(src)
		if fi, err := os.Stat(src); err == nil {
			parts = append(parts, abs, fmt.Sprint(fi.Size()), fi.ModTime().UTC().Format(time.RFC3339Nano))
		}
		if _, err := os.Lstat(filepath.Join(b.out, name)); err == nil && !b.overwrite {
			b.skippedLocal++
			continue
		}
		items = append(items, queue.Item{Name: name, Read: func() ([]byte, error) { return os.ReadFile(src) }})
	}
	m, st, err := b.q.Submit(ctx, queue.BatchID(parts...), items, b.opt, queue.SubmitOptions{RetryFailed: retryFailed})
	if err != nil {
		return nil, err
	}
	b.queued, b.already, b.failedBefore = st.Queued, st.AlreadyDone, st.Failed
	return m, nil
}

// wait follows the batch, then writes its outputs into OUT.
func (b *batchRun) wait(ctx context.Context, m *queue.Manifest) error {
	res, err := b.q.Wait(ctx, m, b.progress)
	b.clear()
	if err != nil {
		if interrupted(ctx) {
			fmt.Fprintf(b.e.stderr, "resshift batch: interrupted; batch %s goes on where it stopped when run again\n", m.Batch)
			return context.Canceled
		}
		return err
	}
	written, failed := 0, len(b.bad)
	for _, bi := range b.bad {
		fmt.Fprintf(b.e.stderr, "resshift batch: FAILED %s: %v\n", bi.path, bi.err)
	}
	for _, en := range m.Entries {
		r := res[en.ID]
		dst := filepath.Join(b.out, en.Name)
		if r.State == queue.StateFailed {
			fmt.Fprintf(b.e.stderr, "resshift batch: FAILED %s: %s\n", b.label(en.Name), r.Error)
			failed++
			continue
		}
		if _, err := os.Lstat(dst); err == nil && !b.overwrite {
			written++ // written by an earlier run of this batch
			continue
		}
		data, err := b.q.Output(ctx, en.Output)
		if err == nil {
			err = imageio.WriteFileAtomic(dst, data)
		}
		if err != nil {
			fmt.Fprintf(b.e.stderr, "resshift batch: FAILED %s: %v\n", b.label(en.Name), err)
			failed++
			continue
		}
		written++
	}
	if !b.quiet || failed > 0 {
		fmt.Fprintf(b.e.stderr, "%d upscaled, %d failed (batch %s: %d queued, %d already done, %d already in %s; %.1f s)\n",
			written, failed, m.Batch, b.queued, b.already, b.skippedLocal, b.out, time.Since(b.start).Seconds())
	}
	if failed > 0 {
		return errReported
	}
	if len(m.Entries) == 0 && b.skippedLocal == 0 {
		fmt.Fprintln(b.e.stderr, "resshift batch: no images found")
		return errReported
	}
	return nil
}

// label names an entry in messages: its input path when known (not on --resume), else its output name.
func (b *batchRun) label(name string) string {
	if src, ok := b.srcs[name]; ok {
		return src
	}
	return name
}

// progress shows the overall progress: a bar redrawn on a terminal,
// otherwise a line every 10 seconds (for logs).
func (b *batchRun) progress(s queue.BatchStatus) {
	if b.quiet || s.Total == 0 {
		return
	}
	if !b.e.tty {
		if time.Since(b.lastLine) >= 10*time.Second && !s.Finished() {
			b.lastLine = time.Now()
			fmt.Fprintf(b.e.stderr, "resshift batch: %d/%d jobs, %d failed, %s\n", s.Done+s.Failed, s.Total, s.Failed, elapsed(time.Since(b.start)))
		}
		return
	}
	f := float64(s.Done+s.Failed) / float64(s.Total)
	const width = 24
	n := int(f * width)
	fmt.Fprintf(b.e.stderr, "\r%s %3.0f%%  %d/%d jobs  %d failed  %s\x1b[K", strings.Repeat("█", n)+strings.Repeat("░", width-n),
		100*f, s.Done+s.Failed, s.Total, s.Failed, elapsed(time.Since(b.start)))
	b.drawn = true
}

func (b *batchRun) clear() {
	if b.drawn {
		fmt.Fprint(b.e.stderr, "\r\x1b[K")
		b.drawn = false
	}
}
