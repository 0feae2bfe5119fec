//go:build gpu

// GPU checks of the engine (go test -tags gpu; `make gpu-check` builds them, scripts/gpu/ runs them on the GPU
// test machine). They need the CUDA execution provider: the ONNX Runtime core of `make ort` with the providers of
// `make ort-gpu` beside it and the CUDA 13 / cuDNN 9 libraries on LD_LIBRARY_PATH. Environment:
//
//	RESSHIFT_GPU_PROVIDER  cuda (default) or tensorrt
//	RESSHIFT_GPU_DATA      a folder with Set5/ and Set14/ (HR/ and LR_x4/ each, like ../shared/data/eval);
//	                       without it the agreement and fp16 checks use synthetic images
//	RESSHIFT_GPU_FP16_PACK the fp16 variant of the default pack (training/export.py --fp16); its check is skipped
//	                       without it
//	RESSHIFT_GPU_BENCH     1: print the benchmark table (TestGPUBench)
//	RESSHIFT_GPU_OFFICIAL  an official v3 pack (training/official/convert.py --version v3 --tile 256) for the table
package core

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resshift/resshift/core/metric"
	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/internal/testimg"
	"github.com/resshift/resshift/vocab"
)

func gpuProvider() string {
	if p := os.Getenv("RESSHIFT_GPU_PROVIDER"); p != "" {
		return p
	}
	return ort.ProviderCUDA
}

// gpuEngine loads model ("" = embedded default) on the GPU provider with no CPU fallback.
func gpuEngine(t testing.TB, model string, mut ...func(*Config)) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Model = model
	cfg.Runtime.Provider = gpuProvider()
	cfg.Runtime.Concurrency = 4
	for _, m := range mut {
		m(&cfg)
	}
	e, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if p := e.Info().Provider; p != gpuProvider() {
		t.Fatalf("provider %q, want %q", p, gpuProvider())
	}
	return e
}

func cpuEngine(t testing.TB, model string) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Model = model
	e, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// evalImage is one LR input with its HR reference (nil HR for synthetic inputs).
type evalImage struct {
	name string
	lr   *testimg.Planar
	hr   *testimg.Planar
}

