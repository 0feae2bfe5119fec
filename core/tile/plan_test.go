package tile

import (
	"slices"
	"strings"
	"testing"
)

func TestNewPlanShapes(t *testing.T) {
	tests := []struct {
		name         string
		w, h         int
		cfg          Config
		padW, padH   int
		tileW, tileH int
		xs, ys       []int // nil: check only the counts below
		cols, rows   int
	}{
		{"square", 256, 256, Config{64, 16, 8, false}, 256, 256, 64, 64, []int{0, 48, 96, 144, 192}, []int{0, 48, 96, 144, 192}, 5, 5},
		{"exact fit", 128, 128, Config{128, 16, 8, false}, 128, 128, 128, 128, []int{0}, []int{0}, 1, 1},
		{"no overlap grid", 128, 64, Config{64, 0, 64, false}, 128, 64, 64, 64, []int{0, 64}, []int{0}, 2, 1},
		{"smaller than tile", 50, 30, Config{128, 16, 8, false}, 56, 32, 56, 32, []int{0}, []int{0}, 1, 1},
		{"smaller than tile fixed", 50, 30, Config{128, 16, 8, true}, 128, 128, 128, 128, []int{0}, []int{0}, 1, 1},
		{"1x1", 1, 1, Config{64, 8, 8, false}, 8, 8, 8, 8, []int{0}, []int{0}, 1, 1},
		{"1x1 fixed", 1, 1, Config{64, 8, 8, true}, 64, 64, 64, 64, []int{0}, []int{0}, 1, 1},
		{"1x1 multiple 1", 1, 1, Config{1, 0, 1, false}, 1, 1, 1, 1, []int{0}, []int{0}, 1, 1},
		{"official-like clamp", 130, 130, Config{64, 16, 1, false}, 130, 130, 64, 64, []int{0, 48, 66}, []int{0, 48, 66}, 3, 3},
		{"pad to multiple", 130, 65, Config{64, 0, 64, false}, 192, 128, 64, 64, []int{0, 64, 128}, []int{0, 64}, 3, 2},
		{"zero overlap clamp", 100, 100, Config{64, 0, 4, false}, 100, 100, 64, 64, []int{0, 36}, []int{0, 36}, 2, 2},
		{"fixed wide", 200, 100, Config{128, 32, 8, true}, 200, 128, 128, 128, []int{0, 72}, []int{0}, 2, 1},
		{"one axis shrinks", 300, 20, Config{64, 16, 16, false}, 304, 32, 64, 32, []int{0, 48, 96, 144, 192, 240}, []int{0}, 6, 1},
		{"step 1", 10, 10, Config{4, 3, 1, false}, 10, 10, 4, 4, []int{0, 1, 2, 3, 4, 5, 6}, []int{0, 1, 2, 3, 4, 5, 6}, 7, 7},
		{"tall strip", 1, 10000, Config{128, 16, 8, false}, 8, 10000, 8, 128, []int{0}, nil, 1, 90},
		{"wide strip fixed", 10000, 1, Config{128, 16, 8, true}, 10000, 128, 128, 128, nil, []int{0}, 90, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPlan(tc.w, tc.h, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if p.PadW != tc.padW || p.PadH != tc.padH || p.TileW != tc.tileW || p.TileH != tc.tileH {
				t.Errorf("canvas %d×%d tile %d×%d, want canvas %d×%d tile %d×%d",
					p.PadW, p.PadH, p.TileW, p.TileH, tc.padW, tc.padH, tc.tileW, tc.tileH)
			}
			if p.Cols() != tc.cols || p.Rows() != tc.rows || p.Len() != tc.cols*tc.rows {
				t.Errorf("%d×%d tiles (len %d), want %d rows × %d cols", p.Rows(), p.Cols(), p.Len(), tc.rows, tc.cols)
			}
			if tc.xs != nil && !slices.Equal(p.xs, tc.xs) {
				t.Errorf("x starts %v, want %v", p.xs, tc.xs)
			}
			if tc.ys != nil && !slices.Equal(p.ys, tc.ys) {
				t.Errorf("y starts %v, want %v", p.ys, tc.ys)
			}
			checkPlan(t, p)
		})
	}
}

// TestNewPlanProperties checks the plan invariants over a grid of shapes.
func TestNewPlanProperties(t *testing.T) {
	sides := []int{1, 2, 7, 8, 33, 63, 64, 65, 100, 257}
	for _, tileSide := range []int{8, 16, 64} {
		for _, mult := range []int{1, 8} {
			for _, ov := range []int{0, 3, tileSide / 2, tileSide - 1} {
				for _, fixed := range []bool{false, true} {
					cfg := Config{Tile: tileSide, Overlap: ov, Multiple: mult, Fixed: fixed}
					for _, w := range sides {
						for _, h := range sides {
							p, err := NewPlan(w, h, cfg)
							if err != nil {
								t.Fatalf("%d×%d %+v: %v", w, h, cfg, err)
							}
							checkPlan(t, p)
							if t.Failed() {
								t.Fatalf("failed for %d×%d %+v", w, h, cfg)
							}
						}
					}
				}
			}
		}
	}
}

