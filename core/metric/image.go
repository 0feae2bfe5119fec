package metric

import (
	"errors"
	"fmt"
	"image"
	"image/color"
)

// Image is an interleaved image, rows top to bottom, C samples per pixel
// (R, G, B for C = 3; grey for C = 1), no padding between rows. Exactly one
// of Pix (8-bit) and Pix16 (16-bit, scaled to the 0..255 scale by
// 255/65535) is set, with length C·W·H. Metrics only read it.
//
// The luma of a grey image is its grey value itself, not mapped to the
// studio range: the convention of MATLAB evaluation scripts and BasicSR
// for single-channel images, which the published Set14 numbers assume for
// its grey "bridge" image (the bicubic ×4 baseline is 26.00 dB this way,
// 26.09 dB with the grey image expanded to RGB).
type Image struct {
	W, H  int
	C     int // samples per pixel: 3 (RGB) or 1 (grey); 0 means 3
	Pix   []uint8
	Pix16 []uint16
}

// channels returns C with the zero value read as 3.
func (m *Image) channels() int {
	if m.C == 0 {
		return 3
	}
	return m.C
}

// check validates the layout.
func (m *Image) check() error {
	if m == nil {
		return errors.New("metric: nil image")
	}
	if m.W <= 0 || m.H <= 0 {
		return fmt.Errorf("metric: invalid image size %dx%d", m.W, m.H)
	}
	if c := m.channels(); c != 1 && c != 3 {
		return fmt.Errorf("metric: %d channels (want 1 or 3)", m.C)
	}
	n := m.channels() * m.W * m.H
	switch {
	case m.Pix != nil && m.Pix16 != nil:
		return errors.New("metric: both Pix and Pix16 set")
	case m.Pix16 != nil && len(m.Pix16) != n, m.Pix16 == nil && len(m.Pix) != n:
		return fmt.Errorf("metric: %dx%d image needs %d samples, has %d", m.W, m.H, n, max(len(m.Pix), len(m.Pix16)))
	}
	return nil
}

// FromImage converts an image.Image: *image.Gray and *image.Gray16 become
// grey images (C = 1), everything else RGB (C = 3); Gray16, RGBA64 and
// NRGBA64 images become 16-bit (Pix16), all others 8-bit (Pix). Alpha is
// ignored (non-premultiplied colour is used).
func FromImage(img image.Image) *Image {
	b := img.Bounds()
	m := &Image{W: b.Dx(), H: b.Dy(), C: 3}
	n := 3 * m.W * m.H
	switch g := img.(type) {
	case *image.Gray:
		m.C, m.Pix = 1, make([]uint8, 0, m.W*m.H)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			off := g.PixOffset(b.Min.X, y)
			m.Pix = append(m.Pix, g.Pix[off:off+m.W]...)
		}
		return m
	case *image.Gray16:
		m.C, m.Pix16 = 1, make([]uint16, 0, m.W*m.H)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				m.Pix16 = append(m.Pix16, g.Gray16At(x, y).Y)
			}
		}
		return m
	}
	switch img.(type) {
	case *image.RGBA64, *image.NRGBA64:
		m.Pix16 = make([]uint16, n)
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
				m.Pix16[i], m.Pix16[i+1], m.Pix16[i+2] = c.R, c.G, c.B
				i += 3
			}
		}
		return m
	}
	m.Pix = make([]uint8, n)
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var r, g, bl uint8
			switch s := img.(type) {
			case *image.NRGBA:
				c := s.NRGBAAt(x, y)
				r, g, bl = c.R, c.G, c.B
			case *image.RGBA:
				if c := s.RGBAAt(x, y); c.A == 0xff {
					r, g, bl = c.R, c.G, c.B
					break
				}
				c := color.NRGBAModel.Convert(s.RGBAAt(x, y)).(color.NRGBA)
				r, g, bl = c.R, c.G, c.B
			default:
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				r, g, bl = c.R, c.G, c.B
			}
			m.Pix[i], m.Pix[i+1], m.Pix[i+2] = r, g, bl
			i += 3
		}
	}
	return m
}

// LumaY returns the luma plane (row-major, W·H values) of img: BT.601
// studio range in [16, 235] for RGB, the grey value (0..255) for grey.
func LumaY(img *Image) ([]float64, error) {
	if err := img.check(); err != nil {
		return nil, err
	}
	y := make([]float64, img.W*img.H)
	if img.channels() == 1 {
		if img.Pix16 != nil {
			for i, v := range img.Pix16 {
				y[i] = float64(v) * (255.0 / 65535.0)
			}
		} else {
			for i, v := range img.Pix {
				y[i] = float64(v)
			}
		}
		return y, nil
	}
	const kr, kg, kb = 65.481 / 255, 128.553 / 255, 24.966 / 255
	if img.Pix16 != nil {
		const s = 255.0 / 65535.0
		for i := range y {
			p := img.Pix16[3*i : 3*i+3 : 3*i+3]
			y[i] = 16 + kr*(s*float64(p[0])) + kg*(s*float64(p[1])) + kb*(s*float64(p[2]))
		}
		return y, nil
	}
	for i := range y {
		p := img.Pix[3*i : 3*i+3 : 3*i+3]
		y[i] = 16 + kr*float64(p[0]) + kg*float64(p[1]) + kb*float64(p[2])
	}
	return y, nil
}
