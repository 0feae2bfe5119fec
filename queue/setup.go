package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Config names the JetStream resources and sets their policies. The zero
// value of a field means its default (DefaultConfig).
type Config struct {
	Prefix   string        // subject prefix: Prefix.jobs.<batch>, Prefix.results.<batch>.<id>, Prefix.progress.<batch>
	Jobs     string        // work-queue stream of jobs
	Results  string        // stream of result records (one per job and batch)
	Bucket   string        // object store bucket for inputs and outputs
	Consumer string        // durable pull consumer shared by all workers
	Replicas int           // stream and bucket replicas (1 on one node, 3 on a cluster)
	AckWait  time.Duration // a job not acked (or marked in progress) within this is redelivered
	// MaxAckPending bounds the jobs in flight over all workers together; each
	// worker also holds at most its own concurrency (it fetches no more).
	MaxAckPending int
	// ResultTTL is how long result records are kept (default 30 days; < 0 = forever).
	ResultTTL time.Duration
	// ObjectTTL is how long inputs, outputs and manifests are kept in the
	// bucket (0 = until deleted). Workers delete inputs when their job ends;
	// outputs stay until fetched and expired (see docs/scale-out.md).
	ObjectTTL time.Duration
}

// DefaultConfig returns the defaults: prefix "resshift", streams
// RESSHIFT_JOBS and RESSHIFT_RESULTS, bucket "resshift", consumer "workers",
// one replica, a 30 s ack wait, 1024 jobs in flight, results kept 30 days.
func DefaultConfig() Config {
	return Config{Prefix: "resshift", Jobs: "RESSHIFT_JOBS", Results: "RESSHIFT_RESULTS", Bucket: "resshift",
		Consumer: "workers", Replicas: 1, AckWait: 30 * time.Second, MaxAckPending: 1024, ResultTTL: 30 * 24 * time.Hour}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Prefix == "" {
		c.Prefix = d.Prefix
	}
	if c.Jobs == "" {
		c.Jobs = d.Jobs
	}
	if c.Results == "" {
		c.Results = d.Results
	}
	if c.Bucket == "" {
		c.Bucket = d.Bucket
	}
	if c.Consumer == "" {
		c.Consumer = d.Consumer
	}
	if c.Replicas <= 0 {
		c.Replicas = d.Replicas
	}
	if c.AckWait <= 0 {
		c.AckWait = d.AckWait
	}
	if c.MaxAckPending <= 0 {
		c.MaxAckPending = d.MaxAckPending
	}
	if c.ResultTTL < 0 {
		c.ResultTTL = 0
	} else if c.ResultTTL == 0 {
		c.ResultTTL = d.ResultTTL
	}
	return c
}

// JobSubject is the subject jobs of batch are published on.
func (c Config) JobSubject(batch string) string { return c.Prefix + ".jobs." + batch }

// ResultSubject is the subject of the result record of job id in batch.
func (c Config) ResultSubject(batch, id string) string {
	return c.Prefix + ".results." + batch + "." + id
}

// ProgressSubject is where workers announce starting and ending jobs of batch.
func (c Config) ProgressSubject(batch string) string { return c.Prefix + ".progress." + batch }

// Queue is a handle on the JetStream resources (streams, bucket, consumer).
type Queue struct {
	cfg     Config
	js      jetstream.JetStream
	obs     jetstream.ObjectStore
	results jetstream.Stream
}

// Open returns a handle on the queue's streams, bucket and workers'
// consumer, creating those that are missing with cfg's policies. Existing
// ones are used as they are (an operator may have tuned them, for example
// with the nats CLI): cfg's Replicas, AckWait, MaxAckPending, ResultTTL and
// ObjectTTL apply only at creation. Every worker and submitter calls Open.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Queue, error) {
	cfg = cfg.withDefaults()
	if !validToken(cfg.Prefix) {
		return nil, fmt.Errorf("queue: prefix %q: must be one subject token", cfg.Prefix)
	}
	if _, err := stream(ctx, js, jetstream.StreamConfig{
		Name: cfg.Jobs, Description: "resshift upscale jobs (work queue)",
		Subjects: []string{cfg.Prefix + ".jobs.>"}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, Replicas: cfg.Replicas, Duplicates: 10 * time.Minute,
	}); err != nil {
		return nil, err
	}
	results, err := stream(ctx, js, jetstream.StreamConfig{
		Name: cfg.Results, Description: "resshift job results (one record per job and batch)",
		Subjects: []string{cfg.Prefix + ".results.>"}, Retention: jetstream.LimitsPolicy,
		MaxMsgsPerSubject: 1, MaxAge: cfg.ResultTTL, Storage: jetstream.FileStorage,
		Replicas: cfg.Replicas, Duplicates: 10 * time.Minute,
	})
	if err != nil {
		return nil, err
	}
	obs, err := js.ObjectStore(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		obs, err = js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket: cfg.Bucket, Description: "resshift inputs and outputs",
			Storage: jetstream.FileStorage, Replicas: cfg.Replicas, TTL: cfg.ObjectTTL,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			obs, err = js.ObjectStore(ctx, cfg.Bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("queue: object store %s: %w", cfg.Bucket, err)
	}
	_, err = js.Consumer(ctx, cfg.Jobs, cfg.Consumer)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		_, err = js.CreateConsumer(ctx, cfg.Jobs, jetstream.ConsumerConfig{
			Durable: cfg.Consumer, Description: "resshift workers",
			AckPolicy: jetstream.AckExplicitPolicy, AckWait: cfg.AckWait, MaxDeliver: -1,
			MaxAckPending: cfg.MaxAckPending, FilterSubject: cfg.Prefix + ".jobs.>",
			Replicas: cfg.Replicas,
		})
		if errors.Is(err, jetstream.ErrConsumerExists) {
			_, err = js.Consumer(ctx, cfg.Jobs, cfg.Consumer)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("queue: consumer %s: %w", cfg.Consumer, err)
	}
	return &Queue{cfg: cfg, js: js, obs: obs, results: results}, nil
}

// stream returns the stream sc.Name, creating it when missing.
func stream(ctx context.Context, js jetstream.JetStream, sc jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, sc.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, sc)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			s, err = js.Stream(ctx, sc.Name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("queue: stream %s: %w", sc.Name, err)
	}
	return s, nil
}

// Config returns the configuration in use (defaults filled in).
func (q *Queue) Config() Config { return q.cfg }

// Objects is the bucket of inputs and outputs.
func (q *Queue) Objects() jetstream.ObjectStore { return q.obs }
