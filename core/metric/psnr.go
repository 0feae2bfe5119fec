package metric

import "math"

// PSNRY returns the PSNR in dB (peak 255) between the Y channels of a and
// b after cropping border pixels from every side. Identical images give
// +Inf. It fails if the images are invalid, differ in size, or the border
// leaves no pixels.
func PSNRY(a, b *Image, border int) (float64, error) {
	ya, yb, _, _, err := lumaPair(a, b, border)
	if err != nil {
		return 0, err
	}
	return psnr(ya, yb), nil
}

func psnr(a, b []float64) float64 {
	var sum float64
	for i := range a {
		d := a[i] - b[i]
		sum += d * d
	}
	mse := sum / float64(len(a))
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}
