package testimg

import (
	"fmt"
	"image"
	"image/png"
	"os"
)

// Planar is a decoded test image in the engine's layout: planar RGB
// (3·Width·Height samples, channel-major) in [-1, 1]. Gray images have
// their one channel in all three planes and Gray set.
type Planar struct {
	Width, Height int
	RGB           []float32
	Gray          bool
}

// ReadPNG decodes the PNG file at path with the standard library (no
// libvips, so engine-only tests can read evaluation images): 8-bit samples
// map to x/127.5 − 1 and 16-bit ones to x/32767.5 − 1, as core/imageio
// maps them. There is no colour management (the pixels are taken as sRGB)
// and no EXIF orientation; alpha is dropped (colour unpremultiplied).
func ReadPNG(path string) (*Planar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	p := &Planar{Width: w, Height: h, RGB: make([]float32, 3*w*h)}
	deep := false
	switch img.(type) {
	case *image.Gray:
		p.Gray = true
	case *image.Gray16:
		p.Gray, deep = true, true
	case *image.RGBA64, *image.NRGBA64:
		deep = true
	}
	n := w * h
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			for c, v := range nrgba64(img.At(b.Min.X+x, b.Min.Y+y)) {
				if deep {
					p.RGB[c*n+i] = float32(float64(v)/32767.5 - 1)
				} else {
					p.RGB[c*n+i] = float32(v>>8)/127.5 - 1
				}
			}
		}
	}
	return p, nil
}

// nrgba64 returns the straight (unpremultiplied) 16-bit R, G, B of c.
func nrgba64(c interface{ RGBA() (r, g, b, a uint32) }) [3]uint32 {
	r, g, b, a := c.RGBA()
	if a == 0 || a == 0xffff {
		return [3]uint32{r, g, b}
	}
	return [3]uint32{r * 0xffff / a, g * 0xffff / a, b * 0xffff / a}
}
