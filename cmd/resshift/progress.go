package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/resshift/resshift/core"
)

// progress shows the work on stderr: on a terminal a bar redrawn in place
// (percent of denoiser work, tiles, steps, elapsed time), otherwise nothing
// but the line each finished item prints. It is used from one goroutine.
type progress struct {
	e      *env
	quiet  bool
	label  string
	batch  int
	start  time.Time
	last   time.Time
	drawn  bool
	redraw time.Duration
}

func newProgress(e *env, quiet bool) *progress {
	return &progress{e: e, quiet: quiet, redraw: 100 * time.Millisecond}
}

// begin starts a new item (an image).
func (p *progress) begin(label string, batch int) {
	p.label, p.batch, p.start, p.last = label, max(batch, 1), time.Now(), time.Time{}
}

// fraction is the share of denoiser work done: tiles finished plus the steps
// done in the batch in flight.
func fraction(pr core.Progress, batch int) float64 {
	if pr.Tiles <= 0 {
		return 0
	}
	done := float64(pr.TilesDone)
	if pr.Steps > 0 && pr.Step < pr.Steps {
		inFlight := min(batch, pr.Tiles-pr.TilesDone)
		done += float64(inFlight) * float64(pr.Step) / float64(pr.Steps)
	}
	return min(1, done/float64(pr.Tiles))
}

// update redraws the bar (terminals only, at most every redraw interval).
func (p *progress) update(pr core.Progress) {
	if p.quiet || !p.e.tty {
		return
	}
	now := time.Now()
	final := pr.TilesDone == pr.Tiles && pr.Step == pr.Steps
	if !final && now.Sub(p.last) < p.redraw {
		return
	}
	p.last = now
	f := fraction(pr, p.batch)
	const width = 24
	n := int(f * width)
	bar := strings.Repeat("█", n) + strings.Repeat("░", width-n)
	step := pr.Step
	if pr.Step == pr.Steps && pr.TilesDone < pr.Tiles {
		step = 0 // between batches
	}
	fmt.Fprintf(p.e.stderr, "\r%s %3.0f%%  tiles %d/%d  step %d/%d  %s  %s\x1b[K",
		bar, 100*f, pr.TilesDone, pr.Tiles, step, pr.Steps, elapsed(now.Sub(p.start)), p.label)
	p.drawn = true
}

// clear erases the bar, if drawn.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.e.stderr, "\r\x1b[K")
		p.drawn = false
	}
}

// line prints a permanent line (unless quiet), replacing the bar.
func (p *progress) line(s string) {
	p.clear()
	if !p.quiet {
		fmt.Fprintln(p.e.stderr, s)
	}
}

// elapsed formats d as m:ss.t.
func elapsed(d time.Duration) string {
	s := d.Seconds()
	m := int(s) / 60
	return fmt.Sprintf("%d:%04.1f", m, s-float64(60*m))
}
