package imageio

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
)

func sameImage(t *testing.T, got, want *Image) {
	t.Helper()
	if got.Width != want.Width || got.Height != want.Height || got.Depth != want.Depth ||
		got.Gray != want.Gray || (got.Alpha != nil) != (want.Alpha != nil) {
		t.Fatalf("got %d×%d depth %d gray %v alpha %v, want %d×%d depth %d gray %v alpha %v",
			got.Width, got.Height, got.Depth, got.Gray, got.Alpha != nil,
			want.Width, want.Height, want.Depth, want.Gray, want.Alpha != nil)
	}
	for i := range want.RGB {
		if got.RGB[i] != want.RGB[i] {
			t.Fatalf("RGB[%d] = %v, want %v", i, got.RGB[i], want.RGB[i])
		}
	}
	for i := range want.Alpha {
		if got.Alpha[i] != want.Alpha[i] {
			t.Fatalf("Alpha[%d] = %v, want %v", i, got.Alpha[i], want.Alpha[i])
		}
	}
}

// TestRoundTripLossless: decode → encode → decode is exact (8- and 16-bit)
// and keeps size, depth, gray/colour and alpha.
func TestRoundTripLossless(t *testing.T) {
	const w, h = 19, 13
	sources := map[string]func(t *testing.T) []byte{
		"rgb8":       func(t *testing.T) []byte { return encPNG(t, nrgba(w, h, false)) },
		"rgba8":      func(t *testing.T) []byte { return encPNG(t, nrgba(w, h, true)) },
		"rgb16":      func(t *testing.T) []byte { return encPNG(t, nrgba64(w, h, false)) },
		"rgba16":     func(t *testing.T) []byte { return encPNG(t, nrgba64(w, h, true)) },
		"gray8":      func(t *testing.T) []byte { return encPNG(t, gray8(w, h)) },
		"gray16":     func(t *testing.T) []byte { return encPNG(t, gray16(w, h)) },
		"gray+alpha": func(t *testing.T) []byte { return grayAlphaPNG(t, w, h) },
	}
	cases := []struct {
		src    string
		opt    EncodeOptions
		format string
	}{
		{"rgb8", EncodeOptions{}, "png"},
		{"rgba8", EncodeOptions{}, "png"},
		{"rgb16", EncodeOptions{}, "png"},
		{"rgba16", EncodeOptions{}, "png"},
		{"gray8", EncodeOptions{}, "png"},
		{"gray16", EncodeOptions{}, "png"},
		{"gray+alpha", EncodeOptions{}, "png"},
		{"rgba16", EncodeOptions{Format: "TIFF"}, "tiff"},
		{"gray16", EncodeOptions{Format: "tif"}, "tiff"},
		{"gray+alpha", EncodeOptions{Format: "tiff"}, "tiff"},
		{"rgba8", EncodeOptions{Format: "webp", Lossless: true}, "webp"},
		{"rgb8", EncodeOptions{Format: "webp", Lossless: true, Strip: true}, "webp"},
	}
	for _, tc := range cases {
		t.Run(tc.src+"→"+tc.format, func(t *testing.T) {
			img := mustDecode(t, sources[tc.src](t))
			back := mustDecode(t, mustEncode(t, img, tc.opt))
			if back.Format != tc.format {
				t.Fatalf("format %q, want %q", back.Format, tc.format)
			}
			sameImage(t, back, img)
		})
	}
}

