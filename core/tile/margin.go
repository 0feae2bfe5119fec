package tile

import "fmt"

// ExtractMargin copies tile t of a c-channel source image, widened by margin
// pixels on every side, into dst: c*(p.TileH+2*margin)*(p.TileW+2*margin)
// values, planar CHW with row length p.TileW+2*margin. It is the LR context
// a cubic upsampling of the tile needs to equal the upsampling of the whole
// canvas (the kernel reaches two source pixels, so margin 2 suffices).
//
// The pixel at canvas coordinates (x, y) = (t.X+i-margin, t.Y+j-margin) is
// found in two stages: x and y are first clamped to the canvas, [0, PadW) and
// [0, PadH) (the border replication PyTorch's cubic kernel applies at the
// edge of the padded canvas), then reflected into the image like [Plan.Extract]
// (Reflect(x, Width), Reflect(y, Height)). With margin 0 the result equals
// Extract's. ExtractMargin does not allocate. It panics if margin < 0, the
// slice lengths do not match, or t is not a tile of p (programming errors).
func (p *Plan) ExtractMargin(dst, src []float32, c int, t Tile, margin int) {
	w, h := p.Width, p.Height
	ew, eh := p.TileW+2*margin, p.TileH+2*margin
	if margin < 0 || c < 1 || len(src) != c*w*h || len(dst) != c*ew*eh {
		panic(fmt.Sprintf("tile: ExtractMargin: got margin %d, %d channels, len(src) %d (want %d), len(dst) %d (want %d)",
			margin, c, len(src), c*w*h, len(dst), c*max(ew, 0)*max(eh, 0)))
	}
	if !p.Contains(t) {
		panic(fmt.Sprintf("tile: ExtractMargin: %+v is not a tile of the plan", t))
	}
	for ch := range c {
		plane := src[ch*w*h : (ch+1)*w*h]
		for yy := range eh {
			sy := Reflect(min(max(t.Y+yy-margin, 0), p.PadH-1), h)
			srow := plane[sy*w:][:w]
			drow := dst[(ch*eh+yy)*ew:][:ew]
			for xx := range drow {
				drow[xx] = srow[Reflect(min(max(t.X+xx-margin, 0), p.PadW-1), w)]
			}
		}
	}
}
