package pipeline

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/resample"
	"github.com/resshift/resshift/vocab"
)

// UpscaleImageTo: output sizes for every scale, native scale identical to
// UpscaleImage, and ×2 of a smooth image close to MATLAB bicubic ×2.
func TestUpscaleImageTo(t *testing.T) {
	e := defaultEngine(t)
	w, h := 40, 28
	img := &imageio.Image{Width: w, Height: h, RGB: smoothImage(w, h), Alpha: make([]float32, w*h), Depth: 8,
		Meta: &imageio.Metadata{XRes: 2, YRes: 3}}
	for i := range img.Alpha {
		img.Alpha[i] = float32(i%w)/float32(w)*2 - 1
	}
	o := e.Options()
	o.Sampler = vocab.Deterministic
	ctx := context.Background()
	native, _, err := UpscaleImage(ctx, e, img, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{2, 3, 4} {
		out, _, err := UpscaleImageTo(ctx, e, img, s, o)
		if err != nil {
			t.Fatalf("scale %d: %v", s, err)
		}
		if out.Width != w*s || out.Height != h*s || len(out.RGB) != 3*w*s*h*s || len(out.Alpha) != w*s*h*s {
			t.Fatalf("scale %d: %d×%d (%d RGB, %d alpha samples), want %d×%d", s, out.Width, out.Height, len(out.RGB), len(out.Alpha), w*s, h*s)
		}
		if out.Meta.XRes != 2*float64(s) || out.Meta.YRes != 3*float64(s) {
			t.Fatalf("scale %d: resolution %g×%g, want %g×%g", s, out.Meta.XRes, out.Meta.YRes, 2*float64(s), 3*float64(s))
		}
		for _, v := range append(out.RGB, out.Alpha...) {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("scale %d: sample %v outside [-1, 1]", s, v)
			}
		}
		if s == 4 && maxDiff(out.RGB, native.RGB) != 0 {
			t.Fatal("scale 4 (native) differs from UpscaleImage")
		}
		if s == 2 {
			ref := resample.UpscaleMatlab(img.RGB, 3, h, w, 2)
			if p := psnr(out.RGB, ref); p < 35 {
				t.Fatalf("×2 of a smooth image: PSNR %.1f dB against bicubic ×2, want >= 35", p)
			} else {
				t.Logf("×2 vs MATLAB bicubic ×2: PSNR %.1f dB", p)
			}
		}
	}
	for _, s := range []int{0, 1, 5, 8} {
		_, _, err := UpscaleImageTo(ctx, e, img, s, o)
		if !errors.Is(err, core.ErrInvalidInput) {
			t.Errorf("scale %d: error %v, want ErrInvalidInput", s, err)
		}
	}
}

// smoothImage is a band-limited image (slow sines) in [-0.8, 0.8].
func smoothImage(w, h int) []float32 {
	v := make([]float32, 3*w*h)
	for c := 0; c < 3; c++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v[c*w*h+y*w+x] = float32(0.8 * math.Sin(0.21*float64(x)+float64(c)) * math.Cos(0.17*float64(y)-float64(c)))
			}
		}
	}
	return v
}

// psnr of a against b, both in [-1, 1] (peak-to-peak 2).
func psnr(a, b []float32) float64 {
	var se float64
	for i := range a {
		d := float64(a[i] - b[i])
		se += d * d
	}
	mse := se / float64(len(a))
	return 10 * math.Log10(4/mse)
}
