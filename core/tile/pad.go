package tile

import "fmt"

// Reflect maps a coordinate i on an axis of n pixels (n >= 1) into [0, n)
// by mirror reflection that excludes the edge pixel, the rule of PyTorch's
// padding mode "reflect" (numpy "reflect"): for 0 <= k < n-1, index n+k maps
// to n-2-k and index -1-k maps to k+1. Beyond one reflection the mirroring
// repeats with period 2·(n-1), so any pad size is well defined (PyTorch itself
// rejects pads >= n): …, 2, 1, [0, 1, …, n-1], n-2, …, 1, 0, 1, 2, …
// For n == 1 every index maps to 0 (replication). Reflect panics if n < 1.
func Reflect(i, n int) int {
	if uint(i) < uint(n) {
		return i
	}
	if n <= 1 {
		if n == 1 {
			return 0
		}
		panic(fmt.Sprintf("tile: Reflect: axis length %d < 1", n))
	}
	period := 2 * (n - 1)
	m := i % period
	if m < 0 {
		m += period
	}
	if m >= n {
		m = period - m
	}
	return m
}

// Extract copies the LR tile t of a c-channel source image into dst.
//
// src is the unpadded image, planar CHW of length c*p.Height*p.Width; dst
// receives c*p.TileH*p.TileW values, planar CHW with row length p.TileW. Tile
// pixels outside the image (the canvas padding on the right and bottom)
// take the value of the source pixel (Reflect(x, Width), Reflect(y, Height)).
// Extract does not allocate. It panics if the slice lengths do not match or t
// is not a tile of p (programming errors).
func (p *Plan) Extract(dst, src []float32, c int, t Tile) {
	w, h, tw, th := p.Width, p.Height, p.TileW, p.TileH
	if c < 1 || len(src) != c*w*h || len(dst) != c*tw*th {
		panic(fmt.Sprintf("tile: Extract: got %d channels, len(src) %d (want %d), len(dst) %d (want %d)",
			c, len(src), c*w*h, len(dst), c*tw*th))
	}
	if !p.Contains(t) {
		panic(fmt.Sprintf("tile: Extract: %+v is not a tile of the plan", t))
	}
	// Columns [0, in) of the tile are inside the image; the rest reflect.
	in := min(tw, w-t.X)
	for ch := range c {
		plane := src[ch*w*h : (ch+1)*w*h]
		for yy := range th {
			srow := plane[Reflect(t.Y+yy, h)*w:][:w]
			drow := dst[(ch*th+yy)*tw:][:tw]
			copy(drow[:in], srow[t.X:t.X+in])
			for xx := in; xx < tw; xx++ {
				drow[xx] = srow[Reflect(t.X+xx, w)]
			}
		}
	}
}
