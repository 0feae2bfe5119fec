package metric

import (
	"fmt"
	"math"
)

const (
	ssimWin   = 11
	ssimSigma = 1.5
	ssimC1    = (0.01 * 255) * (0.01 * 255)
	ssimC2    = (0.03 * 255) * (0.03 * 255)
)

// gauss is the normalised 1-D Gaussian window; the 2-D window is its outer
// product (equal to MATLAB's fspecial('gaussian', 11, 1.5)).
var gauss = func() [ssimWin]float64 {
	var g [ssimWin]float64
	sum := 0.0
	for i := range g {
		d := float64(i - ssimWin/2)
		g[i] = math.Exp(-d * d / (2 * ssimSigma * ssimSigma))
		sum += g[i]
	}
	for i := range g {
		g[i] /= sum
	}
	return g
}()

// SSIMY returns the mean SSIM between the Y channels of a and b after
// cropping border pixels from every side, with 'valid' Gaussian filtering,
// so the cropped images must be at least 11×11. Identical images give 1.
// Errors as PSNRY.
func SSIMY(a, b *Image, border int) (float64, error) {
	ya, yb, w, h, err := lumaPair(a, b, border)
	if err != nil {
		return 0, err
	}
	if w < ssimWin || h < ssimWin {
		return 0, fmt.Errorf("metric: SSIM needs at least %dx%d pixels after the border crop, have %dx%d", ssimWin, ssimWin, w, h)
	}
	return ssim(ya, yb, w, h), nil
}

func ssim(a, b []float64, w, h int) float64 {
	n := w * h
	aa, bb, ab := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range a {
		aa[i] = a[i] * a[i]
		bb[i] = b[i] * b[i]
		ab[i] = a[i] * b[i]
	}
	tmp := make([]float64, h*(w-ssimWin+1))
	mu1 := filterValid(a, w, h, tmp)
	mu2 := filterValid(b, w, h, tmp)
	s11 := filterValid(aa, w, h, tmp)
	s22 := filterValid(bb, w, h, tmp)
	s12 := filterValid(ab, w, h, tmp)
	var sum float64
	for i := range mu1 {
		m1, m2 := mu1[i], mu2[i]
		m11, m22, m12 := m1*m1, m2*m2, m1*m2
		v1, v2, c12 := s11[i]-m11, s22[i]-m22, s12[i]-m12
		sum += (2*m12 + ssimC1) * (2*c12 + ssimC2) / ((m11 + m22 + ssimC1) * (v1 + v2 + ssimC2))
	}
	return sum / float64(len(mu1))
}

// filterValid correlates a w×h plane with the separable 11×11 window,
// returning the (w-10)×(h-10) 'valid' part. tmp holds h·(w-10) values.
func filterValid(p []float64, w, h int, tmp []float64) []float64 {
	ow, oh := w-ssimWin+1, h-ssimWin+1
	for y := 0; y < h; y++ {
		row := p[y*w : (y+1)*w]
		out := tmp[y*ow : (y+1)*ow]
		for x := range out {
			s := 0.0
			for k, g := range gauss {
				s += g * row[x+k]
			}
			out[x] = s
		}
	}
	res := make([]float64, ow*oh)
	for y := 0; y < oh; y++ {
		out := res[y*ow : (y+1)*ow]
		for k, g := range gauss {
			in := tmp[(y+k)*ow : (y+k+1)*ow]
			for x := range out {
				out[x] += g * in[x]
			}
		}
	}
	return res
}
