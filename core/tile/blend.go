package tile

import (
	"errors"
	"fmt"
)

// RowSink receives finished output rows from a [Blender]: n >= 1 HR rows
// starting at output row y, in increasing y order, each row exactly once.
// rows is planar CHW for those rows, len channels*n*width with width the
// unpadded HR width ([Blender.Width]): pixel (c, y+i, x) is
// rows[(c*n+i)*width+x]. The values are final (normalised weighted means).
// rows is owned by the blender and reused: it is valid only during the call.
// A non-nil error stops the blender; Add and Close return it wrapped.
type RowSink func(y int, rows []float32, n int) error

// Blender accumulates HR tile results into the output with the plan's
// feather weights and streams finished rows to a [RowSink].
//
// Memory is one band, independent of the image height: a float64
// accumulator of channels × min(TileH·scale, height) × width HR values
// (a ring of rows), one row-weight sum per band row, one column-weight sum
// per output column and a float32 hand-off buffer of at most
// min((Tile-Overlap)·scale, 64) rows; see [Blender.Bytes]. Weight sums are not stored
// per pixel: the weights are separable and the tiles form a grid, so the total
// weight of a pixel is Σcols wx · Σrows wy.
//
// Tiles must be added in plan order. When the last tile of a tile row
// arrives, every output row above the next tile row's top edge is final; those
// rows are divided by their total weight, handed to the sink and their band
// rows reused. Close flushes the rows under the last tile row. Accumulation is
// in float64, so a region that every covering tile reports identically
// (e.g. a constant image) comes out bit-exact.
//
// A Blender is not safe for concurrent use. After a sink error every call
// returns that error.
type Blender struct {
	plan    *Plan
	feather *Feather
	sink    RowSink
	scale   int
	ch      int
	w, h    int // unpadded HR output size

	band  int       // ring rows: output row y lives in ring row y % band
	acc   []float64 // ch × band × w weighted sums
	sy    []float64 // band: Σ row weights of each ring row
	sx    []float64 // w: Σ column weights of each output column
	out   []float32 // ch × chunk × w hand-off buffer
	chunk int       // most rows per sink call

	next    int // index of the next tile Add accepts
	flushed int // output rows [0, flushed) have gone to the sink
	err     error
	closed  bool
}

var errClosed = errors.New("tile: blender closed")

// maxChunk is the most output rows handed to the sink per call.
const maxChunk = 64

// NewBlender returns a blender for the tiles of p upscaled by scale
// (1..MaxScale), with channels (>= 1) channels, writing finished rows to sink.
func NewBlender(p *Plan, scale, channels int, sink RowSink) (*Blender, error) {
	if p == nil {
		return nil, errors.New("tile: NewBlender: nil plan")
	}
	if sink == nil {
		return nil, errors.New("tile: NewBlender: nil sink")
	}
	if channels < 1 {
		return nil, fmt.Errorf("tile: channels: must be >= 1, got %d", channels)
	}
	f, err := NewFeather(p, scale)
	if err != nil {
		return nil, err
	}
	b := &Blender{
		plan: p, feather: f, sink: sink,
		scale: scale, ch: channels,
		w: p.Width * scale, h: p.Height * scale,
	}
	b.band = min(p.TileH*scale, b.h)
	step := p.Config.Tile - p.Config.Overlap
	// Hand rows to the sink in pieces of at most maxChunk rows: the hand-off buffer then stays small
	// (it would otherwise be a second band-sized buffer for wide images).
	b.chunk = min(step*scale, b.band, maxChunk)
	b.acc = make([]float64, channels*b.band*b.w)
	b.sy = make([]float64, b.band)
	b.out = make([]float32, channels*b.chunk*b.w)
	b.sx = make([]float64, b.w)
	for col := range p.Cols() {
		x0 := p.xs[col] * scale
		for i, v := range f.X(col)[:min(p.TileW*scale, b.w-x0)] {
			b.sx[x0+i] += v
		}
	}
	return b, nil
}

// Width returns the HR output width, Plan.Width·scale.
func (b *Blender) Width() int { return b.w }

// Height returns the HR output height, Plan.Height·scale.
func (b *Blender) Height() int { return b.h }

// Next returns the plan index of the tile the next Add expects
// (Plan.Len() once all tiles are in).
func (b *Blender) Next() int { return b.next }

// Feather returns the weights the blender uses.
func (b *Blender) Feather() *Feather { return b.feather }

