package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/pipeline"
	"github.com/resshift/resshift/vocab"
)

const benchUsage = `Usage: resshift bench [--size 256] [--runs 3] [--warmup 1] [--input FILE] [--per-step | --paired] [--json] [engine flags]

Upscales an image in process --warmup + --runs times and reports, per run and
as the median: total time, time inside ONNX Runtime, engine overhead (total −
ORT) in ms and as a share of the total, output megapixels per second, peak
resident memory (VmHWM), tiles and denoiser calls. Decoding and encoding are
not timed.

The image is a deterministic synthetic photo-like picture (smooth gradients,
soft blobs, hard edges and fine texture) of --size × --size pixels, or the
decoded --input FILE; --save-input FILE writes it as PNG.

A model pack with a fused chain graph (the default model) runs all steps in
one ONNX Runtime call per tile batch; --per-step benches the per-step path
instead (runtime.per_step). --paired benches both in one process, alternating
chain and per-step runs (the order flips every run), and reports each median
and the median of the per-pair total ratios chain/per-step: the comparison
that stays meaningful on a loaded machine.

Examples:
  resshift bench
  resshift bench --size 512 --runs 5 --threads 2 --tile 128 --batch 4
  resshift bench --input photo.jpg --json > bench.json`

type benchRun struct {
	Run           int     `json:"run"`
	TotalMS       float64 `json:"total_ms"`
	ORTMS         float64 `json:"ort_ms"`
	OverheadMS    float64 `json:"overhead_ms"`
	OverheadPct   float64 `json:"overhead_pct"`
	MPxPerS       float64 `json:"output_mpx_per_s"`
	PeakRSSMiB    float64 `json:"peak_rss_mib"`
	Tiles         int     `json:"tiles"`
	DenoiserCalls int     `json:"denoiser_calls"`
}

