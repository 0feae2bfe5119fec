package metric

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/core/resample"

	"github.com/resshift/resshift/internal/testimg"
)

func dataDir(t testing.TB) string { return testimg.DataDir(t) }

func loadPNG(t testing.TB, path string) *Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return FromImage(img)
}

// upscaleBicubic is MATLAB's imresize(lr, s, 'bicubic') on an 8-bit image:
// with uint8Passes each axis pass is rounded to uint8 (as MATLAB does for
// uint8 input), otherwise the float result is rounded once.
func upscaleBicubic(lr *Image, s int, k resample.Kernel, uint8Passes bool) *Image {
	w, h, c := lr.W, lr.H, lr.channels()
	planar := make([]uint8, c*w*h)
	for i := 0; i < w*h; i++ {
		for ch := 0; ch < c; ch++ {
			planar[ch*w*h+i] = lr.Pix[c*i+ch]
		}
	}
	r := resample.NewResizerFactor(h, w, float64(s), k)
	var up []uint8
	if uint8Passes {
		up = r.ResizeUint8(planar, c)
	} else {
		f := make([]float32, len(planar))
		for i, v := range planar {
			f[i] = float32(v)
		}
		out := r.Resize(f, c)
		up = make([]uint8, len(out))
		for i, v := range out {
			up[i] = uint8(math.Round(math.Min(255, math.Max(0, float64(v)))))
		}
	}
	W, H := s*w, s*h
	m := &Image{W: W, H: H, C: c, Pix: make([]uint8, c*W*H)}
	for i := 0; i < W*H; i++ {
		for ch := 0; ch < c; ch++ {
			m.Pix[c*i+ch] = up[ch*W*H+i]
		}
	}
	return m
}

// modCrop returns the top-left w×h part of m.
func modCrop(m *Image, w, h int) *Image {
	c := m.channels()
	out := &Image{W: w, H: h, C: c, Pix: make([]uint8, 0, c*w*h)}
	for y := 0; y < h; y++ {
		out.Pix = append(out.Pix, m.Pix[c*y*m.W:c*(y*m.W+w)]...)
	}
	return out
}

// The bicubic ×4 baseline of SR papers: upscale LR_x4 with MATLAB bicubic
// on uint8 (core/resample Matlab kernel, rounding after each pass), compare
// with the HR mod-cropped to 4·LR size, PSNR-Y / SSIM-Y with a 4-pixel
// border, mean over the set. Published: Set5 28.42 dB, Set14 26.00 dB
// (the latter with the grey "bridge" compared on its grey values).
func TestBicubicBaseline(t *testing.T) {
	data := dataDir(t)
	for _, tc := range []struct {
		set  string
		psnr float64
	}{
		{"Set5", 28.42},
		{"Set14", 26.00},
	} {
		t.Run(tc.set, func(t *testing.T) {
			if testing.Short() && tc.set != "Set5" {
				t.Skip("-short: Set5 only")
			}
			names, _ := filepath.Glob(filepath.Join(data, "eval", tc.set, "LR_x4", "*.png"))
			if len(names) == 0 {
				t.Skipf("%s not present", tc.set)
			}
			var sp, ss float64
			for _, lrPath := range names {
				lr := loadPNG(t, lrPath)
				hr := loadPNG(t, filepath.Join(data, "eval", tc.set, "HR", filepath.Base(lrPath)))
				sr := upscaleBicubic(lr, 4, resample.Matlab, true)
				gt := modCrop(hr, sr.W, sr.H)
				p, err := PSNRY(sr, gt, 4)
				if err != nil {
					t.Fatal(err)
				}
				s, err := SSIMY(sr, gt, 4)
				if err != nil {
					t.Fatal(err)
				}
				sp += p
				ss += s
			}
			n := float64(len(names))
			t.Logf("%s bicubic x4: PSNR-Y %.4f dB, SSIM-Y %.4f (%d images)", tc.set, sp/n, ss/n, len(names))
			if math.Abs(sp/n-tc.psnr) > 0.05 {
				t.Errorf("mean PSNR-Y %.4f, want %.2f ± 0.05", sp/n, tc.psnr)
			}
		})
	}
}
