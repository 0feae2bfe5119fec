package main

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // header probes for the estimate: these read dimensions only
	_ "image/jpeg"
	_ "image/png"
	"math"
	"net/http"
	"sync"
	"time"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// Admission by expected cost. An upscale costs about rate seconds per output
// megapixel (limits.seconds_per_output_mp, or measured: a calibration job at
// start, then every completed job of at least minMeasureMP). A request whose
// estimate alone exceeds limits.request_timeout is refused at once (413,
// naming the estimate) instead of running into a 504; one that would not
// finish in time behind the work already admitted gets 429 with a
// Retry-After of the time that work needs to drain.

const (
	minMeasureMP = 0.25 // smaller jobs are dominated by fixed costs
	rateWeight   = 0.3  // weight of a new measurement in the running rate
)

// costModel estimates upscale times and tracks the admitted work. Safe for
// concurrent use.
type costModel struct {
	scale   int // the model's scale
	workers int
	timeout time.Duration // limits.request_timeout
	fixed   bool          // the rate comes from the config, not measurements

	mu   sync.Mutex
	rate float64 // seconds per output megapixel; 0 = not known yet
	jobs map[*ticket]struct{}
}

// ticket is one admitted request's share of the outstanding work.
type ticket struct {
	outMP   float64
	est     time.Duration // 0: no estimate (header not readable, rate unknown)
	started time.Time     // zero while waiting for a worker
}

func newCostModel(l LimitsConfig, scale int) *costModel {
	return &costModel{scale: scale, workers: l.Workers, timeout: l.RequestTimeout,
		fixed: l.SecondsPerOutputMP > 0, rate: l.SecondsPerOutputMP, jobs: map[*ticket]struct{}{}}
}

// Rate is the current seconds per output megapixel (0 = unknown).
func (c *costModel) Rate() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate
}

// outputMP is the output size in megapixels of an encoded source, from its
// header only; ok is false when the header is not one the probes read (the
// plugin then decides alone).
func (c *costModel) outputMP(data []byte) (mp float64, ok bool) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, false
	}
	return float64(cfg.Width) * float64(cfg.Height) * float64(c.scale*c.scale) / 1e6, true
}

func (c *costModel) estimateLocked(outMP float64) time.Duration {
	return time.Duration(outMP * c.rate * float64(time.Second))
}

// Backlog is the expected time until a worker is free for a new request:
// the outstanding work (estimates of the waiting requests, the rest of the
// running ones) shared by the workers.
func (c *costModel) Backlog() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.backlogLocked(time.Now())
}

func (c *costModel) backlogLocked(now time.Time) time.Duration {
	var sum time.Duration
	for t := range c.jobs {
		left := t.est
		if !t.started.IsZero() {
			left = max(0, t.est-now.Sub(t.started))
		}
		sum += left
	}
	return sum / time.Duration(c.workers)
}

// admit estimates the request and admits it, or refuses it: 413 when the
// estimate alone is over the request timeout, 429 (with Retry-After) when
// it would not finish within remaining behind the admitted work.
func (c *costModel) admit(data []byte, remaining time.Duration) (*ticket, error) {
	mp, ok := c.outputMP(data)
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &ticket{outMP: mp}
	if ok && c.rate > 0 {
		t.est = c.estimateLocked(mp)
	}
	if t.est > c.timeout {
		return nil, &httpError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("estimated %v for %.1f output megapixels at %.2f s/MP, over limits.request_timeout %v",
				t.est.Round(100*time.Millisecond), mp, c.rate, c.timeout),
			public: fmt.Sprintf("this image would take about %s to upscale here (%.1f output megapixels at %.2f s each), "+
				"over this server's limit of %s per request", seconds(t.est), mp, c.rate, seconds(c.timeout))}
	}
	if wait := c.backlogLocked(time.Now()); t.est > 0 && wait+t.est > remaining {
		retry := int(math.Ceil((wait + t.est - remaining).Seconds()))
		return nil, &httpError{status: http.StatusTooManyRequests, retryAfter: max(1, retry),
			msg: fmt.Sprintf("estimated %v behind %v of admitted work, %v left of the request timeout",
				t.est.Round(100*time.Millisecond), wait.Round(100*time.Millisecond), remaining.Round(100*time.Millisecond)),
			public: fmt.Sprintf("busy: about %s of work is ahead of this image (about %s); retry in %d s",
				seconds(wait), seconds(t.est), max(1, retry))}
	}
	c.jobs[t] = struct{}{}
	return t, nil
}

// start marks t as running (its remaining estimate decreases from now).
func (c *costModel) start(t *ticket) {
	c.mu.Lock()
	t.started = time.Now()
	c.mu.Unlock()
}

// done removes t. When the rate is measured, a completed job updates it,
// and a job cut off by the timeout after running d raises it to at least
// what that run shows.
func (c *costModel) done(t *ticket, d time.Duration, completed, timedOut bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.jobs, t)
	if c.fixed || t.outMP < minMeasureMP || t.started.IsZero() {
		return
	}
	r := d.Seconds() / t.outMP
	switch {
	case completed:
		c.observeLocked(r)
	case timedOut && r > c.rate:
		c.rate = r // a lower bound: the job needed at least this
	}
}

// observe feeds a measured rate (seconds per output megapixel).
func (c *costModel) observe(r float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fixed {
		c.observeLocked(r)
	}
}

func (c *costModel) observeLocked(r float64) {
	if c.rate == 0 {
		c.rate = r
	} else {
		c.rate = (1-rateWeight)*c.rate + rateWeight*r
	}
}

// seconds formats d for people: "61 s", "0.4 s".
func seconds(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f s", d.Seconds())
}
