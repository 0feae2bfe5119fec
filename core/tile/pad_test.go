package tile

import (
	"fmt"
	"testing"
)

// naiveReflect walks |i| steps from 0, bouncing off the edges like a mirror
// that excludes the edge pixel.
func naiveReflect(i, n int) int {
	if n == 1 {
		return 0
	}
	pos, dir := 0, 1
	if i < 0 {
		dir, i = -1, -i
	}
	for range i {
		if pos+dir < 0 || pos+dir >= n {
			dir = -dir
		}
		pos += dir
	}
	return pos
}

func TestReflectTorchRule(t *testing.T) {
	// PyTorch F.pad(mode="reflect") for pads < n.
	tests := []struct {
		n    int
		in   []int
		want []int
	}{
		{5, []int{0, 4, 5, 6, 7, -1, -2}, []int{0, 4, 3, 2, 1, 1, 2}},
		{4, []int{4, 5, 6}, []int{2, 1, 0}},
		{2, []int{2, 3, 4, 5}, []int{0, 1, 0, 1}},
		{1, []int{0, 1, 5, -3}, []int{0, 0, 0, 0}},
		// Repeated mirroring past one reflection: period 2·(n-1).
		{3, []int{3, 4, 5, 6, 7, 8}, []int{1, 0, 1, 2, 1, 0}},
	}
	for _, tc := range tests {
		for k, i := range tc.in {
			if got := Reflect(i, tc.n); got != tc.want[k] {
				t.Errorf("Reflect(%d, %d) = %d, want %d", i, tc.n, got, tc.want[k])
			}
		}
	}
}

func TestReflectNaive(t *testing.T) {
	for n := 1; n <= 9; n++ {
		for i := -40; i <= 60; i++ {
			if got, want := Reflect(i, n), naiveReflect(i, n); got != want {
				t.Fatalf("Reflect(%d, %d) = %d, want %d", i, n, got, want)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Reflect(0, 0) did not panic")
		}
	}()
	Reflect(0, 0)
}

// pattern fills a c×h×w image with distinct values.
func pattern(c, w, h int) []float32 {
	img := make([]float32, c*w*h)
	for i := range img {
		img[i] = float32(i%9973) * 0.001
	}
	return img
}

func TestExtractMatchesNaive(t *testing.T) {
	tests := []struct {
		w, h, c int
		cfg     Config
	}{
		{20, 13, 3, Config{8, 3, 4, false}},
		{1, 1, 3, Config{8, 0, 8, true}},   // n = 1: replication
		{2, 3, 1, Config{16, 0, 8, true}},  // pad far larger than the image
		{5, 1, 2, Config{64, 8, 8, false}}, // shrunk tile, both axes padded
		{33, 70, 3, Config{32, 8, 32, false}},
		{64, 64, 1, Config{64, 0, 8, false}}, // no padding at all
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%dx%dx%d_%+v", tc.w, tc.h, tc.c, tc.cfg), func(t *testing.T) {
			p, err := NewPlan(tc.w, tc.h, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			src := pattern(tc.c, tc.w, tc.h)
			dst := make([]float32, tc.c*p.TileW*p.TileH)
			for _, tl := range p.Tiles() {
				p.Extract(dst, src, tc.c, tl)
				for ch := range tc.c {
					for y := range p.TileH {
						for x := range p.TileW {
							sx, sy := naiveReflect(tl.X+x, tc.w), naiveReflect(tl.Y+y, tc.h)
							want := src[(ch*tc.h+sy)*tc.w+sx]
							if got := dst[(ch*p.TileH+y)*p.TileW+x]; got != want {
								t.Fatalf("tile %d (%d,%d,%d) = %v, want %v", tl.Index, ch, y, x, got, want)
							}
						}
					}
				}
			}
		})
	}
}

func TestExtractNoAlloc(t *testing.T) {
	p, err := NewPlan(70, 50, Config{32, 8, 8, false})
	if err != nil {
		t.Fatal(err)
	}
	src := pattern(3, 70, 50)
	dst := make([]float32, 3*p.TileW*p.TileH)
	tl := p.Tile(p.Len() - 1)
	if n := testing.AllocsPerRun(10, func() { p.Extract(dst, src, 3, tl) }); n != 0 {
		t.Errorf("Extract allocates %v times", n)
	}
}

func TestExtractPanics(t *testing.T) {
	p, err := NewPlan(10, 10, Config{8, 0, 8, false})
	if err != nil {
		t.Fatal(err)
	}
	src := make([]float32, 3*100)
	dst := make([]float32, 3*64)
	bad := p.Tile(0)
	bad.X = 1
	for name, f := range map[string]func(){
		"short src":  func() { p.Extract(dst, src[1:], 3, p.Tile(0)) },
		"short dst":  func() { p.Extract(dst[1:], src, 3, p.Tile(0)) },
		"zero c":     func() { p.Extract(dst[:0], src[:0], 0, p.Tile(0)) },
		"alien tile": func() { p.Extract(dst, src, 3, bad) },
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
