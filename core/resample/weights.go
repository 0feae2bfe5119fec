package resample

import "math"

// axis is the precomputed weight table of one axis: output sample o reads
// taps input samples index[o*taps+k] with weights weight[o*taps+k].
type axis struct {
	in, out, taps int
	index         []int32
	weight        []float32
}

// newAxis builds the table for resampling in samples to out samples where
// scale = out/in for size-driven resizes, or the caller's exact scale factor
// (MATLAB and PyTorch use a given scale factor as is). Output sample o is
// centred at source coordinate (o+0.5)/scale-0.5 (half-pixel convention);
// weights are normalised to sum to 1 (a no-op up to rounding for the plain
// 4-tap cubic), and exact-zero taps at either end are trimmed.
func newAxis(in, out int, scale float64, k Kernel) axis {
	radius, stretch := 2.0, 1.0
	if k.Antialias && scale < 1 {
		radius, stretch = 2/scale, scale
	}
	type span struct {
		start int
		w     []float64
	}
	spans := make([]span, out)
	taps := 0
	buf := make([]float64, 0, int(2*radius)+3)
	for o := range spans {
		centre := (float64(o)+0.5)/scale - 0.5
		lo := int(math.Floor(centre - radius))
		hi := int(math.Ceil(centre + radius))
		buf = buf[:0]
		for i := lo; i <= hi; i++ {
			buf = append(buf, stretch*cubic(stretch*(centre-float64(i)), k.A))
		}
		first, last := 0, len(buf)-1
		for first < last && buf[first] == 0 {
			first++
		}
		for last > first && buf[last] == 0 {
			last--
		}
		w := append([]float64(nil), buf[first:last+1]...)
		spans[o] = span{lo + first, w}
		taps = max(taps, len(w))
	}
	a := axis{in: in, out: out, taps: taps,
		index: make([]int32, out*taps), weight: make([]float32, out*taps)}
	for o, s := range spans {
		sum := 0.0
		for _, v := range s.w {
			sum += v
		}
		for t := 0; t < taps; t++ {
			a.index[o*taps+t] = int32(k.Border.mapIndex(s.start+t, in))
			if t < len(s.w) {
				a.weight[o*taps+t] = float32(s.w[t] / sum)
			}
		}
	}
	return a
}
