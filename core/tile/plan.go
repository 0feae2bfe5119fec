package tile

import (
	"errors"
	"fmt"
)

// MaxSide is the largest image side (LR pixels) a [Plan] accepts. It keeps
// every product of sizes the package computes far from int overflow.
const MaxSide = 1 << 24

// Config describes how an image is tiled. All sizes are LR pixels.
type Config struct {
	// Tile is the tile side. It must be > 0 and a multiple of Multiple.
	Tile int
	// Overlap is the overlap between neighbouring tiles: 0 <= Overlap < Tile.
	// Tiles start every Tile-Overlap pixels; the last tile of an axis is
	// moved back to end at the canvas edge, so it may overlap its neighbour
	// by more than Overlap.
	Overlap int
	// Multiple is the granularity of the canvas (the model's padding
	// multiple): the canvas sides and the tile sides are multiples of it.
	// It must be >= 1.
	Multiple int
	// Fixed asks for tiles of exactly Tile×Tile even when the image is
	// smaller than a tile (the canvas is then padded up to the tile). When
	// false, a tile shrinks in an axis where the padded image is smaller than
	// Tile, to the padded image size.
	Fixed bool
}

// Validate reports every problem with c, each naming its field, joined with
// errors.Join; nil when c is usable.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("tile: Config.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.Multiple < 1 {
		bad("Multiple", "must be >= 1, got %d", c.Multiple)
	}
	switch {
	case c.Tile <= 0:
		bad("Tile", "must be > 0, got %d", c.Tile)
	case c.Tile > MaxSide:
		bad("Tile", "must be <= %d, got %d", MaxSide, c.Tile)
	case c.Multiple >= 1 && c.Tile%c.Multiple != 0:
		bad("Tile", "must be a multiple of Multiple (%d), got %d", c.Multiple, c.Tile)
	}
	switch {
	case c.Overlap < 0:
		bad("Overlap", "must be >= 0, got %d", c.Overlap)
	case c.Tile > 0 && c.Overlap >= c.Tile:
		bad("Overlap", "must be < Tile (%d), got %d", c.Tile, c.Overlap)
	}
	return errors.Join(errs...)
}

// Tile is one tile of a [Plan]. X, Y are the top-left corner on the LR
// canvas; W, H always equal the plan's TileW, TileH.
type Tile struct {
	Index    int // position in plan order (row-major): Row*Cols()+Col
	Row, Col int // tile row and column
	X, Y     int // LR canvas coordinates of the top-left pixel
	W, H     int // LR size (= Plan.TileW, Plan.TileH)
}

// Plan is a tiling of a Width×Height LR image: a reflect-padded canvas
// PadW×PadH covered by Rows()×Cols() tiles of TileW×TileH, in row-major
// order. The exported fields are read-only; a Plan is immutable and safe for
// concurrent use. It stores only the tile start positions per axis
// (O(Rows+Cols) memory); tiles are computed on demand.
type Plan struct {
	Width, Height int    // unpadded image size
	PadW, PadH    int    // canvas size: multiples of Config.Multiple, >= image and tile
	TileW, TileH  int    // tile shape, identical for every tile
	Config        Config // the configuration the plan was built from

	xs, ys []int // tile start positions per axis, strictly increasing
}

// NewPlan tiles a width×height LR image according to cfg.
//
// Per axis of length n: the canvas is n rounded up to cfg.Multiple; with
// cfg.Fixed the tile is cfg.Tile and the canvas grows to at least cfg.Tile,
// otherwise the tile is min(cfg.Tile, canvas). Tile starts are 0, step,
// 2·step, … with step = cfg.Tile-cfg.Overlap, stopping at the first tile that
// reaches the canvas edge, which is placed to end exactly at the edge
// (start = canvas-tile). Every canvas pixel is covered and every tile holds
// at least one image pixel.
func NewPlan(width, height int, cfg Config) (*Plan, error) {
	var errs []error
	for _, d := range []struct {
		name string
		v    int
	}{{"width", width}, {"height", height}} {
		if d.v <= 0 || d.v > MaxSide {
			errs = append(errs, fmt.Errorf("tile: %s: must be in [1, %d], got %d", d.name, MaxSide, d.v))
		}
	}
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p := &Plan{Width: width, Height: height, Config: cfg}
	p.PadW, p.TileW, p.xs = planAxis(width, cfg)
	p.PadH, p.TileH, p.ys = planAxis(height, cfg)
	return p, nil
}

// planAxis returns the canvas length, tile length and tile starts of an axis
// of n image pixels.
func planAxis(n int, cfg Config) (pad, size int, starts []int) {
	pad = (n + cfg.Multiple - 1) / cfg.Multiple * cfg.Multiple
	size = cfg.Tile
	if cfg.Fixed {
		pad = max(pad, size)
	} else {
		size = min(size, pad)
	}
	step := cfg.Tile - cfg.Overlap
	starts = make([]int, 0, 1+(pad-size+step-1)/step)
	for s := 0; ; s += step {
		if s+size >= pad {
			// Last tile: flush with the canvas edge. It starts after the
			// previous one because that one ended before the edge.
			return pad, size, append(starts, pad-size)
		}
		starts = append(starts, s)
	}
}

// Len returns the number of tiles, Rows()*Cols().
func (p *Plan) Len() int { return len(p.xs) * len(p.ys) }

// Rows returns the number of tile rows.
func (p *Plan) Rows() int { return len(p.ys) }

// Cols returns the number of tiles per row.
func (p *Plan) Cols() int { return len(p.xs) }

// Tile returns the i-th tile in plan (row-major) order. It panics if i is
// not in [0, Len()).
func (p *Plan) Tile(i int) Tile {
	if i < 0 || i >= p.Len() {
		panic(fmt.Sprintf("tile: Plan.Tile: index %d out of range [0, %d)", i, p.Len()))
	}
	return p.At(i/len(p.xs), i%len(p.xs))
}

// At returns the tile in tile row row and column col. It panics if either
// is out of range.
func (p *Plan) At(row, col int) Tile {
	if row < 0 || row >= len(p.ys) || col < 0 || col >= len(p.xs) {
		panic(fmt.Sprintf("tile: Plan.At: (row %d, col %d) out of range (%d×%d tiles)", row, col, len(p.ys), len(p.xs)))
	}
	return Tile{
		Index: row*len(p.xs) + col,
		Row:   row, Col: col,
		X: p.xs[col], Y: p.ys[row],
		W: p.TileW, H: p.TileH,
	}
}

// Tiles returns all tiles in plan order in a newly allocated slice.
func (p *Plan) Tiles() []Tile {
	ts := make([]Tile, 0, p.Len())
	for r := range p.ys {
		for c := range p.xs {
			ts = append(ts, p.At(r, c))
		}
	}
	return ts
}

// Contains reports whether t is exactly one of p's tiles.
func (p *Plan) Contains(t Tile) bool {
	if t.Row < 0 || t.Row >= len(p.ys) || t.Col < 0 || t.Col >= len(p.xs) {
		return false
	}
	return t == p.At(t.Row, t.Col)
}

// String describes the plan, e.g. "tile plan 300×200 → canvas 304×200, 2×3 tiles of 128×128".
func (p *Plan) String() string {
	return fmt.Sprintf("tile plan %d×%d → canvas %d×%d, %d×%d tiles of %d×%d",
		p.Width, p.Height, p.PadW, p.PadH, len(p.ys), len(p.xs), p.TileW, p.TileH)
}
