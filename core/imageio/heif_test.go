package imageio

import (
	"errors"
	"testing"
)

// AVIF and HEIF output where libvips can write it: the bytes decode back as
// that format with the same size and layout.
func TestEncodeHEIF(t *testing.T) {
	if !HEIFSupported() {
		t.Skip("this libvips has no heif saver")
	}
	const w, h = 24, 16
	src, err := Decode(encPNG(t, nrgba(w, h, true)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ format, want string }{{"avif", "avif"}, {"heif", "heif"}, {"HEIC", "heif"}} {
		t.Run(tc.format, func(t *testing.T) {
			data, err := Encode(src, EncodeOptions{Format: tc.format})
			if errors.Is(err, ErrUnsupported) {
				t.Skipf("libheif cannot encode %s here: %v", tc.format, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Format != tc.want || got.Width != w || got.Height != h || got.Alpha == nil || got.Depth != 8 {
				t.Fatalf("decoded %s %d×%d alpha %v depth %d, want %s %d×%d with alpha, 8-bit",
					got.Format, got.Width, got.Height, got.Alpha != nil, got.Depth, tc.want, w, h)
			}
		})
	}
}