func TestEncodeJPEG(t *testing.T) {
	img := mustDecode(t, encPNG(t, smooth(32, 24)))
	def := mustEncode(t, img, EncodeOptions{Format: "jpg"})
	low := mustEncode(t, img, EncodeOptions{Format: "jpeg", Quality: 30})
	if len(low) >= len(def) {
		t.Errorf("quality 30 gives %d bytes, default (%d) gives %d", len(low), DefaultJPEGQuality, len(def))
	}
	back := mustDecode(t, def)
	if back.Format != "jpeg" || back.Width != 32 || back.Height != 24 || back.Depth != 8 || back.Gray {
		t.Fatalf("got %s %d×%d depth %d gray %v", back.Format, back.Width, back.Height, back.Depth, back.Gray)
	}
	var sum float64
	for i := range img.RGB {
		sum += math.Abs(float64(back.RGB[i]-img.RGB[i])) * 127.5
	}
	if mae := sum / float64(len(img.RGB)); mae > 1.5 {
		t.Errorf("mean abs error %.2f levels at the default quality", mae)
	}
}

func TestEncodeLayoutRules(t *testing.T) {
	rgba16 := mustDecode(t, encPNG(t, nrgba64(8, 6, true)))
	gray := mustDecode(t, encPNG(t, gray8(8, 6)))
	gif := mustDecode(t, encGIF(t, paletted(8, 6)))

	cases := []struct {
		name        string
		img         *Image
		opt         EncodeOptions
		format      string
		depth       int
		gray, alpha bool
	}{
		{"16-bit forced to jpeg is 8-bit, alpha flattened", rgba16, EncodeOptions{Format: "jpeg"}, "jpeg", 8, false, false},
		{"16-bit to webp is 8-bit with alpha", rgba16, EncodeOptions{Format: "webp", Lossless: true}, "webp", 8, false, true},
		{"gray to jpeg stays gray", gray, EncodeOptions{Format: "jpeg"}, "jpeg", 8, true, false},
		{"gray to webp becomes RGB", gray, EncodeOptions{Format: "webp"}, "webp", 8, false, false},
		{"gif source defaults to png", gif, EncodeOptions{}, "png", 8, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			back := mustDecode(t, mustEncode(t, tc.img, tc.opt))
			if back.Format != tc.format || back.Depth != tc.depth || back.Gray != tc.gray || (back.Alpha != nil) != tc.alpha {
				t.Fatalf("got %s depth %d gray %v alpha %v, want %s %d %v %v",
					back.Format, back.Depth, back.Gray, back.Alpha != nil, tc.format, tc.depth, tc.gray, tc.alpha)
			}
		})
	}
}

func TestEncodeFlattenOnWhite(t *testing.T) {
	img := &Image{
		Width: 16, Height: 8, Depth: 8, Format: "png",
		RGB:   make([]float32, 3*16*8),
		Alpha: make([]float32, 16*8),
	}
	n := 16 * 8
	for i := 0; i < n; i++ {
		img.RGB[i], img.RGB[n+i], img.RGB[2*n+i] = 1, -1, -1 // red
		img.Alpha[i] = 1                                     // opaque
		if i%16 >= 8 {
			img.Alpha[i] = -1 // transparent right half
		}
	}
	back := mustDecode(t, mustEncode(t, img, EncodeOptions{Format: "jpeg", Quality: 100}))
	near(t, back, 3, 4, [3]int{255, 0, 0}, 3)
	near(t, back, 12, 4, [3]int{255, 255, 255}, 3)
}

func TestEncodeGrayIsMean(t *testing.T) {
	img := &Image{Width: 1, Height: 1, Depth: 8, Gray: true, RGB: []float32{v8(30), v8(60), v8(120)}}
	back := mustDecode(t, mustEncode(t, img, EncodeOptions{Format: "png"}))
	if !back.Gray || to8(back.RGB[0]) != 70 {
		t.Fatalf("gray %v value %d, want mean 70", back.Gray, to8(back.RGB[0]))
	}
}

