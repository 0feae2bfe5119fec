package core

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/core/metric"
	"github.com/resshift/resshift/internal/testimg"
)

var fp16Pack = filepath.Join("..", "models", "resshift-lite-x4-fp16")

// to8 quantises planar [-1, 1] RGB like the PNG encoder and returns a metric image (grey: one channel).
func to8(rgb []float32, w, h int, gray bool) *metric.Image {
	c := 3
	if gray {
		c = 1
	}
	m := &metric.Image{W: w, H: h, C: c, Pix: make([]uint8, c*w*h)}
	for i := 0; i < w*h; i++ {
		for k := 0; k < c; k++ {
			v := math.Round((float64(rgb[k*w*h+i]) + 1) * 127.5)
			m.Pix[i*c+k] = uint8(min(max(v, 0), 255))
		}
	}
	return m
}

// psnrFloat is the PSNR in dB between two [-1, 1] images (peak-to-peak 2).
func psnrFloat(a, b []float32) float64 {
	var se float64
	for i := range a {
		d := float64(a[i] - b[i])
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(4/(se/float64(len(a))))
}

// meanPSNRY upscales every LR_x4 image of an eval set (../shared/data/eval layout) and returns the mean PSNR-Y
// against HR (border 4, 8-bit), as `resshift eval` scores it.
func meanPSNRY(t *testing.T, e *Engine, set string) float64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(set, "LR_x4", "*.png"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no images in %s/LR_x4", set)
	}
	var sum float64
	for _, f := range files {
		lr, err := testimg.ReadPNG(f)
		if err != nil {
			t.Fatal(err)
		}
		hr, err := testimg.ReadPNG(filepath.Join(set, "HR", filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := e.UpscaleRGB(context.Background(), lr.RGB, lr.Width, lr.Height, e.Options())
		if err != nil {
			t.Fatal(err)
		}
		W, H := 4*lr.Width, 4*lr.Height
		ref := hr
		if hr.Width != W || hr.Height != H { // mod-crop the HR image like eval
			ref = &testimg.Planar{Width: W, Height: H, RGB: make([]float32, 3*W*H), Gray: hr.Gray}
			for c := 0; c < 3; c++ {
				for y := 0; y < H; y++ {
					copy(ref.RGB[c*W*H+y*W:c*W*H+(y+1)*W], hr.RGB[c*hr.Width*hr.Height+y*hr.Width:])
				}
			}
		}
		p, err := metric.PSNRY(to8(out, W, H, hr.Gray), to8(ref.RGB, W, H, hr.Gray), 4)
		if err != nil {
			t.Fatal(err)
		}
		sum += p
	}
	return sum / float64(len(files))
}

// The fp16 variant of the default pack (float16 graphs, float32 in and out) loads, says it is fp16, and stays
// close to the fp32 pack: ONNX Runtime's CPU provider runs it with fp16 tensors between nodes, so the rounding
// of fp16 storage is tested here; fp16 arithmetic is tested on the GPU (TestGPUFP16).
func TestFP16Pack(t *testing.T) {
	f32 := chainEngine(t, "", false)
	f16 := chainEngine(t, fp16Pack, false)
	if !f16.Info().FP16 || f32.Info().FP16 {
		t.Fatalf("Info().FP16: fp16 pack %v, default %v", f16.Info().FP16, f32.Info().FP16)
	}
	w, h := 64, 48
	img := smooth(w, h, 61)
	a := upscale(t, f32, img, w, h, nil)
	b := upscale(t, f16, img, w, h, nil)
	if p := psnrFloat(a, b); p < 40 {
		t.Errorf("fp16 vs fp32 output PSNR %.1f dB < 40", p)
	} else {
		t.Logf("fp16 vs fp32 output PSNR %.1f dB", p)
	}
	set := filepath.Join("..", "..", "shared", "data", "eval", "Set5")
	if _, err := os.Stat(set); err != nil {
		t.Skipf("%s absent: PSNR-Y change not checked", set)
	}
	p32, p16 := meanPSNRY(t, f32, set), meanPSNRY(t, f16, set)
	t.Logf("Set5 PSNR-Y: fp32 %.4f dB, fp16 %.4f dB (change %+.4f)", p32, p16, p16-p32)
	if math.Abs(p16-p32) > 0.02 {
		t.Errorf("fp16 changes Set5 PSNR-Y by %+.4f dB (> 0.02)", p16-p32)
	}
}