// Bytes returns the memory held by the blender's buffers and weights. It is
// fixed at construction (nothing grows afterwards, and it does not depend on
// the image height) and 0 after Close.
func (b *Blender) Bytes() int {
	if b.closed {
		return 0
	}
	return 8*(len(b.acc)+len(b.sy)+len(b.sx)) + 4*len(b.out) + b.feather.bytes()
}

// Add blends tile t, whose upscaled result hr is planar CHW of
// channels × TileH·scale × TileW·scale (hr is not retained). t must be the
// plan's tile number Next(); a wrong tile or length is an error and changes
// nothing. Completing a tile row hands the rows that are now final to the
// sink. Add does not allocate.
func (b *Blender) Add(t Tile, hr []float32) error {
	if b.closed {
		return errClosed
	}
	if b.err != nil {
		return b.err
	}
	p := b.plan
	if b.next >= p.Len() {
		return fmt.Errorf("tile: Add: all %d tiles already added", p.Len())
	}
	if want := p.Tile(b.next); t != want {
		return fmt.Errorf("tile: Add: got tile %+v, want tile %d (row %d, col %d) in plan order", t, want.Index, want.Row, want.Col)
	}
	s := b.scale
	tw, th := p.TileW*s, p.TileH*s
	if len(hr) != b.ch*th*tw {
		return fmt.Errorf("tile: Add: tile %d: len(hr) = %d, want %d (%d×%d×%d)", t.Index, len(hr), b.ch*th*tw, b.ch, th, tw)
	}

	x0, y0 := t.X*s, t.Y*s
	nx := min(tw, b.w-x0) // columns inside the output
	ny := min(th, b.h-y0) // rows inside the output
	wx := b.feather.X(t.Col)[:nx]
	wy := b.feather.Y(t.Row)
	r0 := y0 % b.band
	if t.Col == 0 {
		r := r0
		for i := range ny {
			b.sy[r] += wy[i]
			if r++; r == b.band {
				r = 0
			}
		}
	}
	for c := range b.ch {
		plane := b.acc[c*b.band*b.w : (c+1)*b.band*b.w]
		src := hr[c*th*tw : (c+1)*th*tw]
		r := r0
		for i := range ny {
			dst := plane[r*b.w+x0:][:nx]
			row := src[i*tw:][:nx]
			wyi := wy[i]
			for x, v := range row {
				dst[x] += wyi * wx[x] * float64(v)
			}
			if r++; r == b.band {
				r = 0
			}
		}
	}
	b.next++

	if t.Col == p.Cols()-1 && t.Row+1 < p.Rows() {
		// No later tile reaches above the next tile row.
		return b.flush(min(p.ys[t.Row+1]*s, b.h))
	}
	return nil
}

// Close flushes the remaining rows to the sink and releases the buffers. It
// is an error if tiles are missing (nothing more is written then), if the
// sink failed, or if Close was already called.
func (b *Blender) Close() error {
	if b.closed {
		return errClosed
	}
	defer b.release()
	if b.err != nil {
		return b.err
	}
	if n := b.plan.Len(); b.next < n {
		return fmt.Errorf("tile: Close: %d of %d tiles missing (next is tile %d)", n-b.next, n, b.next)
	}
	return b.flush(b.h)
}

func (b *Blender) release() {
	b.closed = true
	b.acc, b.sy, b.sx, b.out = nil, nil, nil, nil
}

// flush normalises output rows [b.flushed, to), hands them to the sink in
// pieces of at most b.chunk rows and clears their ring rows.
func (b *Blender) flush(to int) error {
	for b.flushed < to {
		y, n := b.flushed, min(b.chunk, to-b.flushed)
		out := b.out[:b.ch*n*b.w]
		for c := range b.ch {
			plane := b.acc[c*b.band*b.w : (c+1)*b.band*b.w]
			for i := range n {
				r := (y + i) % b.band
				acc := plane[r*b.w:][:b.w]
				o := out[(c*n+i)*b.w:][:b.w]
				sy := b.sy[r]
				for x, v := range acc {
					o[x] = float32(v / (b.sx[x] * sy))
					acc[x] = 0
				}
			}
		}
		for i := range n {
			b.sy[(y+i)%b.band] = 0
		}
		b.flushed += n
		if err := b.sink(y, out, n); err != nil {
			b.err = fmt.Errorf("tile: sink rows %d..%d: %w", y, y+n-1, err)
			return b.err
		}
	}
	return nil
}