func TestEncodeRounding(t *testing.T) {
	// Values between levels round to the nearest; out of range clamps.
	vals := []float32{v8(10) + 0.4/127.5, v8(10) + 0.6/127.5, -3, 7}
	img := &Image{Width: 4, Height: 1, Depth: 8, Gray: true,
		RGB: append(append(append([]float32{}, vals...), vals...), vals...)}
	back := mustDecode(t, mustEncode(t, img, EncodeOptions{Format: "png"}))
	want := []int{10, 11, 0, 255}
	for i, w := range want {
		if got := to8(back.RGB[i]); got != w {
			t.Errorf("sample %d = %d, want %d", i, got, w)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	good := func() *Image {
		return &Image{Width: 2, Height: 2, Depth: 8, RGB: make([]float32, 12), Alpha: make([]float32, 4), Format: "png"}
	}
	nan := good()
	nan.RGB[7] = float32(math.NaN())
	inf := good()
	inf.Alpha[3] = float32(math.Inf(1))
	shortRGB := good()
	shortRGB.RGB = shortRGB.RGB[:11]
	shortA := good()
	shortA.Alpha = shortA.Alpha[:3]
	depth := good()
	depth.Depth = 12
	zero := good()
	zero.Width = 0

	cases := []struct {
		name string
		img  *Image
		opt  EncodeOptions
		msg  string
	}{
		{"nil", nil, EncodeOptions{}, "nil image"},
		{"zero size", zero, EncodeOptions{}, "image size 0×2"},
		{"short RGB", shortRGB, EncodeOptions{}, "RGB has 11 samples"},
		{"short Alpha", shortA, EncodeOptions{}, "Alpha has 3 samples"},
		{"depth", depth, EncodeOptions{}, "depth 12"},
		{"NaN", nan, EncodeOptions{}, "RGB sample (c=1, y=1, x=1) is NaN"},
		{"Inf alpha", inf, EncodeOptions{}, "Alpha sample (y=1, x=1) is +Inf"},
		{"format", good(), EncodeOptions{Format: "bmp"}, `output format "bmp"`},
		{"quality", good(), EncodeOptions{Format: "jpeg", Quality: 101}, "quality 101"},
		{"lossless jpeg", good(), EncodeOptions{Format: "jpeg", Lossless: true}, "jpeg cannot be lossless"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Encode(tc.img, tc.opt)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "imageio: encode: ") {
				t.Fatalf("error %v, want ErrInvalid with %q", err, tc.msg)
			}
		})
	}
}

func TestEncodeMetadata(t *testing.T) {
	src := mustDecode(t, readFixture(t, "p3.jpg"))
	if src.Meta == nil || src.Meta.ICC == nil || src.Meta.EXIF == nil {
		t.Fatal("fixture should carry ICC and EXIF")
	}
	cases := []struct {
		name string
		img  func() *Image
		opt  EncodeOptions
		icc  bool
		exif bool
	}{
		{"png keeps", func() *Image { return src }, EncodeOptions{Format: "png"}, true, true},
		{"jpeg keeps", func() *Image { return src }, EncodeOptions{}, true, true},
		{"webp keeps", func() *Image { return src }, EncodeOptions{Format: "webp"}, true, true},
		{"strip", func() *Image { return src }, EncodeOptions{Format: "png", Strip: true}, false, false},
		{"gray output is untagged", func() *Image { c := *src; c.Gray = true; return &c }, EncodeOptions{Format: "png"}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := mustEncode(t, tc.img(), tc.opt)
			ref, err := vips.NewImageFromBuffer(out)
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			if got := ref.HasICCProfile(); got != tc.icc {
				t.Errorf("ICC profile present = %v, want %v", got, tc.icc)
			}
			if got := ref.HasExif(); got != tc.exif {
				t.Errorf("EXIF present = %v, want %v", got, tc.exif)
			}
			if tc.icc {
				// The written profile is the sRGB one: decoding again is
				// (nearly) the identity.
				back := mustDecode(t, out)
				if !bytes.Equal(back.Meta.ICC, src.Meta.ICC) {
					t.Error("written profile differs from Meta.ICC")
				}
				near(t, back, 3, 3, [3]int{to8(at(src, 0, 3, 3)), to8(at(src, 1, 3, 3)), to8(at(src, 2, 3, 3))}, 2)
			}
		})
	}
}
