package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/metric"
	"github.com/resshift/resshift/core/pipeline"
	"github.com/resshift/resshift/core/resample"
	"github.com/resshift/resshift/vocab"
)

const evalUsage = `Usage: resshift eval --hr DIR --lr DIR [--scale 4] [--sampler both|deterministic|stochastic|none]
                     [--bicubic] [--json FILE] [--md FILE] [--limit N] [engine flags]

For every image in --hr that has a file of the same name in --lr, upscales the
LR image with the engine (once per requested sampler) and compares it with the
HR image: PSNR-Y and SSIM-Y (BT.601 luma; grey images compared on their own
grey values; a border of --scale pixels cropped; HR mod-cropped to LR×scale
when larger). --bicubic adds two baselines: MATLAB imresize bicubic (the
"bicubic" row of SR papers) and PyTorch bicubic (the upsampling ResShift
conditions on), both rounded to 8 bits. --sampler none evaluates only the
baselines (no model is loaded).

The markdown table (per image, and the mean per method) goes to stdout or
--md FILE; --json FILE ("-" for stdout) writes the same results with the model,
sampler, seed and timings. Progress goes to stderr.

Examples:
  resshift eval --hr data/eval/Set5/HR --lr data/eval/Set5/LR_x4 --bicubic
  resshift eval --hr Set14/HR --lr Set14/LR_x4 --sampler deterministic --json set14.json --md set14.md
  resshift eval --hr BSD100/HR --lr BSD100/LR_x4 --sampler none --bicubic --limit 10`

// Method names in reports.
const (
	methodMatlab = "bicubic-matlab"
	methodTorch  = "bicubic-torch"
	methodPrefix = "resshift-"
)

// jsonFloat is a float64 that encodes NaN and ±Inf (identical images give
// PSNR +Inf) as null instead of failing.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

type evalScore struct {
	PSNR       jsonFloat `json:"psnr_y"`
	SSIM       jsonFloat `json:"ssim_y"`
	Seconds    float64   `json:"seconds,omitempty"`     // engine methods: pipeline.UpscaleImage wall time
	ORTSeconds float64   `json:"ort_seconds,omitempty"` // engine methods: time inside ONNX Runtime
}

type evalImage struct {
	Name     string               `json:"name"`
	LRWidth  int                  `json:"lr_width"`
	LRHeight int                  `json:"lr_height"`
	Width    int                  `json:"width"` // compared HR size (after the mod crop)
	Height   int                  `json:"height"`
	Gray     bool                 `json:"gray"`
	Scores   map[string]evalScore `json:"scores"`
	Error    string               `json:"error,omitempty"`
}

type evalMean struct {
	PSNR    jsonFloat `json:"psnr_y"`
	SSIM    jsonFloat `json:"ssim_y"`
	Images  int       `json:"images"`
	Seconds float64   `json:"seconds,omitempty"` // mean per image, engine methods
}

type evalReport struct {
	HR           string              `json:"hr"`
	LR           string              `json:"lr"`
	Scale        int                 `json:"scale"`
	Border       int                 `json:"border"`
	Model        string              `json:"model,omitempty"`
	ModelVersion string              `json:"model_version,omitempty"`
	Provider     string              `json:"provider,omitempty"`
	ORTVersion   string              `json:"ort_version,omitempty"`
	Samplers     []vocab.Sampler     `json:"samplers"`
	Seed         uint64              `json:"seed"`
	Tile         int                 `json:"tile,omitempty"`
	Overlap      int                 `json:"overlap,omitempty"`
	Batch        int                 `json:"batch,omitempty"`
	Methods      []string            `json:"methods"`
	Images       []evalImage         `json:"images"`
	Mean         map[string]evalMean `json:"mean"`
	Failed       int                 `json:"failed"`
	TotalSeconds float64             `json:"total_seconds"`
}

