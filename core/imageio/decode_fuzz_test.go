package imageio

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"math"
	"os"
	"testing"
)

// fuzzLimits are small, so that the fuzzer spends its time in the decoders, and make both header checks
// (input pixels, ×4 output pixels) reachable.
var fuzzLimits = Limits{MaxPixels: 1 << 16, MaxFileBytes: 1 << 20, OutputScale: 4, MaxOutputPixels: 1 << 19}

// decodeSeeds returns small real images: the package's and the example's test files, and a 7×5 pattern
// written by this package's encoder in every format it writes (8- and 16-bit, gray, alpha) plus GIF.
func decodeSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, file := range []string{"testdata/cmyk.jpg", "testdata/p3.jpg", "../../examples/data/balloons.png"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	const w, h = 7, 5
	pattern := func(gray, alpha bool, depth int) *Image {
		img := &Image{Width: w, Height: h, RGB: make([]float32, 3*w*h), Gray: gray, Depth: depth}
		if alpha {
			img.Alpha = make([]float32, w*h)
		}
		for i := range w * h {
			for c := range 3 {
				v := float32((i*37+c*53)%256)/127.5 - 1
				if gray {
					v = float32((i*37)%256)/127.5 - 1
				}
				img.RGB[c*w*h+i] = v
			}
			if alpha {
				img.Alpha[i] = float32((i*29)%256)/127.5 - 1
			}
		}
		return img
	}
	encodes := []struct {
		img    *Image
		format string
	}{
		{pattern(false, false, 8), "png"}, {pattern(false, true, 16), "png"}, {pattern(true, true, 8), "png"},
		{pattern(false, false, 8), "jpeg"}, {pattern(true, false, 8), "jpeg"},
		{pattern(false, true, 8), "webp"}, {pattern(false, false, 16), "tiff"}, {pattern(true, false, 8), "tiff"},
	}
	if HEIFSupported() {
		encodes = append(encodes, struct {
			img    *Image
			format string
		}{pattern(false, false, 8), "avif"})
	}
	for _, e := range encodes {
		data, err := Encode(e.img, EncodeOptions{Format: e.format, Strip: true})
		if err != nil {
			f.Fatalf("encode %s seed: %v", e.format, err)
		}
		seeds = append(seeds, data)
	}
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Transparent, color.Black, color.White,
		color.RGBA{200, 30, 60, 255}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 4)
	}
	var g bytes.Buffer
	if err := gif.Encode(&g, pal, nil); err != nil {
		f.Fatal(err)
	}
	return append(seeds, g.Bytes())
}

// FuzzDecode: Decode never panics or crashes libvips; every error is an *Error of op "decode" with a message
// whose kind is ErrCorrupt, ErrUnsupported or ErrTooLarge (never ErrInvalid or ErrInternal: bytes from outside
// are bad input, not a bug); an accepted image has w·h within the limits, 3·w·h colour samples (and w·h alpha
// samples) that are finite and in [-1, 1], a known depth and format, and survives a lossless PNG encode →
// decode round trip to within half a level of its depth.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, fuzzLimits)
		if err != nil {
			if img != nil {
				t.Fatalf("Decode returned an image and the error %v", err)
			}
			var e *Error
			if !errors.As(err, &e) || e.Op != "decode" || e.Msg == "" {
				t.Fatalf("error %T %q is not a decode *Error with a message", err, err)
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %q has kind %v, want corrupt, unsupported or too large", err, e.Kind)
			}
			return
		}
		if err := img.validate("fuzz"); err != nil {
			t.Fatalf("decoded image is invalid: %v", err)
		}
		n := int64(img.Width) * int64(img.Height)
		if n > fuzzLimits.MaxPixels || 16*n > fuzzLimits.MaxOutputPixels {
			t.Fatalf("decoded %d×%d beyond the limits %+v", img.Width, img.Height, fuzzLimits)
		}
		switch img.Format {
		case "jpeg", "png", "webp", "tiff", "gif", "heif", "avif":
		default:
			t.Fatalf("format %q", img.Format)
		}
		if img.Depth != 8 && img.Depth != 16 {
			t.Fatalf("depth %d", img.Depth)
		}
		for _, plane := range [][]float32{img.RGB, img.Alpha} {
			for i, v := range plane {
				if !(v >= -1 && v <= 1) { // also NaN
					t.Fatalf("sample %d = %v outside [-1, 1]", i, v)
				}
			}
		}
		if img.Gray {
			p := int(n)
			for i := range p {
				if img.RGB[i] != img.RGB[p+i] || img.RGB[i] != img.RGB[2*p+i] {
					t.Fatalf("gray image with different planes at %d", i)
				}
			}
		}
		png, err := Encode(img, EncodeOptions{Format: "png", Strip: true})
		if err != nil {
			t.Fatalf("encode the decoded image as PNG: %v", err)
		}
		back, err := Decode(png, fuzzLimits)
		if err != nil {
			t.Fatalf("decode the PNG of a decoded image: %v", err)
		}
		if back.Width != img.Width || back.Height != img.Height || back.Gray != img.Gray || back.Depth != img.Depth ||
			(back.Alpha == nil) != (img.Alpha == nil) {
			t.Fatalf("PNG round trip changed the layout: %dx%d gray=%v depth=%d alpha=%v → %dx%d gray=%v depth=%d alpha=%v",
				img.Width, img.Height, img.Gray, img.Depth, img.Alpha != nil,
				back.Width, back.Height, back.Gray, back.Depth, back.Alpha != nil)
		}
		tol := 1/float64(int(1)<<img.Depth-1) + 1e-6 // half a level, in [-1, 1] units
		for _, pair := range [][2][]float32{{img.RGB, back.RGB}, {img.Alpha, back.Alpha}} {
			for i := range pair[0] {
				if d := math.Abs(float64(pair[0][i] - pair[1][i])); d > tol {
					t.Fatalf("PNG round trip moved sample %d by %g (> %g)", i, d, tol)
				}
			}
		}
	})
}
