package testimg_test

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/internal/testimg"
)

// TestReadPNGMatchesImageio: the standard-library reader that engine-only
// tests use (no libvips) gives the samples core/imageio decodes, bit for
// bit, for 8-bit RGB, gray, paletted and 16-bit PNGs, and for the Set5 and
// Set14 evaluation images when ../shared/data is present.
func TestReadPNGMatchesImageio(t *testing.T) {
	const w, h = 7, 5
	rgb := image.NewNRGBA(image.Rect(0, 0, w, h))
	gray := image.NewGray(image.Rect(0, 0, w, h))
	gray16 := image.NewGray16(image.Rect(0, 0, w, h))
	rgb16 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{250, 128, 0, 255}})
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			rgb.Set(x, y, color.NRGBA{uint8(37 * x), uint8(51 * y), uint8(x * y), 255})
			gray.Set(x, y, color.Gray{uint8(36*x + y)})
			gray16.Set(x, y, color.Gray16{uint16(9000*x + 17*y)})
			rgb16.Set(x, y, color.NRGBA64{uint16(9000 * x), uint16(13000 * y), uint16(77 * x * y), 0xffff})
			pal.SetColorIndex(x, y, uint8((x+y)%2))
		}
	}
	dir := t.TempDir()
	files := map[string]string{}
	for name, im := range map[string]image.Image{"rgb8": rgb, "gray8": gray, "gray16": gray16, "rgb16": rgb16, "palette": pal} {
		p := filepath.Join(dir, name+".png")
		if err := os.WriteFile(p, testimg.EncodePNG(im), 0o644); err != nil {
			t.Fatal(err)
		}
		files[name] = p
	}
	if root := filepath.Join(testimg.ModuleRoot(t), "..", "shared", "data", "eval"); dirExists(root) {
		for _, set := range []string{"Set5", "Set14"} {
			for _, sub := range []string{"LR_x4", "HR"} {
				m, _ := filepath.Glob(filepath.Join(root, set, sub, "*.png"))
				for _, p := range m {
					files[set+"/"+sub+"/"+filepath.Base(p)] = p
				}
			}
		}
	} else {
		t.Logf("%s absent: generated images only", root)
	}
	for name, p := range files {
		t.Run(name, func(t *testing.T) {
			got, err := testimg.ReadPNG(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := imageio.DecodeFile(p, imageio.Limits{MaxPixels: -1, MaxFileBytes: -1})
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != want.Width || got.Height != want.Height || got.Gray != want.Gray || len(got.RGB) != len(want.RGB) {
				t.Fatalf("%d×%d gray %v (%d samples), imageio %d×%d gray %v (%d samples)", got.Width, got.Height, got.Gray,
					len(got.RGB), want.Width, want.Height, want.Gray, len(want.RGB))
			}
			for i := range got.RGB {
				if got.RGB[i] != want.RGB[i] {
					t.Fatalf("sample %d: %v, imageio %v", i, got.RGB[i], want.RGB[i])
				}
			}
		})
	}
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
