package imageio

import (
	"errors"
	"image"
	"image/color"
	"testing"

	"github.com/resshift/resshift/internal/testimg"
)

// A noisy PNG cut anywhere must be refused as corrupt (libvips alone only warns for some cuts).
func TestTruncatedPNG(t *testing.T) {
	im := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	for i := range im.Pix {
		im.Pix[i] = uint8(i*7919 + i*i)
	}
	im.Set(0, 0, color.NRGBA{1, 2, 3, 255})
	full := testimg.EncodePNG(im)
	if _, err := Decode(full, Limits{}); err != nil {
		t.Fatalf("full PNG: %v", err)
	}
	for _, cut := range []int{9, 40, 100, len(full) / 2, len(full) - 13, len(full) - 1} {
		_, err := Decode(full[:cut], Limits{})
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("cut at %d of %d: got %v, want ErrCorrupt", cut, len(full), err)
		}
	}
}
