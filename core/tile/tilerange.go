package tile

import "fmt"

// Range is a run of consecutive tiles of a [Plan] in plan order: tiles
// First, First+1, …, First+N-1. Distributed callers split a plan into ranges,
// sample each range separately (core.Engine.UpscaleTiles) and blend the tiles
// of all ranges in plan order.
type Range struct {
	First int // index of the first tile, 0 <= First < Plan.Len()
	N     int // number of tiles, >= 1, First+N <= Plan.Len()
}

// All returns the range of every tile of p.
func (p *Plan) All() Range { return Range{First: 0, N: p.Len()} }

// CheckRange reports whether r lies within p, naming the offending field.
func (p *Plan) CheckRange(r Range) error {
	switch {
	case r.First < 0 || r.First >= p.Len():
		return fmt.Errorf("tile: Range.First: must be in [0, %d), got %d", p.Len(), r.First)
	case r.N < 1 || r.N > p.Len()-r.First:
		return fmt.Errorf("tile: Range.N: must be in [1, %d] for First %d of %d tiles, got %d", p.Len()-r.First, r.First, p.Len(), r.N)
	}
	return nil
}

// Split divides p's tiles into at most n ranges, in plan order, each
// starting at a multiple of align (n, align >= 1; smaller values count as 1):
// the plan's tiles are grouped in blocks of align (the last may be shorter)
// and the blocks dealt out so that range lengths differ by at most one block.
// With align = the batch size of the calls that sample the ranges, every
// range is sampled in the same batches as the whole plan. The result depends
// only on p.Len(), n and align.
func (p *Plan) Split(n, align int) []Range {
	align = max(1, align)
	blocks := (p.Len() + align - 1) / align
	n = max(1, min(n, blocks))
	rs := make([]Range, 0, n)
	for k := range n {
		a, b := k*blocks/n*align, min((k+1)*blocks/n*align, p.Len())
		rs = append(rs, Range{First: a, N: b - a})
	}
	return rs
}
