package imageio

import (
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
)

// want8 checks every RGB sample against the contract mapping of f.
func want8(t *testing.T, img *Image, f func(x, y, c int) uint8) {
	t.Helper()
	for c := 0; c < 3; c++ {
		for y := 0; y < img.Height; y++ {
			for x := 0; x < img.Width; x++ {
				if got, want := at(img, c, x, y), v8(f(x, y, c)); got != want {
					t.Fatalf("RGB(c=%d, x=%d, y=%d) = %v, want %v", c, x, y, got, want)
				}
			}
		}
	}
}

func want16(t *testing.T, img *Image, f func(x, y, c int) uint16) {
	t.Helper()
	for c := 0; c < 3; c++ {
		for y := 0; y < img.Height; y++ {
			for x := 0; x < img.Width; x++ {
				if got, want := at(img, c, x, y), v16(f(x, y, c)); got != want {
					t.Fatalf("RGB(c=%d, x=%d, y=%d) = %v, want %v", c, x, y, got, want)
				}
			}
		}
	}
}

func wantAlpha8(t *testing.T, img *Image, f func(x, y int) uint8) {
	t.Helper()
	if img.Alpha == nil {
		t.Fatal("no alpha")
	}
	for y := 0; y < img.Height; y++ {
		for x := 0; x < img.Width; x++ {
			if got, want := img.Alpha[y*img.Width+x], v8(f(x, y)); got != want {
				t.Fatalf("Alpha(x=%d, y=%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// wantAlpha16 checks a 16-bit alpha made of alphaLevel·257.
func wantAlpha16(t *testing.T, img *Image) {
	t.Helper()
	if img.Alpha == nil {
		t.Fatal("no alpha")
	}
	for y := 0; y < img.Height; y++ {
		for x := 0; x < img.Width; x++ {
			if got, want := img.Alpha[y*img.Width+x], v16(uint16(alphaLevel(x, y))*257); got != want {
				t.Fatalf("Alpha(x=%d, y=%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// near checks that the 8-bit rounding of sample (c, x, y) is within tol of want.
func near(t *testing.T, img *Image, x, y int, want [3]int, tol int) {
	t.Helper()
	for c := 0; c < 3; c++ {
		if got := to8(at(img, c, x, y)); got < want[c]-tol || got > want[c]+tol {
			t.Errorf("pixel (%d,%d) = (%d,%d,%d), want (%d,%d,%d) ±%d", x, y,
				to8(at(img, 0, x, y)), to8(at(img, 1, x, y)), to8(at(img, 2, x, y)), want[0], want[1], want[2], tol)
			return
		}
	}
}

// smooth is a low-frequency RGB pattern that survives JPEG well.
func smooth(w, h int) *image.NRGBA {
	im := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			im.SetNRGBA(x, y, color.NRGBA{uint8(40 + x*160/(w-1)), uint8(40 + y*160/(h-1)), 128, 255})
		}
	}
	return im
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeLayouts(t *testing.T) {
	const w, h = 23, 17
	pal := func(x, y int) color.NRGBA { return palette[(x+y)%len(palette)].(color.NRGBA) }
	gifPal := color.Palette{color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 255}, color.NRGBA{0, 0, 255, 255}, color.NRGBA{10, 20, 30, 255}}
	gifImg := paletted(w, h)
	gifImg.Palette = gifPal

	cases := []struct {
		name        string
		data        func(t *testing.T) []byte
		format      string
		gray, alpha bool
		depth       int
		check       func(t *testing.T, img *Image)
	}{
		{"png rgb8", func(t *testing.T) []byte { return encPNG(t, nrgba(w, h, false)) }, "png", false, false, 8,
			func(t *testing.T, img *Image) { want8(t, img, level) }},
		{"png rgba8", func(t *testing.T) []byte { return encPNG(t, nrgba(w, h, true)) }, "png", false, true, 8,
			func(t *testing.T, img *Image) { want8(t, img, level); wantAlpha8(t, img, alphaLevel) }},
		{"png rgb16", func(t *testing.T) []byte { return encPNG(t, nrgba64(w, h, false)) }, "png", false, false, 16,
			func(t *testing.T, img *Image) { want16(t, img, level16) }},
		{"png rgba16", func(t *testing.T) []byte { return encPNG(t, nrgba64(w, h, true)) }, "png", false, true, 16,
			func(t *testing.T, img *Image) { want16(t, img, level16); wantAlpha16(t, img) }},
		{"png gray8", func(t *testing.T) []byte { return encPNG(t, gray8(w, h)) }, "png", true, false, 8,
			func(t *testing.T, img *Image) { want8(t, img, func(x, y, _ int) uint8 { return level(x, y, 0) }) }},
		{"png gray16", func(t *testing.T) []byte { return encPNG(t, gray16(w, h)) }, "png", true, false, 16,
			func(t *testing.T, img *Image) { want16(t, img, func(x, y, _ int) uint16 { return level16(x, y, 0) }) }},
		{"png gray+alpha", func(t *testing.T) []byte { return grayAlphaPNG(t, w, h) }, "png", true, true, 8,
			func(t *testing.T, img *Image) {
				want8(t, img, func(x, y, _ int) uint8 { return level(x, y, 0) })
				wantAlpha8(t, img, alphaLevel)
			}},
		{"png palette with transparency", func(t *testing.T) []byte { return encPNG(t, paletted(w, h)) }, "png", false, true, 8,
			func(t *testing.T, img *Image) {
				want8(t, img, func(x, y, c int) uint8 { p := pal(x, y); return [3]uint8{p.R, p.G, p.B}[c] })
				wantAlpha8(t, img, func(x, y int) uint8 { return pal(x, y).A })
			}},
		{"gif palette", func(t *testing.T) []byte { return encGIF(t, gifImg) }, "gif", false, false, 8,
			func(t *testing.T, img *Image) {
				want8(t, img, func(x, y, c int) uint8 {
					p := gifPal[(x+y)%len(gifPal)].(color.NRGBA)
					return [3]uint8{p.R, p.G, p.B}[c]
				})
			}},
		{"tiff rgba16", func(t *testing.T) []byte { return govipsExport(t, encPNG(t, nrgba64(w, h, true)), nil, exportTIFF) }, "tiff", false, true, 16,
			func(t *testing.T, img *Image) { want16(t, img, level16); wantAlpha16(t, img) }},
		{"webp lossless rgba", func(t *testing.T) []byte {
			return govipsExport(t, encPNG(t, nrgba(w, h, true)), nil, exportWebPLossless)
		}, "webp", false, true, 8,
			func(t *testing.T, img *Image) { want8(t, img, level); wantAlpha8(t, img, alphaLevel) }},
		{"jpeg rgb", func(t *testing.T) []byte { return govipsExport(t, encPNG(t, smooth(32, 24)), nil, exportJPEG(95)) }, "jpeg", false, false, 8,
			func(t *testing.T, img *Image) {
				near(t, img, 0, 0, [3]int{40, 40, 128}, 4)
				near(t, img, 31, 23, [3]int{200, 200, 128}, 4)
			}},
		{"avif", func(t *testing.T) []byte {
			return govipsExport(t, encPNG(t, smooth(32, 24)), nil, func(r *vips.ImageRef) ([]byte, *vips.ImageMetadata, error) {
				p := vips.NewAvifExportParams()
				p.Quality = 90
				return r.ExportAvif(p)
			})
		}, "avif", false, false, 8,
			func(t *testing.T, img *Image) {
				near(t, img, 0, 0, [3]int{40, 40, 128}, 8)
				near(t, img, 31, 23, [3]int{200, 200, 128}, 8)
			}},
		{"jpeg gray", func(t *testing.T) []byte { return govipsExport(t, encPNG(t, gray8(16, 16)), nil, exportJPEG(90)) }, "jpeg", true, false, 8,
			func(t *testing.T, img *Image) {
				n := img.Width * img.Height
				for i := 0; i < n; i++ {
					if img.RGB[i] != img.RGB[n+i] || img.RGB[i] != img.RGB[2*n+i] {
						t.Fatalf("gray planes differ at %d", i)
					}
				}
			}},
		{"jpeg with Display P3 profile", func(t *testing.T) []byte { return readFixture(t, "p3.jpg") }, "jpeg", false, false, 8,
			func(t *testing.T, img *Image) {
				// Stored P3 values are about (184,50,41) and (96,197,67);
				// converted to sRGB they are the original colours.
				near(t, img, 3, 3, [3]int{200, 30, 30}, 3)
				near(t, img, 12, 3, [3]int{30, 200, 30}, 8)
				if img.Meta == nil || len(img.Meta.ICC) == 0 {
					t.Error("Meta.ICC: want the sRGB profile of the converted pixels")
				}
			}},
		{"jpeg cmyk without profile", func(t *testing.T) []byte { return readFixture(t, "cmyk.jpg") }, "jpeg", false, false, 8,
			func(t *testing.T, img *Image) {
				near(t, img, 3, 3, [3]int{180, 90, 70}, 4)
				near(t, img, 12, 3, [3]int{70, 120, 170}, 4)
			}},
		{"tiff float scRGB", func(t *testing.T) []byte {
			return govipsExport(t, encPNG(t, nrgba(w, h, false)), func(r *vips.ImageRef) (*vips.ImageRef, error) {
				return r, r.ToColorSpace(vips.InterpretationScRGB)
			}, exportTIFF)
		}, "tiff", false, false, 16,
			func(t *testing.T, img *Image) {
				for _, p := range [][2]int{{0, 0}, {5, 3}, {22, 16}, {11, 9}} {
					x, y := p[0], p[1]
					near(t, img, x, y, [3]int{int(level(x, y, 0)), int(level(x, y, 1)), int(level(x, y, 2))}, 1)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(tc.data(t), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if img.Format != tc.format || img.Gray != tc.gray || (img.Alpha != nil) != tc.alpha || img.Depth != tc.depth {
				t.Fatalf("got format=%q gray=%v alpha=%v depth=%d, want %q %v %v %d",
					img.Format, img.Gray, img.Alpha != nil, img.Depth, tc.format, tc.gray, tc.alpha, tc.depth)
			}
			if len(img.RGB) != 3*img.Width*img.Height {
				t.Fatalf("len(RGB) = %d for %d×%d", len(img.RGB), img.Width, img.Height)
			}
			for i, v := range img.RGB {
				if v < -1 || v > 1 {
					t.Fatalf("RGB[%d] = %v out of [-1, 1]", i, v)
				}
			}
			tc.check(t, img)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	big := encPNG(t, nrgba(64, 64, false))
	bigJPEG := govipsExport(t, big, nil, exportJPEG(90))
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`)
	cases := []struct {
		name string
		data []byte
		lim  Limits
		kind error
		msg  string
	}{
		{"empty", nil, Limits{}, ErrCorrupt, "empty input"},
		{"text", []byte("hello world, not an image"), Limits{}, ErrUnsupported, "unsupported format or corrupt image data (first bytes 68 65 6c 6c 6f 20 77 6f; accepted: jpeg, png, webp, tiff, gif, heif/avif)"},
		{"svg", svg, Limits{}, ErrUnsupported, `unsupported format "svg"`},
		{"header declares 100000×100000", hugePNG(100000, 100000), Limits{}, ErrTooLarge, "100000×100000"},
		{"header above MaxPixels", big, Limits{MaxPixels: 1000}, ErrTooLarge, "limit 1000"},
		{"above MaxFileBytes", big, Limits{MaxFileBytes: 100}, ErrTooLarge, "limit 100"},
		{"zero width header", hugePNG(0, 10), Limits{}, ErrCorrupt, ""},
		{"png signature only", big[:8], Limits{}, ErrCorrupt, ""},
		{"png truncated", big[:len(big)*6/10], Limits{}, ErrCorrupt, "truncated"},
		{"png truncated, lenient", big[:len(big)*6/10], Limits{Lenient: true}, ErrCorrupt, "truncated"},
		{"jpeg truncated", bigJPEG[:len(bigJPEG)*6/10], Limits{}, ErrCorrupt, "truncated"},
		{"jpeg truncated, lenient", bigJPEG[:len(bigJPEG)*6/10], Limits{Lenient: true}, ErrCorrupt, "truncated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(tc.data, tc.lim)
			if err == nil {
				t.Fatalf("Decode succeeded (%d×%d), want error", img.Width, img.Height)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q is not %v", err, tc.kind)
			}
			if !strings.HasPrefix(err.Error(), "imageio: decode: ") || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want prefix %q and %q", err, "imageio: decode: ", tc.msg)
			}
		})
	}
}

func TestDecodeUnlimited(t *testing.T) {
	data := encPNG(t, nrgba(64, 64, false))
	if _, err := Decode(data, Limits{MaxPixels: -1, MaxFileBytes: -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(data, Limits{MaxPixels: 64 * 64, MaxFileBytes: int64(len(data))}); err != nil {
		t.Fatalf("limits are inclusive: %v", err)
	}
}

func TestDecodeFile(t *testing.T) {
	dir := t.TempDir()
	data := encPNG(t, nrgba(8, 8, false))
	ok := filepath.Join(dir, "ok.png")
	if err := os.WriteFile(ok, data, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := DecodeFile(ok, Limits{})
	if err != nil || img.Width != 8 {
		t.Fatalf("DecodeFile: %v", err)
	}

	cases := []struct {
		name string
		path string
		lim  Limits
		kind error
	}{
		{"missing", filepath.Join(dir, "nope.png"), Limits{}, ErrInvalid},
		{"directory", dir, Limits{}, ErrInvalid},
		{"above MaxFileBytes", ok, Limits{MaxFileBytes: 10}, ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeFile(tc.path, tc.lim)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want %v", err, tc.kind)
			}
		})
	}
	_, err = DecodeFile(ok, Limits{MaxPixels: 10})
	if err == nil || !strings.Contains(err.Error(), ok) {
		t.Errorf("error %v should name the file", err)
	}
}

func TestCheckOutput(t *testing.T) {
	var l Limits
	if err := l.CheckOutput(16384, 16384); err != nil {
		t.Errorf("default limit: %v", err)
	}
	if err := l.CheckOutput(16385, 16384); !errors.Is(err, ErrTooLarge) {
		t.Errorf("above default: %v", err)
	}
	if err := (Limits{MaxOutputPixels: -1}).CheckOutput(1<<20, 1<<20); err != nil {
		t.Errorf("unlimited: %v", err)
	}
	if err := l.CheckOutput(0, 5); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero size: %v", err)
	}
}

// TestDecodeGrayProfile: a gray JPEG with an embedded gray ICC profile stays
// Gray (identical planes after the ICC transform) and is written gray and
// untagged. The profile comes from Debian's ghostscript data, if installed.
func TestDecodeGrayProfile(t *testing.T) {
	const prof = "/usr/share/color/icc/ghostscript/default_gray.icc"
	if _, err := os.Stat(prof); err != nil {
		t.Skip("no gray ICC profile on this machine:", err)
	}
	data := govipsExport(t, encPNG(t, gray8(16, 16)), func(r *vips.ImageRef) (*vips.ImageRef, error) {
		if err := r.ToColorSpace(vips.InterpretationSRGB); err != nil {
			return nil, err
		}
		return r, r.TransformICCProfile(prof) // → 1 band + gray profile
	}, exportJPEG(98))
	img := mustDecode(t, data)
	if !img.Gray || img.Depth != 8 {
		t.Fatalf("gray %v depth %d", img.Gray, img.Depth)
	}
	n := img.Width * img.Height
	for i := 0; i < n; i++ {
		if d := img.RGB[i] - img.RGB[n+i]; d > 1.0/127.5 || d < -1.0/127.5 {
			t.Fatalf("planes differ at %d: %v %v", i, img.RGB[i], img.RGB[n+i])
		}
	}
	out := mustEncode(t, img, EncodeOptions{Format: "png"})
	ref, err := vips.NewImageFromBuffer(out)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if ref.Bands() != 1 || ref.HasICCProfile() {
		t.Errorf("written %d bands, ICC %v; want 1 band, untagged", ref.Bands(), ref.HasICCProfile())
	}
}
