package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/queue"
	qengine "github.com/resshift/resshift/queue/engine"
)

const workerUsage = `Usage: resshift worker --nats URL [flags]

Pulls upscale jobs from a NATS JetStream queue (see docs/scale-out.md) and
runs them on one engine (CPU or GPU: --provider / the config's runtime
section), at most --concurrency at a time. Inputs and outputs live in the
JetStream object store; jobs may name file:// paths inside --file-root (a
shared filesystem) and, with --allow-http, http(s):// inputs.

A job whose input is bad (not an image, too large, bad options) ends with a
failed record after one try; other failures are retried with a growing delay
up to --max-attempts deliveries. Long jobs are kept alive with in-progress
acks; a job is acked only after its output is stored. SIGTERM or Ctrl-C
drains: no new jobs are taken, the running ones finish (up to --drain), and
any still running then are handed back to the queue.

Examples:
  resshift worker --nats nats://queue1:4222,nats://queue2:4222 --provider cuda --concurrency 2
  resshift worker --nats nats://127.0.0.1:4222 --threads 4`

// queueFlags are the flags shared by worker and batch that name the queue.
type queueFlags struct {
	url      string
	replicas int
	ackWait  time.Duration
	objTTL   time.Duration
}

func (f *queueFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "nats", "", "NATS server `URL`s, comma separated (nats://host:4222)")
	fs.IntVar(&f.replicas, "replicas", 1, "replicas of the streams and the bucket when this creates them (3 on a cluster)")
	fs.DurationVar(&f.ackWait, "ack-wait", 30*time.Second, "a job not acked or marked in progress within this is redelivered (when this creates the consumer)")
	fs.DurationVar(&f.objTTL, "object-ttl", 0, "images expire from the object store after this, when this creates the bucket (0 = kept until deleted)")
}

func (f *queueFlags) check(cmd string) error {
	switch {
	case f.replicas < 1 || f.replicas > 5:
		return usagef(cmd, "--replicas %d: must be in 1..5", f.replicas)
	case f.ackWait < 100*time.Millisecond:
		return usagef(cmd, "--ack-wait %v: must be at least 100ms", f.ackWait)
	case f.objTTL < 0:
		return usagef(cmd, "--object-ttl %v: must be >= 0", f.objTTL)
	}
	return nil
}

func (f *queueFlags) config() queue.Config {
	c := queue.DefaultConfig()
	c.Replicas, c.AckWait, c.ObjectTTL = f.replicas, f.ackWait, f.objTTL
	return c
}

// connectQueue connects to url (reconnecting forever) and opens the queue.
func connectQueue(ctx context.Context, url, name string, cfg queue.Config) (*nats.Conn, *queue.Queue, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	q, err := queue.Open(octx, js, cfg)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, q, nil
}

func runWorker(ctx context.Context, e *env, args []string) error {
	fs := newFlags("worker", workerUsage)
	var ef engineFlags
	ef.register(fs, withSeed|withSampler)
	var qf queueFlags
	qf.register(fs)
	concurrency := fs.Int("concurrency", 1, "jobs in flight at this worker")
	maxAttempts := fs.Int("max-attempts", 5, "deliveries of a job before a transient failure becomes a failed record")
	drain := fs.Duration("drain", 2*time.Minute, "on SIGTERM, how long running jobs may take to finish")
	name := fs.String("name", "", "worker `name` in result records (default host:pid)")
	fileRoot := fs.String("file-root", "", "let jobs name file:// inputs and outputs inside this `folder` (a shared filesystem; default: refused)")
	allowHTTP := fs.Bool("allow-http", false, "let jobs name http(s):// inputs (default: refused)")
	rest, err := parse(e, fs, args)
	if err != nil {
		return helpOK(err)
	}
	ef.recordSet(fs)
	switch {
	case len(rest) > 0:
		return usagef("worker", "unexpected argument %q: the worker takes no inputs (jobs come from the queue)", rest[0])
	case qf.url == "":
		return usagef("worker", "--nats URL is required")
	case *concurrency < 1:
		return usagef("worker", "--concurrency %d: must be >= 1", *concurrency)
	case *maxAttempts < 1:
		return usagef("worker", "--max-attempts %d: must be >= 1", *maxAttempts)
	}
	if err := qf.check("worker"); err != nil {
		return err
	}
	if *fileRoot != "" {
		if fi, err := os.Stat(*fileRoot); err != nil || !fi.IsDir() {
			return usagef("worker", "--file-root %s: not a folder", *fileRoot)
		}
	}
	if err := ef.check("worker"); err != nil {
		return err
	}
	cfg, err := ef.loadConfig()
	if err != nil {
		return err
	}
	cfg.Runtime.Concurrency = max(cfg.Runtime.Concurrency, *concurrency)
	eng, err := newEngine(e, cfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	opt, err := ef.options("worker", eng)
	if err != nil {
		return err
	}
	up, err := qengine.New(eng, opt)
	if err != nil {
		return err
	}
	nc, q, err := connectQueue(ctx, qf.url, "resshift worker", qf.config())
	if err != nil {
		return err
	}
	defer nc.Close()
	w := queue.NewWorker(q, nc, up, queue.WorkerConfig{Name: *name, Concurrency: *concurrency,
		MaxAttempts: *maxAttempts, DrainTimeout: *drain, FileRoot: *fileRoot, AllowHTTP: *allowHTTP, Log: e.log})
	fmt.Fprintf(e.stderr, "resshift worker: pulling jobs from %s (concurrency %d, %s)\n", qf.url, *concurrency, providerName(eng))
	err = w.Run(ctx)
	nc.Drain()
	st := w.Stats()
	fmt.Fprintf(e.stderr, "resshift worker: stopped: %d done, %d failed, %d already done, %d handed back\n", st.Done, st.Failed, st.Skipped, st.Retried)
	return err
}

func providerName(eng *core.Engine) string { return eng.Info().Provider }
