package pipeline

import (
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/internal/testimg"
)

// Engine-level round trips: alpha, 16-bit, grayscale, EXIF orientation and ICC inputs keep their shape,
// depth and orientation through decode → upscale → encode → decode (oracle network: output = bicubic).
func TestImageRoundTrip(t *testing.T) {
	e := testEngine(t, "oracle-x4")
	w, h := 12, 8
	rgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	rgb16 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			rgba.Set(x, y, color.NRGBA{uint8(20 * x), uint8(30 * y), 90, uint8(40 + 15*x)})
			rgb16.Set(x, y, color.NRGBA64{uint16(5000 * x), uint16(7000 * y), 30000, 0xffff})
			gray.Set(x, y, color.Gray{uint8(10*x + 20*y)})
		}
	}
	// 8×4 image: left half red, right half blue; EXIF 6 = rotate 90° clockwise → 4×8, red on top.
	rot := image.NewNRGBA(image.Rect(0, 0, 8, 4))
	for y := 0; y < 4; y++ {
		for x := 0; x < 8; x++ {
			c := color.NRGBA{230, 10, 10, 255}
			if x >= 4 {
				c = color.NRGBA{10, 10, 230, 255}
			}
			rot.Set(x, y, c)
		}
	}
	p3, err := os.ReadFile(filepath.Join("..", "imageio", "testdata", "p3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name           string
		data           []byte
		w, h, channels int
		depth          int
		check          func(t *testing.T, out *imageio.Image)
	}{
		{"rgba8", testimg.EncodePNG(rgba), w, h, 4, 8, nil},
		{"rgb16", testimg.EncodePNG(rgb16), w, h, 3, 16, nil},
		{"gray8", testimg.EncodePNG(gray), w, h, 1, 8, nil},
		{"exif6", testimg.WithEXIF(testimg.EncodePNG(rot), 6), 4, 8, 3, 8, func(t *testing.T, out *imageio.Image) {
			W, H := out.Width, out.Height
			top, bottom := out.RGB[0*W*H+2*W+W/2], out.RGB[0*W*H+(H-3)*W+W/2] // red plane
			if top < 0.5 || bottom > -0.5 {
				t.Errorf("orientation not applied: red plane top %.2f bottom %.2f", top, bottom)
			}
		}},
		{"icc-p3-jpeg", p3, 16, 16, 3, 8, func(t *testing.T, out *imageio.Image) {
			// the left half was sRGB (200,30,30) before conversion to P3: after ICC → sRGB it is red again
			r, g := out.RGB[0*64*64+32*64+8], out.RGB[1*64*64+32*64+8]
			if r < 0.4 || g > -0.5 {
				t.Errorf("ICC not converted to sRGB: r %.2f g %.2f", r, g)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc, _, err := UpscaleBytes(context.Background(), e, c.data, e.Options(), imageio.EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := imageio.Decode(enc, imageio.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if out.Width != 4*c.w || out.Height != 4*c.h {
				t.Errorf("size %d×%d, want %d×%d", out.Width, out.Height, 4*c.w, 4*c.h)
			}
			if out.Channels() != c.channels || out.Depth != c.depth {
				t.Errorf("channels %d depth %d, want %d and %d", out.Channels(), out.Depth, c.channels, c.depth)
			}
			if c.check != nil {
				c.check(t, out)
			}
		})
	}
}

func TestUpscaleBytesBadInput(t *testing.T) {
	e := testEngine(t, "oracle-x4", func(c *core.Config) { c.Limits.MaxOutputPixels = 64 * 64 })
	small := testimg.EncodePNG(image.NewGray(image.Rect(0, 0, 8, 8)))
	big := testimg.EncodePNG(image.NewGray(image.Rect(0, 0, 40, 40)))
	trunc := small[:len(small)/2]
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("hello, not an image")},
		{"truncated png", trunc},
		{"huge header", testimg.HugePNG(100000, 100000)},
		{"output past limit", big},
	} {
		_, _, err := UpscaleBytes(context.Background(), e, c.data, e.Options(), imageio.EncodeOptions{})
		if !errors.Is(err, core.ErrInvalidInput) {
			t.Errorf("%s: got %v, want ErrInvalidInput", c.name, err)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
	if _, _, err := UpscaleBytes(context.Background(), e, small, e.Options(), imageio.EncodeOptions{}); err != nil {
		t.Errorf("small image: %v", err)
	}
}

// TestUpscaleBytesFormatSizeBeforeModel: an output the chosen format cannot hold
// (WebP: 16383 px per side, JPEG: 65500) is refused before the model runs
// (no denoiser call), for the byte-level entry point used by the C ABI and the plugin.
func TestUpscaleBytesFormatSizeBeforeModel(t *testing.T) {
	e := testEngine(t, "oracle-x4")
	wide := testimg.EncodePNG(image.NewGray(image.Rect(0, 0, 4100, 4))) // ×4 → 16400×16
	for _, c := range []struct {
		format string
		fail   bool
	}{
		{"webp", true},
		{"", false}, // PNG input → PNG output: no side limit
	} {
		_, st, err := UpscaleBytes(context.Background(), e, wide, e.Options(), imageio.EncodeOptions{Format: c.format})
		switch {
		case c.fail && !errors.Is(err, imageio.ErrOutputTooLarge):
			t.Errorf("%q: got %v, want ErrOutputTooLarge", c.format, err)
		case c.fail && !errors.Is(err, core.ErrInvalidInput):
			t.Errorf("%q: got %v, want it to match ErrInvalidInput", c.format, err)
		case c.fail && st.DenoiserCalls != 0:
			t.Errorf("%q: %d denoiser calls before the format's size limit was checked", c.format, st.DenoiserCalls)
		case !c.fail && err != nil:
			t.Errorf("%q: %v", c.format, err)
		}
	}
}