// evalSet loads RESSHIFT_GPU_DATA/<set>/{LR_x4,HR}, or two synthetic images when the variable is unset.
func evalSet(t testing.TB, set string) []evalImage {
	t.Helper()
	root := os.Getenv("RESSHIFT_GPU_DATA")
	if root == "" {
		t.Logf("%s: RESSHIFT_GPU_DATA unset, using synthetic images", set)
		var out []evalImage
		for i, sz := range [][2]int{{128, 96}, {200, 152}} {
			out = append(out, evalImage{name: fmt.Sprintf("synthetic-%d", i),
				lr: &testimg.Planar{Width: sz[0], Height: sz[1], RGB: smooth(sz[0], sz[1], uint64(40+i))}})
		}
		return out
	}
	files, err := filepath.Glob(filepath.Join(root, set, "LR_x4", "*.png"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no LR_x4/*.png under %s (%v)", set, filepath.Join(root, set), err)
	}
	sort.Strings(files)
	var out []evalImage
	for _, f := range files {
		lr, err := testimg.ReadPNG(f)
		if err != nil {
			t.Fatal(err)
		}
		hrName := filepath.Join(root, set, "HR", filepath.Base(f)) // the layout of ../shared/data/eval
		if _, err := os.Stat(hrName); err != nil {
			if m, _ := filepath.Glob(filepath.Join(root, set, "HR", hrGlob(filepath.Base(f)))); len(m) == 1 {
				hrName = m[0]
			}
		}
		hr, err := testimg.ReadPNG(hrName)
		if err != nil {
			t.Fatalf("HR of %s: %v", f, err)
		}
		out = append(out, evalImage{name: filepath.Base(f), lr: lr, hr: hr})
	}
	return out
}

// hrGlob maps an LR file name ("img_001_SRF_4_LR.png", "baby_LRBI_x4.png", "baby.png") to a glob for its HR file.
func hrGlob(lr string) string {
	base := strings.TrimSuffix(lr, filepath.Ext(lr))
	for _, suf := range []string{"_SRF_4_LR", "_LRBI_x4", "_LR", "x4"} {
		base = strings.TrimSuffix(base, suf)
	}
	return base + "*"
}

func TestGPUProviderLoads(t *testing.T) {
	e := gpuEngine(t, "")
	in := e.Info()
	if in.GPU == nil {
		t.Fatalf("no GPU info: %s", in.GPUError)
	}
	g := in.GPU
	if g.Name == "" || g.MemoryMiB <= 0 || g.DriverCUDA == "" || g.RuntimeCUDA == "" {
		t.Errorf("incomplete GPU info %+v", g)
	}
	t.Logf("provider %s on %s (%d MiB, sm %s), driver CUDA %s, runtime CUDA %s, cuDNN %s, ORT %s, chain %v",
		in.Provider, g.Name, g.MemoryMiB, g.Compute, g.DriverCUDA, g.RuntimeCUDA, g.CuDNN, in.ORTVersion, in.Chain)
}

// CUDA and CPU outputs agree: PSNR between them ≥ 50 dB in fp32 on Set14 (both samplers, the chain path and
// the per-step path).
func TestGPUMatchesCPU(t *testing.T) {
	cpu := cpuEngine(t, "")
	ims := evalSet(t, "Set14")
	want := map[vocab.Sampler][][]float32{}
	for _, kind := range []vocab.Sampler{vocab.Stochastic, vocab.Deterministic} {
		for _, im := range ims {
			o := cpu.Options()
			o.Sampler = kind
			out, _, err := cpu.UpscaleRGB(context.Background(), im.lr.RGB, im.lr.Width, im.lr.Height, o)
			if err != nil {
				t.Fatal(err)
			}
			want[kind] = append(want[kind], out)
		}
	}
	for _, perStep := range []bool{false, true} {
		gpu := gpuEngine(t, "", func(c *Config) { c.Runtime.PerStep = perStep })
		for _, kind := range []vocab.Sampler{vocab.Stochastic, vocab.Deterministic} {
			worst := math.Inf(1)
			for i, im := range ims {
				o := gpu.Options()
				o.Sampler = kind
				got, _, err := gpu.UpscaleRGB(context.Background(), im.lr.RGB, im.lr.Width, im.lr.Height, o)
				if err != nil {
					t.Fatal(err)
				}
				p := psnrFloat(got, want[kind][i])
				worst = min(worst, p)
				if p < 50 {
					t.Errorf("per_step %v %s %s: CUDA vs CPU PSNR %.2f dB < 50", perStep, kind, im.name, p)
				}
			}
			t.Logf("per_step %v %s: worst CUDA vs CPU PSNR over %d images %.2f dB", perStep, kind, len(ims), worst)
		}
	}
}

func TestGPUCancel(t *testing.T) {
	e := gpuEngine(t, "")
	img := smooth(512, 512, 9)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := e.UpscaleRGB(ctx, img, 512, 512, e.Options()); !errors.Is(err, ErrCanceled) {
		t.Errorf("cancelled context: %v", err)
	}
	o := e.Options()
	o.Tile, o.Overlap = 128, 16
	calls := 0
	o.Progress = func(p Progress) error {
		if calls++; calls == 2 {
			return errors.New("stop")
		}
		return nil
	}
	if _, _, err := e.UpscaleRGB(context.Background(), img, 512, 512, o); !errors.Is(err, ErrCanceled) || calls != 2 {
		t.Errorf("progress cancel: %v after %d calls", err, calls)
	}
	// a deadline that expires while batches run
	ctx, cancel = context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	o.Progress = nil
	o.Tile = 64
	if _, _, err := e.UpscaleRGB(ctx, img, 512, 512, o); !errors.Is(err, ErrCanceled) {
		t.Errorf("deadline: %v", err)
	}
	// the engine still works afterwards
	if _, _, err := e.UpscaleRGB(context.Background(), img[:3*64*64], 64, 64, e.Options()); err != nil {
		t.Fatal(err)
	}
}

// Four requests at once on one engine (runtime.concurrency 4) give each the result it gets alone.
func TestGPUConcurrent(t *testing.T) {
	e := gpuEngine(t, "")
	type job struct {
		img  []float32
		w, h int
		want []float32
	}
	jobs := make([]job, 4)
	for i := range jobs {
		w, h := 160+32*i, 128+16*i
		jobs[i] = job{img: smooth(w, h, uint64(50+i)), w: w, h: h}
		out, _, err := e.UpscaleRGB(context.Background(), jobs[i].img, w, h, e.Options())
		if err != nil {
			t.Fatal(err)
		}
		jobs[i].want = out
	}
	var wg sync.WaitGroup
	for round := 0; round < 3; round++ {
		for i := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				j := jobs[i]
				got, _, err := e.UpscaleRGB(context.Background(), j.img, j.w, j.h, e.Options())
				if err != nil {
					t.Error(err)
					return
				}
				if p := psnrFloat(got, j.want); p < 80 {
					t.Errorf("job %d: concurrent result differs from the lone one (PSNR %.1f dB)", i, p)
				}
			}()
		}
		wg.Wait()
	}
}

// The fp16 variant of the default pack changes PSNR-Y against HR by at most 0.02 dB on Set5 and Set14.
func TestGPUFP16(t *testing.T) {
	dir := os.Getenv("RESSHIFT_GPU_FP16_PACK")
	if dir == "" {
		t.Skip("RESSHIFT_GPU_FP16_PACK unset: no fp16 pack to check")
	}
	if os.Getenv("RESSHIFT_GPU_DATA") == "" {
		t.Skip("RESSHIFT_GPU_DATA unset: PSNR-Y needs Set5/Set14 HR images")
	}
	f32, f16 := gpuEngine(t, ""), gpuEngine(t, dir)
	if !f16.Info().FP16 || f32.Info().FP16 {
		t.Fatalf("fp16 flags: default %v, %s %v", f32.Info().FP16, dir, f16.Info().FP16)
	}
	for _, set := range []string{"Set5", "Set14"} {
		var sum32, sum16 float64
		ims := evalSet(t, set)
		for _, im := range ims {
			hr := to8(im.hr.RGB, im.hr.Width, im.hr.Height, im.hr.Gray)
			for k, e := range []*Engine{f32, f16} {
				out, _, err := e.UpscaleRGB(context.Background(), im.lr.RGB, im.lr.Width, im.lr.Height, e.Options())
				if err != nil {
					t.Fatal(err)
				}
				W, H := im.lr.Width*4, im.lr.Height*4
				sr := to8(out, W, H, im.hr.Gray)
				p, err := metric.PSNRY(sr, hr, 4)
				if err != nil {
					t.Fatal(err)
				}
				if k == 0 {
					sum32 += p
				} else {
					sum16 += p
				}
			}
		}
		n := float64(len(ims))
		d := sum16/n - sum32/n
		t.Logf("%s: PSNR-Y fp32 %.3f dB, fp16 %.3f dB (change %+.3f)", set, sum32/n, sum16/n, d)
		if math.Abs(d) > 0.02 {
			t.Errorf("%s: fp16 changes PSNR-Y by %+.3f dB (> 0.02)", set, d)
		}
	}
}

// TestGPUBench prints the benchmark table: engine time (UpscaleRGB, no decode/encode) and output MP/s of the
// default model for 256→1024, 1024→4096 and 2048→8192, with the pack's tiling (tile 256, batch 8) and with the
// whole image as one tile, on the chain and the per-step path; and the official v3 pack per graph when given.
func TestGPUBench(t *testing.T) {
	if os.Getenv("RESSHIFT_GPU_BENCH") == "" {
		t.Skip("RESSHIFT_GPU_BENCH unset")
	}
	runs := 5
	type row struct {
		label  string
		median time.Duration
		st     Stats
		mp     float64
	}
	var rows []row
	measure := func(label string, e *Engine, size int, mod func(*Options)) {
		img := smooth(size, size, 7)
		o := e.Options()
		if mod != nil {
			mod(&o)
		}
		if _, _, err := e.UpscaleRGB(context.Background(), img, size, size, o); err != nil { // warm-up (binds, cuDNN search)
			t.Fatalf("%s: %v", label, err)
		}
		var ts []time.Duration
		var last Stats
		for i := 0; i < runs; i++ {
			_, st, err := e.UpscaleRGB(context.Background(), img, size, size, o)
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			ts = append(ts, st.Total)
			last = st
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		med := ts[len(ts)/2]
		W := e.Scale() * size
		rows = append(rows, row{label, med, last, float64(W*W) / 1e6 / med.Seconds()})
	}
	chain := gpuEngine(t, "")
	step := gpuEngine(t, "", func(c *Config) { c.Runtime.PerStep = true })
	for _, size := range []int{256, 1024, 2048} {
		for _, v := range []struct {
			name string
			e    *Engine
		}{{"chain", chain}, {"per-step", step}} {
			measure(fmt.Sprintf("%d→%d %s, whole image", size, 4*size, v.name), v.e, size, func(o *Options) { o.Tile, o.Overlap, o.Batch = size, 0, 1 })
			measure(fmt.Sprintf("%d→%d %s, tile 256 batch 8", size, 4*size, v.name), v.e, size, func(o *Options) { o.Tile, o.Batch = 256, 8 })
		}
	}
	if dir := os.Getenv("RESSHIFT_GPU_OFFICIAL"); dir != "" {
		off := gpuEngine(t, dir)
		measure(fmt.Sprintf("official v3 256→1024 (%s, tile %d)", dir, off.Info().Tile), off, 256, nil)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| job | engine ms (median of %d) | ORT ms | encoder | denoiser/chain | decoder | output MP/s |\n|---|---|---|---|---|---|---|\n", runs)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %.0f |\n", r.label, ms(r.median), ms(r.st.ORT), ms(r.st.EncoderORT),
			ms(r.st.DenoiserORT), ms(r.st.DecoderORT), r.mp)
	}
	t.Log(b.String())
}