func runEval(ctx context.Context, e *env, args []string) error {
	fs := newFlags("eval", evalUsage)
	var ef engineFlags
	ef.register(fs, withSeed)
	hrDir := fs.String("hr", "", "high-resolution ground-truth images `dir`")
	lrDir := fs.String("lr", "", "low-resolution images `dir` (same file names as --hr)")
	scale := fs.Int("scale", 4, "scale factor between LR and HR (must be the model's)")
	samplers := fs.String("sampler", "both", "engine sampler(s): both, deterministic, stochastic or none")
	bicubic := fs.Bool("bicubic", false, "also score the MATLAB and PyTorch bicubic baselines")
	jsonOut := fs.String("json", "", "write the JSON report to `file` (- for stdout)")
	mdOut := fs.String("md", "", "write the markdown table to `file` instead of stdout")
	limit := fs.Int("limit", 0, "evaluate only the first N images (0 = all)")
	quiet := fs.Bool("q", false, "no progress on stderr")
	pos, err := parse(e, fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("eval", "unexpected argument %q", pos[0])
	}
	ef.recordSet(fs)
	if err := ef.check("eval"); err != nil {
		return err
	}
	var kinds []vocab.Sampler
	switch *samplers {
	case "both":
		kinds = []vocab.Sampler{vocab.Deterministic, vocab.Stochastic}
	case "deterministic", "stochastic":
		k, _ := vocab.ParseSampler(*samplers)
		kinds = []vocab.Sampler{k}
	case "none":
	default:
		return usagef("eval", "--sampler %q: want both, deterministic, stochastic or none", *samplers)
	}
	switch {
	case *hrDir == "" || *lrDir == "":
		return usagef("eval", "--hr and --lr are required")
	case *scale < 1:
		return usagef("eval", "--scale %d: must be >= 1", *scale)
	case *limit < 0:
		return usagef("eval", "--limit %d: must be >= 0", *limit)
	case len(kinds) == 0 && !*bicubic:
		return usagef("eval", "nothing to evaluate: --sampler none needs --bicubic")
	}
	pairs, err := evalPairs(*hrDir, *lrDir)
	if err != nil {
		return err
	}
	if *limit > 0 && len(pairs) > *limit {
		pairs = pairs[:*limit]
	}

	rep := &evalReport{HR: *hrDir, LR: *lrDir, Scale: *scale, Border: *scale, Samplers: kinds, Mean: map[string]evalMean{}}
	if *bicubic {
		rep.Methods = append(rep.Methods, methodMatlab, methodTorch)
	}
	var eng *core.Engine
	var opt core.Options
	lim := imageio.Limits{}
	if len(kinds) > 0 {
		cfg, err := ef.loadConfig()
		if err != nil {
			return err
		}
		if eng, err = newEngine(e, cfg); err != nil {
			return err
		}
		defer eng.Close()
		if eng.Scale() != *scale {
			return usagef("eval", "--scale %d but model %s upscales ×%d", *scale, eng.Info().Model, eng.Scale())
		}
		if opt, err = ef.options("eval", eng); err != nil {
			return err
		}
		in := eng.Info()
		rep.Model, rep.ModelVersion, rep.Provider, rep.ORTVersion = in.Model, in.Version, in.Provider, in.ORTVersion
		rep.Seed, rep.Tile, rep.Overlap, rep.Batch = opt.Seed, opt.Tile, opt.Overlap, opt.Batch
		lim = pipeline.Limits(eng)
		for _, k := range kinds {
			rep.Methods = append(rep.Methods, methodPrefix+k.String())
		}
	}

	start := time.Now()
	for i, p := range pairs {
		if interrupted(ctx) {
			return context.Canceled
		}
		im := evalImage{Name: p.name, Scores: map[string]evalScore{}}
		err := evalOne(ctx, &im, p, *scale, lim, *bicubic, eng, opt, kinds)
		if err != nil {
			if interrupted(ctx) {
				return context.Canceled
			}
			im.Error = err.Error()
			rep.Failed++
			fmt.Fprintf(e.stderr, "resshift eval: FAILED %s: %v\n", p.name, err)
		} else if !*quiet {
			var parts []string
			for _, m := range rep.Methods {
				s := im.Scores[m]
				parts = append(parts, fmt.Sprintf("%s %.2f dB %.4f", m, float64(s.PSNR), float64(s.SSIM)))
			}
			fmt.Fprintf(e.stderr, "[%d/%d] %s: %s\n", i+1, len(pairs), p.name, strings.Join(parts, ", "))
		}
		rep.Images = append(rep.Images, im)
	}
	rep.TotalSeconds = time.Since(start).Seconds()
	for _, m := range rep.Methods {
		var mean evalMean
		for _, im := range rep.Images {
			if s, ok := im.Scores[m]; ok {
				mean.PSNR += s.PSNR
				mean.SSIM += s.SSIM
				mean.Seconds += s.Seconds
				mean.Images++
			}
		}
		if mean.Images > 0 {
			n := float64(mean.Images)
			mean.PSNR /= jsonFloat(n)
			mean.SSIM /= jsonFloat(n)
			mean.Seconds /= n
		}
		rep.Mean[m] = mean
	}

	md := evalMarkdown(rep)
	switch {
	case *mdOut != "":
		if err := imageio.WriteFileAtomic(*mdOut, []byte(md)); err != nil {
			return err
		}
	case *jsonOut != "-":
		fmt.Fprint(e.stdout, md)
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if *jsonOut == "-" {
			e.stdout.Write(b)
		} else if err := imageio.WriteFileAtomic(*jsonOut, b); err != nil {
			return err
		}
	}
	if rep.Failed > 0 {
		fmt.Fprintf(e.stderr, "%d evaluated, %d failed\n", len(pairs)-rep.Failed, rep.Failed)
		return errReported
	}
	return nil
}

