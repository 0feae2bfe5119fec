// Package queue spreads upscale jobs over workers with NATS JetStream: jobs are
// messages on a work-queue stream, images live in a JetStream object store
// bucket (or at a file:// path or http(s):// URL every worker can reach), and
// every finished job leaves one result record (done or failed) on a results
// stream. The same code runs against an embedded single-node server
// (StartEmbedded) and a JetStream cluster.
//
// The package reaches the engine only through the Upscaler interface and has
// no cgo; queue/engine adapts core.Engine to it.
package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/resshift/resshift/vocab"
)

// ErrBadInput marks a deterministic failure: the job's image or options are
// wrong and retrying cannot help. A worker terminates such a job after one
// try with a failed result record. Every other error is transient and the job
// is redelivered.
var ErrBadInput = errors.New("bad input")

// Upscaler is the engine as the queue sees it. Upscale returns the encoded
// output and its format (vocab.PNG, JPEG, WebP or TIFF); an error matching
// ErrBadInput is deterministic. It must be safe for concurrent use.
type Upscaler interface {
	Upscale(ctx context.Context, in []byte, opt Options) (out []byte, format vocab.Format, err error)
}

// Options are the per-job encoder options. The sampling options (sampler,
// seed, tiling) are the worker's engine configuration. In a job message
// Format is its name, as a string field would be ("png", "jpeg", ...; an
// alias such as "jpg" reads as "jpeg"); a name vocab.ParseFormat does not
// know makes the message no job (json.Unmarshal fails).
type Options struct {
	Format  vocab.Format `json:"format,omitempty"`  // png | jpeg | webp | tiff; vocab.FormatAuto = the input's format
	Quality int          `json:"quality,omitempty"` // JPEG/WebP quality 1..100, 0 = default
	Strip   bool         `json:"strip,omitempty"`   // drop metadata
}

// Job is one upscale job, the JSON body of a message on the jobs stream.
type Job struct {
	// ID is the idempotency key: sha256 of the input bytes and the options
	// (JobID). The same image with the same options is the same job.
	ID string `json:"id"`
	// Batch groups jobs for progress and results (a hex token).
	Batch string `json:"batch"`
	// Input is the object name of the input in the bucket, or a file:// or
	// http(s):// URL every worker can reach (see docs/scale-out.md).
	Input string `json:"input"`
	// Output is the object name the result is stored under, or a file:// URL
	// (written atomically: temporary file, then rename).
	Output  string  `json:"output"`
	Options Options `json:"options"`
}

// State of a result record.
const (
	StateDone   = "done"
	StateFailed = "failed"
)

// Result is the record a worker publishes when a job ends, on
// ResultSubject(batch, id). There is at most one per job and batch.
type Result struct {
	ID       string        `json:"id"`
	Batch    string        `json:"batch"`
	State    string        `json:"state"`            // StateDone or StateFailed
	Output   string        `json:"output,omitempty"` // where the output is (done)
	Format   vocab.Format  `json:"format,omitempty"` // the output's format (done)
	Bytes    int           `json:"bytes,omitempty"`  // the output's size (done)
	Error    string        `json:"error,omitempty"`  // what was wrong (failed)
	Worker   string        `json:"worker"`
	Attempts int           `json:"attempts"`           // deliveries of the job message
	Upscale  time.Duration `json:"upscale_ns"`         // time in the Upscaler
	Total    time.Duration `json:"total_ns,omitempty"` // from delivery to the stored output
	At       time.Time     `json:"at"`
}

// Progress is published (best effort, core NATS) on ProgressSubject(batch)
// when a worker starts and ends a job.
type Progress struct {
	ID     string `json:"id"`
	Batch  string `json:"batch"`
	Worker string `json:"worker"`
	Event  string `json:"event"` // "start" or "end"
}

// JobID is the idempotency key of an input with options: 32 hex digits of
// sha256(options JSON, input bytes).
func JobID(input []byte, opt Options) string {
	h := sha256.New()
	b, _ := json.Marshal(opt)
	h.Write(b)
	h.Write([]byte{0})
	h.Write(input)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// validToken reports whether s can be a subject token: non-empty, no dots,
// spaces, wildcards.
func validToken(s string) bool {
	return s != "" && !strings.ContainsAny(s, ". \t\r\n*>")
}

// check validates a job as a worker receives it.
func (j *Job) check() error {
	switch {
	case !validToken(j.ID):
		return fmt.Errorf("job: id %q: must be a non-empty subject token", j.ID)
	case !validToken(j.Batch):
		return fmt.Errorf("job %s: batch %q: must be a non-empty subject token", j.ID, j.Batch)
	case j.Input == "":
		return fmt.Errorf("job %s: no input", j.ID)
	case j.Output == "":
		return fmt.Errorf("job %s: no output", j.ID)
	}
	if _, err := vocab.ParseFormat(string(j.Options.Format)); err != nil { // a value set in Go; a decoded job has a parsed one
		return fmt.Errorf("job %s: options: %w", j.ID, err)
	}
	return nil
}
