package metric

import "fmt"

// lumaPair validates a and b, checks that they have the same size and
// channel count, and
// returns their luma planes cropped by border on every side together with
// the cropped width and height.
func lumaPair(a, b *Image, border int) (ya, yb []float64, w, h int, err error) {
	if err := a.check(); err != nil {
		return nil, nil, 0, 0, err
	}
	if err := b.check(); err != nil {
		return nil, nil, 0, 0, err
	}
	if a.W != b.W || a.H != b.H {
		return nil, nil, 0, 0, fmt.Errorf("metric: image sizes differ: %dx%d vs %dx%d", a.W, a.H, b.W, b.H)
	}
	if a.channels() != b.channels() {
		return nil, nil, 0, 0, fmt.Errorf("metric: channel counts differ: %d vs %d (compare grey with grey, RGB with RGB)",
			a.channels(), b.channels())
	}
	if border < 0 {
		return nil, nil, 0, 0, fmt.Errorf("metric: negative border %d", border)
	}
	w, h = a.W-2*border, a.H-2*border
	if w <= 0 || h <= 0 {
		return nil, nil, 0, 0, fmt.Errorf("metric: border %d leaves nothing of a %dx%d image", border, a.W, a.H)
	}
	fa, _ := LumaY(a)
	fb, _ := LumaY(b)
	return crop(fa, a.W, border, w, h), crop(fb, b.W, border, w, h), w, h, nil
}

// crop returns the w×h window at (border, border) of a plane of width stride.
func crop(p []float64, stride, border, w, h int) []float64 {
	out := make([]float64, 0, w*h)
	for y := 0; y < h; y++ {
		off := (y+border)*stride + border
		out = append(out, p[off:off+w]...)
	}
	return out
}