type evalPair struct{ name, hr, lr string }

// evalPairs lists the images of hrDir (sorted) that have a same-named file in lrDir.
func evalPairs(hrDir, lrDir string) ([]evalPair, error) {
	entries, err := os.ReadDir(hrDir)
	if err != nil {
		return nil, fmt.Errorf("--hr: %w", err)
	}
	if fi, err := os.Stat(lrDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("--lr %s: not a folder", lrDir)
	}
	var pairs []evalPair
	for _, en := range entries {
		n := en.Name()
		if strings.HasPrefix(n, ".") || !isImageName(n) || en.IsDir() {
			continue
		}
		lr := filepath.Join(lrDir, n)
		if _, err := os.Stat(lr); err != nil {
			continue
		}
		pairs = append(pairs, evalPair{name: n, hr: filepath.Join(hrDir, n), lr: lr})
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("no image in %s has a file of the same name in %s", hrDir, lrDir)
	}
	return pairs, nil
}

// evalOne scores every method on one pair, filling im.
func evalOne(ctx context.Context, im *evalImage, p evalPair, scale int, lim imageio.Limits, bicubic bool,
	eng *core.Engine, opt core.Options, kinds []vocab.Sampler) error {
	hr, err := imageio.DecodeFile(p.hr, lim)
	if err != nil {
		return err
	}
	lr, err := imageio.DecodeFile(p.lr, lim)
	if err != nil {
		return err
	}
	W, H := lr.Width*scale, lr.Height*scale
	im.LRWidth, im.LRHeight, im.Width, im.Height, im.Gray = lr.Width, lr.Height, W, H, hr.Gray
	if hr.Width < W || hr.Height < H {
		return fmt.Errorf("HR is %d×%d, smaller than LR %d×%d × %d", hr.Width, hr.Height, lr.Width, lr.Height, scale)
	}
	gt := cropMetric(toMetric(hr), W, H)
	score := func(name string, sr *metric.Image, st *core.Stats) error {
		a, b := sameChannels(sr, gt)
		ps, err := metric.PSNRY(a, b, scale)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		ss, err := metric.SSIMY(a, b, scale)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		s := evalScore{PSNR: jsonFloat(ps), SSIM: jsonFloat(ss)}
		if st != nil {
			s.Seconds, s.ORTSeconds = st.Total.Seconds(), st.ORT.Seconds()
		}
		im.Scores[name] = s
		return nil
	}
	if bicubic {
		c, planes := 3, lr.RGB
		if lr.Gray {
			c, planes = 1, lr.RGB[:lr.Width*lr.Height]
		}
		v := make([]float32, len(planes))
		for i, x := range planes {
			v[i] = (x + 1) * 127.5 // 0..255 scale, exact for 8-bit sources
		}
		for _, m := range []struct {
			name string
			up   func([]float32, int, int, int, int) []float32
		}{{methodMatlab, resample.UpscaleMatlab}, {methodTorch, resample.UpsampleTorch}} {
			up := m.up(v, c, lr.Height, lr.Width, scale)
			if err := score(m.name, planarU8(up, c, W, H), nil); err != nil {
				return err
			}
		}
	}
	for _, k := range kinds {
		o := opt
		o.Sampler = k
		t0 := time.Now()
		out, st, err := pipeline.UpscaleImage(ctx, eng, lr, o)
		if err != nil {
			return fmt.Errorf("%s%s: %w", methodPrefix, k, err)
		}
		st.Total = time.Since(t0)
		if err := score(methodPrefix+k.String(), toMetric(out), &st); err != nil {
			return err
		}
	}
	return nil
}

// toMetric converts a decoded or upscaled image to what the encoder would
// write: grey images as one band (the mean of the planes, as Encode does),
// 8 or 16 bits by Depth. Alpha is ignored.
func toMetric(img *imageio.Image) *metric.Image {
	n := img.Width * img.Height
	r, g, b := img.RGB[:n], img.RGB[n:2*n], img.RGB[2*n:]
	m := &metric.Image{W: img.Width, H: img.Height, C: 3}
	if img.Gray {
		m.C = 1
	}
	sample := func(i, c int) float32 {
		if m.C == 1 {
			if r[i] == g[i] && g[i] == b[i] {
				return r[i]
			}
			return (r[i] + g[i] + b[i]) / 3
		}
		return img.RGB[c*n+i]
	}
	if img.Depth == 16 {
		m.Pix16 = make([]uint16, m.C*n)
		for i := 0; i < n; i++ {
			for c := 0; c < m.C; c++ {
				m.Pix16[i*m.C+c] = imageio.Quant16(sample(i, c))
			}
		}
		return m
	}
	m.Pix = make([]uint8, m.C*n)
	for i := 0; i < n; i++ {
		for c := 0; c < m.C; c++ {
			m.Pix[i*m.C+c] = imageio.Quant8(sample(i, c))
		}
	}
	return m
}