type benchReport struct {
	Model      string        `json:"model"`
	Version    string        `json:"model_version"`
	Provider   string        `json:"provider"`
	ORTVersion string        `json:"ort_version"`
	CPU        string        `json:"cpu"`
	NumCPU     int           `json:"num_cpu"`
	Threads    int           `json:"intra_op_threads"`
	Input      string        `json:"input"`
	Width      int           `json:"width"`
	Height     int           `json:"height"`
	OutWidth   int           `json:"out_width"`
	OutHeight  int           `json:"out_height"`
	Sampler    vocab.Sampler `json:"sampler"`
	Seed       uint64        `json:"seed"`
	Tile       int           `json:"tile"`
	Overlap    int           `json:"overlap"`
	Batch      int           `json:"batch"`
	Warmup     int           `json:"warmup"`
	Chain      bool          `json:"chain"` // the fused chain graph ran (false: per step)
	Runs       []benchRun    `json:"runs"`
	Median     benchRun      `json:"median"`
	// --paired: the per-step path's runs, interleaved with the chain's, and the median of the per-pair ratios
	// chain total / per-step total.
	PerStep   *benchReport `json:"per_step,omitempty"`
	PairRatio float64      `json:"pair_ratio_total,omitempty"`
}

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags("bench", benchUsage)
	var ef engineFlags
	ef.register(fs, withSeed|withSampler)
	size := fs.Int("size", 256, "side of the synthetic input image in pixels")
	runs := fs.Int("runs", 3, "timed runs")
	warmup := fs.Int("warmup", 1, "untimed runs before the timed ones")
	input := fs.String("input", "", "bench this image `file` instead of the synthetic one")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	quiet := fs.Bool("q", false, "no progress bar")
	saveInput := fs.String("save-input", "", "also write the benchmarked input image to `file` (PNG), to bench it elsewhere")
	perStep := fs.Bool("per-step", false, "run the per-step path even when the pack has a fused chain graph")
	paired := fs.Bool("paired", false, "bench the chain and the per-step path in turn in one process")
	pos, err := parse(e, fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("bench", "unexpected argument %q (use --input FILE to bench an image)", pos[0])
	}
	ef.recordSet(fs)
	if err := ef.check("bench"); err != nil {
		return err
	}
	switch {
	case *size < 1 || *size > 16384:
		return usagef("bench", "--size %d: must be in 1..16384", *size)
	case *runs < 1:
		return usagef("bench", "--runs %d: must be >= 1", *runs)
	case *warmup < 0:
		return usagef("bench", "--warmup %d: must be >= 0", *warmup)
	case *perStep && *paired:
		return usagef("bench", "--per-step and --paired exclude each other")
	}
	cfg, err := ef.loadConfig()
	if err != nil {
		return err
	}
	if *perStep {
		cfg.Runtime.PerStep = true
	}
	eng, err := newEngine(e, cfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	engines := []*core.Engine{eng}
	if *paired {
		if !eng.Info().Chain {
			return usagef("bench", "--paired: model %s has no fused chain graph to compare", eng.Info().Model)
		}
		c2 := cfg
		c2.Runtime.PerStep = true
		step, err := newEngine(e, c2)
		if err != nil {
			return err
		}
		defer step.Close()
		engines = append(engines, step)
	}
	opt, err := ef.options("bench", eng)
	if err != nil {
		return err
	}
	var img *imageio.Image
	name := fmt.Sprintf("synthetic %d×%d", *size, *size)
	if *input != "" {
		if img, err = imageio.DecodeFile(*input, pipeline.Limits(eng)); err != nil {
			return err
		}
		name = *input
	} else {
		img = synthImage(*size, *size)
	}
	if *saveInput != "" {
		data, err := imageio.Encode(img, imageio.EncodeOptions{Format: "png"})
		if err == nil {
			err = imageio.WriteFileAtomic(*saveInput, data)
		}
		if err != nil {
			return fmt.Errorf("--save-input: %w", err)
		}
	}
	s := eng.Scale()
	if err := pipeline.Limits(eng).CheckOutput(img.Width*s, img.Height*s); err != nil {
		return fmt.Errorf("%d×%d input: %w (limits.max_output_pixels)", img.Width, img.Height, err)
	}
	reps := make([]*benchReport, len(engines))
	for k, en := range engines {
		in := en.Info()
		reps[k] = &benchReport{Model: in.Model, Version: in.Version, Provider: in.Provider, ORTVersion: in.ORTVersion,
			CPU: cpuModel(), NumCPU: runtime.NumCPU(), Threads: cfg.Runtime.IntraOpThreads, Input: name,
			Width: img.Width, Height: img.Height, OutWidth: img.Width * s, OutHeight: img.Height * s,
			Sampler: opt.Sampler, Seed: opt.Seed, Tile: opt.Tile, Overlap: opt.Overlap, Batch: opt.Batch, Warmup: *warmup,
			Chain: in.Chain}
	}
	rep := reps[0]

	prog := newProgress(e, *quiet)
	var ratios []float64
	for r := 1; r <= *warmup+*runs; r++ {
		label := fmt.Sprintf("warmup %d/%d", r, *warmup)
		if r > *warmup {
			label = fmt.Sprintf("run %d/%d", r-*warmup, *runs)
		}
		totals := make([]float64, len(engines))
		for j := range engines {
			k := j
			if r%2 == 0 { // alternate the order of a pair
				k = len(engines) - 1 - j
			}
			prog.begin(label, opt.Batch)
			o := opt
			o.Progress = func(p core.Progress) error { prog.update(p); return nil }
			start := time.Now()
			_, st, err := pipeline.UpscaleImage(ctx, engines[k], img, o)
			total := time.Since(start)
			prog.clear()
			if err != nil {
				return err
			}
			if r <= *warmup {
				continue
			}
			mpx := float64(rep.OutWidth*rep.OutHeight) / 1e6
			tms := ms(total)
			totals[k] = tms
			reps[k].Runs = append(reps[k].Runs, benchRun{Run: r - *warmup, TotalMS: tms, ORTMS: ms(st.ORT),
				OverheadMS: tms - ms(st.ORT), OverheadPct: 100 * (tms - ms(st.ORT)) / tms,
				MPxPerS: mpx / total.Seconds(), PeakRSSMiB: peakRSSMiB(), Tiles: st.Tiles, DenoiserCalls: st.DenoiserCalls})
		}
		if r > *warmup && len(engines) == 2 {
			ratios = append(ratios, totals[0]/totals[1])
		}
	}
	for _, rp := range reps {
		rp.Median = medianRun(rp.Runs)
	}
	if len(reps) == 2 {
		rep.PerStep = reps[1]
		slices.Sort(ratios)
		n := len(ratios)
		rep.PairRatio = ratios[n/2]
		if n%2 == 0 {
			rep.PairRatio = (ratios[n/2-1] + ratios[n/2]) / 2
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printBench(e, *rep)
	if rep.PerStep != nil {
		fmt.Fprintln(e.stdout)
		printBench(e, *rep.PerStep)
		fmt.Fprintf(e.stdout, "\npaired: chain/per-step total time, median of %d pairs: %.3f\n", len(ratios), rep.PairRatio)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// medianRun takes the median of every column separately.
func medianRun(runs []benchRun) benchRun {
	med := func(get func(benchRun) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = get(r)
		}
		slices.Sort(v)
		n := len(v)
		if n == 0 {
			return 0
		}
		if n%2 == 1 {
			return v[n/2]
		}
		return (v[n/2-1] + v[n/2]) / 2
	}
	return benchRun{
		TotalMS:       med(func(r benchRun) float64 { return r.TotalMS }),
		ORTMS:         med(func(r benchRun) float64 { return r.ORTMS }),
		OverheadMS:    med(func(r benchRun) float64 { return r.OverheadMS }),
		OverheadPct:   med(func(r benchRun) float64 { return r.OverheadPct }),
		MPxPerS:       med(func(r benchRun) float64 { return r.MPxPerS }),
		PeakRSSMiB:    med(func(r benchRun) float64 { return r.PeakRSSMiB }),
		Tiles:         int(med(func(r benchRun) float64 { return float64(r.Tiles) })),
		DenoiserCalls: int(med(func(r benchRun) float64 { return float64(r.DenoiserCalls) })),
	}
}

func printBench(e *env, r benchReport) {
	threads := "default"
	if r.Threads > 0 {
		threads = strconv.Itoa(r.Threads)
	}
	fmt.Fprintf(e.stdout, "model %s %s on %s (ONNX Runtime %s), %s, %d CPUs, intra-op threads %s\n",
		r.Model, r.Version, r.Provider, r.ORTVersion, r.CPU, r.NumCPU, threads)
	path := "fused chain (one call per tile batch)"
	if !r.Chain {
		path = "per step"
	}
	fmt.Fprintf(e.stdout, "input %s: %d×%d → %d×%d, %s sampler, seed %d, tile %d, overlap %d, batch %d, %d warmup, %s\n\n",
		r.Input, r.Width, r.Height, r.OutWidth, r.OutHeight, r.Sampler, r.Seed, r.Tile, r.Overlap, r.Batch, r.Warmup, path)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\ttotal ms\tORT ms\toverhead ms\toverhead %\tout MP/s\tpeak RSS MiB\ttiles\tcalls\t")
	row := func(label string, b benchRun) {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.3f\t%.1f\t%d\t%d\t\n",
			label, b.TotalMS, b.ORTMS, b.OverheadMS, b.OverheadPct, b.MPxPerS, b.PeakRSSMiB, b.Tiles, b.DenoiserCalls)
	}
	for _, b := range r.Runs {
		row(strconv.Itoa(b.Run), b)
	}
	row("median", r.Median)
	tw.Flush()
}

// peakRSSMiB reads the process's peak resident set size (VmHWM) from
// /proc/self/status; 0 where that is not available.
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}

// cpuModel is the first "model name" of /proc/cpuinfo, or GOARCH.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// synthImage returns a deterministic, photo-like 8-bit RGB image: smooth
// colour gradients, soft blobs, a disc and a bar with hard (antialiased)
// edges, and two octaves of value-noise texture, quantised to 8 bits.
func synthImage(w, h int) *imageio.Image {
	n := w * h
	rgb := make([]float32, 3*n)
	sz := float64(max(w, h))
	type blob struct{ x, y, r, c0, c1, c2 float64 }
	blobs := []blob{{0.25, 0.3, 0.18, 0.35, -0.1, -0.2}, {0.7, 0.65, 0.25, -0.2, 0.25, 0.1}, {0.55, 0.2, 0.12, 0.1, 0.1, 0.35}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := float64(x)/sz, float64(y)/sz
			c := [3]float64{0.35 + 0.35*u, 0.3 + 0.3*v + 0.1*math.Sin(5*u), 0.55 - 0.25*u + 0.15*math.Cos(4*v)}
			for _, b := range blobs {
				d2 := ((u-b.x)*(u-b.x) + (v-b.y)*(v-b.y)) / (b.r * b.r)
				g := math.Exp(-d2)
				c[0] += b.c0 * g
				c[1] += b.c1 * g
				c[2] += b.c2 * g
			}
			// Hard edges, antialiased over one pixel.
			disc := edge((0.16 - math.Hypot(u-0.62, v-0.38)) * sz)
			bar := edge((0.05 - math.Abs((u-0.3)*0.8+(v-0.72)*0.6)) * sz)
			for k := range c {
				c[k] = c[k]*(1-disc) + [3]float64{0.9, 0.85, 0.2}[k]*disc
				c[k] = c[k]*(1-bar) + [3]float64{0.08, 0.1, 0.18}[k]*bar
			}
			t := 0.09*valueNoise(float64(x)/7, float64(y)/7, 1) + 0.05*valueNoise(float64(x)/2.5, float64(y)/2.5, 2)
			for k := range c {
				q := math.Round(255 * min(1, max(0, c[k]+t*(0.8+0.2*float64(k)))))
				rgb[k*n+y*w+x] = float32(q/127.5 - 1)
			}
		}
	}
	return &imageio.Image{Width: w, Height: h, RGB: rgb, Depth: 8, Format: "png"}
}

// edge maps a signed distance in pixels to coverage in [0, 1].
func edge(d float64) float64 { return min(1, max(0, d+0.5)) }

// valueNoise is smooth lattice noise in [-1, 1].
func valueNoise(x, y float64, octave uint64) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
	at := func(i, j float64) float64 {
		z := uint64(int64(i))*0x9E3779B97F4A7C15 ^ uint64(int64(j))*0xC2B2AE3D27D4EB4F ^ octave*0x165667B19E3779F9
		z ^= z >> 30
		z *= 0xBF58476D1CE4E5B9
		z ^= z >> 27
		z *= 0x94D049BB133111EB
		z ^= z >> 31
		return float64(z>>11)/float64(1<<53)*2 - 1
	}
	a := at(x0, y0) + (at(x0+1, y0)-at(x0, y0))*fx
	b := at(x0, y0+1) + (at(x0+1, y0+1)-at(x0, y0+1))*fx
	return a + (b-a)*fy
}
