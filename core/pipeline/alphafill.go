package pipeline

// Colour under transparency. A fully transparent pixel has no visible colour,
// but an upscaler mixes its stored colour (often black or white) into the
// visible pixels next to it: a dark or light fringe around logos. Before
// upscaling, the colour of transparent pixels is replaced by the
// alpha-weighted (premultiplied) mean of the visible colour around them —
// premultiply, average, divide by the averaged alpha — so that the colour is
// continuous across the alpha edge and the upscaled visible pixels keep
// their own colour. Visible pixels (alpha > 0) keep their straight colour,
// and the alpha plane is upscaled on its own, so compositing the result
// gives the premultiplied upscale of the visible content.
//
// Plain premultiplication through the model (premultiply, upscale,
// unpremultiply by the bicubic alpha) is not enough: the network sharpens
// the premultiplied edge differently from the bicubic alpha, and dividing
// one by the other leaves a dark rim at low alpha.

// fillRounds bounds how far (in LR pixels) visible colour spreads into
// transparent areas; farther transparent pixels get the image's mean
// visible colour. It covers the bicubic prior's reach and the model's
// effective receptive field.
const fillRounds = 16

// fillTransparent returns rgb (3 planes of w·h samples in [-1, 1]) with the
// colour of fully transparent pixels (alpha = -1) filled from the visible
// colour around them, or rgb itself when no pixel is fully transparent or
// none is visible. rgb and alpha are not modified.
func fillTransparent(rgb, alpha []float32, w, h int) []float32 {
	n := w * h
	weight := make([]float32, n) // 0: unknown colour
	var sum [3]float64
	var total float64
	holes := 0
	for i, av := range alpha {
		a := max((av+1)/2, 0)
		weight[i] = a
		if a == 0 {
			holes++
			continue
		}
		for c := 0; c < 3; c++ {
			sum[c] += float64(a) * float64(rgb[c*n+i])
		}
		total += float64(a)
	}
	if holes == 0 || total == 0 {
		return rgb
	}
	out := make([]float32, len(rgb))
	copy(out, rgb)
	next := make([]float32, n)
	for round := 0; round < fillRounds && holes > 0; round++ {
		copy(next, weight)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				if weight[i] != 0 {
					continue
				}
				var acc [3]float32
				var ws float32
				k := 0
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						xx, yy := x+dx, y+dy
						if xx < 0 || yy < 0 || xx >= w || yy >= h {
							continue
						}
						j := yy*w + xx
						if wj := weight[j]; wj != 0 {
							for c := 0; c < 3; c++ {
								acc[c] += wj * out[c*n+j]
							}
							ws += wj
							k++
						}
					}
				}
				if k == 0 {
					continue
				}
				for c := 0; c < 3; c++ {
					out[c*n+i] = acc[c] / ws
				}
				next[i] = ws / float32(k)
				holes--
			}
		}
		weight, next = next, weight
	}
	if holes > 0 {
		for i, wi := range weight {
			if wi == 0 {
				for c := 0; c < 3; c++ {
					out[c*n+i] = float32(sum[c] / total)
				}
			}
		}
	}
	return out
}