// planarU8 rounds a planar c×H×W image on the 0..255 scale to an
// interleaved 8-bit metric image.
func planarU8(v []float32, c, W, H int) *metric.Image {
	n := W * H
	m := &metric.Image{W: W, H: H, C: c, Pix: make([]uint8, c*n)}
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			m.Pix[i*c+ch] = uint8(math.Round(min(255, max(0, float64(v[ch*n+i])))))
		}
	}
	return m
}

// cropMetric returns the top-left w×h part of m (m itself when it has that size).
func cropMetric(m *metric.Image, w, h int) *metric.Image {
	if m.W == w && m.H == h {
		return m
	}
	c := m.C
	out := &metric.Image{W: w, H: h, C: c}
	if m.Pix16 != nil {
		out.Pix16 = make([]uint16, 0, c*w*h)
		for y := 0; y < h; y++ {
			out.Pix16 = append(out.Pix16, m.Pix16[c*y*m.W:c*(y*m.W+w)]...)
		}
		return out
	}
	out.Pix = make([]uint8, 0, c*w*h)
	for y := 0; y < h; y++ {
		out.Pix = append(out.Pix, m.Pix[c*y*m.W:c*(y*m.W+w)]...)
	}
	return out
}

// sameChannels returns a and b with equal channel counts: a grey image
// compared with an RGB one is expanded to RGB (metric needs equal layouts).
func sameChannels(a, b *metric.Image) (*metric.Image, *metric.Image) {
	if a.C == b.C {
		return a, b
	}
	if a.C == 1 {
		return toRGB(a), b
	}
	return a, toRGB(b)
}

func toRGB(m *metric.Image) *metric.Image {
	out := &metric.Image{W: m.W, H: m.H, C: 3}
	if m.Pix16 != nil {
		out.Pix16 = make([]uint16, 0, 3*len(m.Pix16))
		for _, v := range m.Pix16 {
			out.Pix16 = append(out.Pix16, v, v, v)
		}
		return out
	}
	out.Pix = make([]uint8, 0, 3*len(m.Pix))
	for _, v := range m.Pix {
		out.Pix = append(out.Pix, v, v, v)
	}
	return out
}

// evalMarkdown renders the report as a caption and a table.
func evalMarkdown(r *evalReport) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "PSNR-Y (dB) / SSIM-Y, ×%d, border %d, HR %s vs LR %s", r.Scale, r.Border, r.HR, r.LR)
	if r.Model != "" {
		fmt.Fprintf(&b, "; model %s %s on %s, seed %d, tile %d", r.Model, r.ModelVersion, r.Provider, r.Seed, r.Tile)
	}
	b.WriteString("\n\n| image |")
	sep := "|---|"
	for _, m := range r.Methods {
		fmt.Fprintf(&b, " %s PSNR-Y | %s SSIM-Y |", m, m)
		sep += "---:|---:|"
	}
	b.WriteString("\n" + sep + "\n")
	cell := func(v jsonFloat, prec int) string {
		if math.IsInf(float64(v), 1) {
			return "∞"
		}
		return strconv.FormatFloat(float64(v), 'f', prec, 64)
	}
	for _, im := range r.Images {
		fmt.Fprintf(&b, "| %s |", strings.TrimSuffix(im.Name, filepath.Ext(im.Name)))
		for _, m := range r.Methods {
			if s, ok := im.Scores[m]; ok {
				fmt.Fprintf(&b, " %s | %s |", cell(s.PSNR, 2), cell(s.SSIM, 4))
			} else {
				b.WriteString(" – | – |")
			}
		}
		if im.Error != "" {
			fmt.Fprintf(&b, " failed: %s", strings.ReplaceAll(im.Error, "|", "/"))
		}
		b.WriteString("\n")
	}
	n := len(r.Images) - r.Failed
	fmt.Fprintf(&b, "| **mean** (%d) |", n)
	for _, m := range r.Methods {
		mean := r.Mean[m]
		fmt.Fprintf(&b, " **%s** | **%s** |", cell(mean.PSNR, 2), cell(mean.SSIM, 4))
	}
	b.WriteString("\n")
	if slices.ContainsFunc(r.Methods, func(m string) bool { return strings.HasPrefix(m, methodPrefix) }) {
		b.WriteString("\nmean seconds per image:")
		for _, m := range r.Methods {
			if strings.HasPrefix(m, methodPrefix) {
				fmt.Fprintf(&b, " %s %.2f s;", m, r.Mean[m].Seconds)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