// checkPlan verifies every documented invariant of p.
func checkPlan(t *testing.T, p *Plan) {
	t.Helper()
	cfg := p.Config
	roundUp := func(n int) int { return (n + cfg.Multiple - 1) / cfg.Multiple * cfg.Multiple }
	for _, ax := range []struct {
		name         string
		n, pad, size int
		starts       []int
	}{{"x", p.Width, p.PadW, p.TileW, p.xs}, {"y", p.Height, p.PadH, p.TileH, p.ys}} {
		wantSize, wantPad := min(cfg.Tile, roundUp(ax.n)), roundUp(ax.n)
		if cfg.Fixed {
			wantSize, wantPad = cfg.Tile, max(roundUp(ax.n), cfg.Tile)
		}
		if ax.size != wantSize || ax.pad != wantPad {
			t.Errorf("%s: tile %d canvas %d, want %d %d", ax.name, ax.size, ax.pad, wantSize, wantPad)
		}
		if ax.pad%cfg.Multiple != 0 || ax.size%cfg.Multiple != 0 || ax.pad < ax.n || ax.pad < ax.size {
			t.Errorf("%s: canvas %d tile %d for n %d multiple %d", ax.name, ax.pad, ax.size, ax.n, cfg.Multiple)
		}
		if len(ax.starts) == 0 || ax.starts[0] != 0 || ax.starts[len(ax.starts)-1] != ax.pad-ax.size {
			t.Errorf("%s: starts %v for canvas %d tile %d", ax.name, ax.starts, ax.pad, ax.size)
		}
		// Coverage: tiles in order, each begins inside the previous one's
		// extent (or right after it) and no further than step, so the union
		// is [0, pad).
		step := cfg.Tile - cfg.Overlap
		covered := make([]int, ax.pad)
		for k, s := range ax.starts {
			if k > 0 && (s <= ax.starts[k-1] || s-ax.starts[k-1] > step) {
				t.Errorf("%s: starts %v: gap at %d", ax.name, ax.starts, k)
			}
			if s >= ax.n {
				t.Errorf("%s: tile at %d holds no image pixel (n %d)", ax.name, s, ax.n)
			}
			for i := s; i < s+ax.size; i++ {
				covered[i]++
			}
		}
		for i, c := range covered {
			if c == 0 {
				t.Errorf("%s: canvas pixel %d not covered", ax.name, i)
				break
			}
		}
	}
	tiles := p.Tiles()
	if len(tiles) != p.Len() {
		t.Fatalf("Tiles: %d, want %d", len(tiles), p.Len())
	}
	for i, tl := range tiles {
		if tl != p.Tile(i) || tl.Index != i || tl.Row != i/p.Cols() || tl.Col != i%p.Cols() ||
			tl.W != p.TileW || tl.H != p.TileH || !p.Contains(tl) {
			t.Fatalf("tile %d: %+v", i, tl)
		}
		if i > 0 {
			prev := tiles[i-1]
			if !(tl.Y > prev.Y || tl.Y == prev.Y && tl.X > prev.X) {
				t.Fatalf("tiles %d, %d not row-major: %+v %+v", i-1, i, prev, tl)
			}
		}
	}
}

func TestPlanCoverage2D(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		cfg  Config
	}{
		{37, 91, Config{16, 5, 4, false}},
		{130, 3, Config{32, 8, 8, true}},
		{64, 64, Config{64, 8, 8, false}},
	} {
		p, err := NewPlan(tc.w, tc.h, tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		cover := make([]int, p.PadW*p.PadH)
		for _, tl := range p.Tiles() {
			for y := tl.Y; y < tl.Y+tl.H; y++ {
				for x := tl.X; x < tl.X+tl.W; x++ {
					cover[y*p.PadW+x]++
				}
			}
		}
		for i, c := range cover {
			if c == 0 {
				t.Fatalf("%v: canvas pixel (%d, %d) uncovered", p, i%p.PadW, i/p.PadW)
			}
		}
	}
}

func TestNewPlanErrors(t *testing.T) {
	ok := Config{Tile: 64, Overlap: 8, Multiple: 8}
	tests := []struct {
		name string
		w, h int
		cfg  Config
		want []string
	}{
		{"zero width", 0, 10, ok, []string{"width"}},
		{"negative height", 10, -1, ok, []string{"height"}},
		{"huge width", MaxSide + 1, 10, ok, []string{"width"}},
		{"zero tile", 10, 10, Config{0, 0, 8, false}, []string{"Config.Tile"}},
		{"negative tile", 10, 10, Config{-8, 0, 8, false}, []string{"Config.Tile"}},
		{"tile not multiple", 10, 10, Config{60, 8, 8, false}, []string{"Config.Tile", "multiple"}},
		{"zero multiple", 10, 10, Config{64, 8, 0, false}, []string{"Config.Multiple"}},
		{"negative overlap", 10, 10, Config{64, -1, 8, false}, []string{"Config.Overlap", ">= 0"}},
		{"overlap equals tile", 10, 10, Config{64, 64, 8, false}, []string{"Config.Overlap", "< Tile"}},
		{"overlap above tile", 10, 10, Config{64, 100, 8, false}, []string{"Config.Overlap"}},
		{"all at once", 0, 0, Config{7, 9, 2, false}, []string{"width", "height", "Config.Tile", "Config.Overlap"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPlan(tc.w, tc.h, tc.cfg)
			if err == nil {
				t.Fatalf("got plan %v, want error", p)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if !strings.HasPrefix(err.Error(), "tile: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestPlanAccessorsPanic(t *testing.T) {
	p, err := NewPlan(100, 100, Config{64, 8, 8, false})
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(){
		"Tile(-1)":   func() { p.Tile(-1) },
		"Tile(Len)":  func() { p.Tile(p.Len()) },
		"At(0,Cols)": func() { p.At(0, p.Cols()) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
	bad := p.Tile(1)
	bad.X++
	if p.Contains(bad) {
		t.Errorf("Contains(%+v) = true", bad)
	}
	if got := p.String(); got != "tile plan 100×100 → canvas 104×104, 2×2 tiles of 64×64" {
		t.Errorf("String() = %q", got)
	}
}
