package tile

import (
	"slices"
	"strings"
	"testing"
)

// rampImage returns a c-channel w×h image with value 100·ch + 10·y + x.
func rampImage(c, w, h int) []float32 {
	v := make([]float32, c*w*h)
	for ch := range c {
		for y := range h {
			for x := range w {
				v[(ch*h+y)*w+x] = float32(100*ch + 10*y + x)
			}
		}
	}
	return v
}

// marginReference is the engine's former inline loop: canvas coordinates clamped, then reflected.
func marginReference(p *Plan, src []float32, c int, t Tile, m int) []float32 {
	ew, eh := p.TileW+2*m, p.TileH+2*m
	dst := make([]float32, c*ew*eh)
	for ch := range c {
		for yy := range eh {
			cy := min(max(t.Y+yy-m, 0), p.PadH-1)
			for xx := range ew {
				cx := min(max(t.X+xx-m, 0), p.PadW-1)
				dst[(ch*eh+yy)*ew+xx] = src[(ch*p.Height+Reflect(cy, p.Height))*p.Width+Reflect(cx, p.Width)]
			}
		}
	}
	return dst
}

func TestExtractMargin(t *testing.T) {
	// A 3×2 image on a 4×4 canvas, margin 1: columns -1..4 clamp to 0,0,1,2,3,3 and reflect to 0,0,1,2,1,1;
	// rows -1..4 clamp to 0,0,1,2,3,3 and reflect to 0,0,1,0,1,1.
	row0, row1 := []float32{0, 0, 1, 2, 1, 1}, []float32{10, 10, 11, 12, 11, 11}
	small := slices.Concat(row0, row0, row1, row0, row1, row1)
	tests := []struct {
		name   string
		w, h   int
		cfg    Config
		c, m   int
		handed []float32 // expected tile 0, when given
	}{
		{"by hand", 3, 2, Config{Tile: 4, Multiple: 4}, 1, 1, small},
		{"margin 0 is Extract", 13, 9, Config{Tile: 8, Overlap: 2, Multiple: 4}, 3, 0, nil},
		{"engine margin 2", 13, 9, Config{Tile: 8, Overlap: 2, Multiple: 4}, 3, 2, nil},
		{"fixed tile larger than image", 5, 3, Config{Tile: 8, Multiple: 4, Fixed: true}, 2, 2, nil},
		{"one pixel", 1, 1, Config{Tile: 4, Multiple: 4}, 1, 3, nil},
		{"margin past the canvas", 6, 6, Config{Tile: 4, Overlap: 1, Multiple: 2}, 1, 5, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPlan(tc.w, tc.h, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			src := rampImage(tc.c, tc.w, tc.h)
			dst := make([]float32, tc.c*(p.TileW+2*tc.m)*(p.TileH+2*tc.m))
			for _, tl := range p.Tiles() {
				p.ExtractMargin(dst, src, tc.c, tl, tc.m)
				if want := marginReference(p, src, tc.c, tl, tc.m); !slices.Equal(dst, want) {
					t.Fatalf("tile %d: got %v, want %v", tl.Index, dst, want)
				}
				if tc.m == 0 {
					ext := make([]float32, len(dst))
					p.Extract(ext, src, tc.c, tl)
					if !slices.Equal(dst, ext) {
						t.Fatalf("tile %d: margin 0 differs from Extract", tl.Index)
					}
				}
				if tc.handed != nil && tl.Index == 0 && !slices.Equal(dst, tc.handed) {
					t.Fatalf("got %v, want %v", dst, tc.handed)
				}
			}
		})
	}
}

func TestExtractMarginPanics(t *testing.T) {
	p, err := NewPlan(8, 8, Config{Tile: 4, Multiple: 4})
	if err != nil {
		t.Fatal(err)
	}
	src := make([]float32, 64)
	for name, f := range map[string]func(){
		"short dst":       func() { p.ExtractMargin(make([]float32, 63), src, 1, p.Tile(0), 2) },
		"negative margin": func() { p.ExtractMargin(make([]float32, 4), src, 1, p.Tile(0), -1) },
		"foreign tile":    func() { p.ExtractMargin(make([]float32, 64), src, 1, Tile{X: 1, W: 4, H: 4}, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestRangeSplitAndCheck(t *testing.T) {
	p, err := NewPlan(40, 24, Config{Tile: 8, Multiple: 4}) // 3×5 = 15 tiles
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		n, align int
		want     []Range
	}{
		{1, 1, []Range{{0, 15}}},
		{2, 1, []Range{{0, 7}, {7, 8}}},
		{3, 1, []Range{{0, 5}, {5, 5}, {10, 5}}},
		{3, 2, []Range{{0, 4}, {4, 6}, {10, 5}}},
		{3, 4, []Range{{0, 4}, {4, 4}, {8, 7}}},
		{20, 1, nil}, // 15 ranges of one tile
		{0, 0, []Range{{0, 15}}},
	}
	for _, tc := range tests {
		got := p.Split(tc.n, tc.align)
		if tc.want != nil && !slices.Equal(got, tc.want) {
			t.Errorf("Split(%d, %d) = %v, want %v", tc.n, tc.align, got, tc.want)
		}
		next := 0
		for _, r := range got {
			if err := p.CheckRange(r); err != nil || r.First != next || r.First%max(tc.align, 1) != 0 {
				t.Errorf("Split(%d, %d): range %v after %d (%v)", tc.n, tc.align, r, next, err)
			}
			next = r.First + r.N
		}
		if next != p.Len() {
			t.Errorf("Split(%d, %d) = %v covers %d of %d tiles", tc.n, tc.align, got, next, p.Len())
		}
	}
	if p.All() != (Range{0, 15}) {
		t.Errorf("All() = %v", p.All())
	}
	for _, tc := range []struct {
		r     Range
		field string
	}{{Range{-1, 2}, "First"}, {Range{15, 1}, "First"}, {Range{0, 0}, "N"}, {Range{14, 2}, "N"}, {Range{3, 12}, ""}} {
		err := p.CheckRange(tc.r)
		if (tc.field == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), "Range."+tc.field+":")) {
			t.Errorf("CheckRange(%v) = %v, want an error naming %q", tc.r, err, tc.field)
		}
	}
}
