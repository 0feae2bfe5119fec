package resample

// The two separable passes. Weight tables have a fixed tap count per axis
// (zero-padded), so the inner loops are branch-free.

// horizontal resamples n rows of a.in samples into rows of a.out samples.
func horizontal(dst, src []float32, n int, a *axis) {
	K := a.taps
	for row := 0; row < n; row++ {
		s := src[row*a.in : (row+1)*a.in]
		d := dst[row*a.out : (row+1)*a.out]
		if K == 4 {
			for o := range d {
				idx := a.index[4*o : 4*o+4 : 4*o+4]
				w := a.weight[4*o : 4*o+4 : 4*o+4]
				d[o] = w[0]*s[idx[0]] + w[1]*s[idx[1]] + w[2]*s[idx[2]] + w[3]*s[idx[3]]
			}
			continue
		}
		for o := range d {
			idx := a.index[K*o : K*o+K]
			w := a.weight[K*o : K*o+K]
			var sum float32
			for t, i := range idx {
				sum += w[t] * s[i]
			}
			d[o] = sum
		}
	}
}

// vertical resamples each of c planes of a.in rows (width w) into a.out rows.
func vertical(dst, src []float32, c, w int, a *axis) {
	K := a.taps
	for ch := 0; ch < c; ch++ {
		plane := src[ch*a.in*w : (ch+1)*a.in*w]
		for o := 0; o < a.out; o++ {
			d := dst[(ch*a.out+o)*w : (ch*a.out+o+1)*w]
			idx := a.index[K*o : K*o+K]
			wt := a.weight[K*o : K*o+K]
			t := 0
			if K >= 4 {
				r0, r1 := plane[int(idx[0])*w:][:len(d)], plane[int(idx[1])*w:][:len(d)]
				r2, r3 := plane[int(idx[2])*w:][:len(d)], plane[int(idx[3])*w:][:len(d)]
				w0, w1, w2, w3 := wt[0], wt[1], wt[2], wt[3]
				for x := range d {
					d[x] = w0*r0[x] + w1*r1[x] + w2*r2[x] + w3*r3[x]
				}
				t = 4
			} else {
				clear(d)
			}
			for ; t < K; t++ {
				r := plane[int(idx[t])*w:][:len(d)]
				wk := wt[t]
				for x := range d {
					d[x] += wk * r[x]
				}
			}
		}
	}
}
