package tile

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// smooth is a smooth test image defined at every HR canvas coordinate,
// padding included.
func smooth(c, x, y int) float32 {
	fx, fy := float64(x), float64(y)
	return float32(0.6*math.Sin(0.031*fx+0.7*float64(c))*math.Cos(0.017*fy) + 0.3*math.Sin(0.011*(fx+fy)))
}

// hrTile renders the true HR pixels of tile t (padding included) with fn.
func hrTile(dst []float32, t Tile, scale, ch int, fn func(c, x, y int) float32) {
	tw, th := t.W*scale, t.H*scale
	for c := range ch {
		for y := range th {
			for x := range tw {
				dst[(c*th+y)*tw+x] = fn(c, t.X*scale+x, t.Y*scale+y)
			}
		}
	}
}

// blendAll blends every tile of p (rendered with fn) and returns the
// assembled HR image, checking the sink contract on the way.
func blendAll(t *testing.T, p *Plan, scale, ch int, fn func(c, x, y int) float32) []float32 {
	t.Helper()
	var img []float32
	nextY := 0
	var b *Blender
	b, err := NewBlender(p, scale, ch, func(y int, rows []float32, n int) error {
		if y != nextY || n < 1 || len(rows) != ch*n*b.Width() {
			t.Fatalf("sink(y %d, len %d, n %d), want y %d and len %d", y, len(rows), n, nextY, ch*n*b.Width())
		}
		w, h := b.Width(), b.Height()
		for c := range ch {
			for i := range n {
				copy(img[(c*h+y+i)*w:][:w], rows[(c*n+i)*w:][:w])
			}
		}
		nextY += n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.Width() != p.Width*scale || b.Height() != p.Height*scale {
		t.Fatalf("output %d×%d, want %d×%d", b.Width(), b.Height(), p.Width*scale, p.Height*scale)
	}
	img = make([]float32, ch*b.Width()*b.Height())
	hr := make([]float32, ch*p.TileW*scale*p.TileH*scale)
	for i := range p.Len() {
		tl := p.Tile(i)
		hrTile(hr, tl, scale, ch, fn)
		if err := b.Add(tl, hr); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if nextY != b.Height() {
		t.Fatalf("sink got rows [0, %d), want [0, %d)", nextY, b.Height())
	}
	return img
}

var blendPlans = []struct {
	w, h  int
	cfg   Config
	scale int
}{
	{200, 150, Config{64, 16, 8, false}, 2},
	{200, 150, Config{128, 32, 8, false}, 2},
	{200, 150, Config{256, 16, 8, false}, 2}, // whole image in one tile
	{200, 150, Config{64, 0, 8, false}, 2},   // only the clamped last tiles overlap
	{200, 150, Config{32, 24, 8, false}, 2},  // ramps meet inside tiles
	{200, 150, Config{128, 16, 8, true}, 2},
	{70, 45, Config{32, 8, 8, false}, 4},
	{37, 91, Config{16, 5, 1, false}, 3},
	{1, 1, Config{8, 0, 8, true}, 4},
	{3, 200, Config{16, 15, 1, false}, 1},
}

func TestBlendConstantExact(t *testing.T) {
	consts := []float32{0.3, -1, 1, 0.123456789, -0.7071}
	for _, tc := range blendPlans {
		t.Run(fmt.Sprintf("%dx%d_s%d_%+v", tc.w, tc.h, tc.scale, tc.cfg), func(t *testing.T) {
			p, err := NewPlan(tc.w, tc.h, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			img := blendAll(t, p, tc.scale, len(consts), func(c, x, y int) float32 { return consts[c] })
			n := len(img) / len(consts)
			for i, v := range img {
				if v != consts[i/n] {
					t.Fatalf("pixel %d = %v, want exactly %v", i, v, consts[i/n])
				}
			}
		})
	}
}

func TestBlendReproducesImage(t *testing.T) {
	for _, tc := range blendPlans {
		t.Run(fmt.Sprintf("%dx%d_s%d_%+v", tc.w, tc.h, tc.scale, tc.cfg), func(t *testing.T) {
			p, err := NewPlan(tc.w, tc.h, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			const ch = 3
			img := blendAll(t, p, tc.scale, ch, smooth)
			w, h := tc.w*tc.scale, tc.h*tc.scale
			for c := range ch {
				for y := range h {
					for x := range w {
						got, want := img[(c*h+y)*w+x], smooth(c, x, y)
						if math.Abs(float64(got-want)) > 1e-6 {
							t.Fatalf("(%d, %d, %d) = %v, want %v", c, y, x, got, want)
						}
					}
				}
			}
		})
	}
}

// TestBlendStreams checks that rows reach the sink as soon as no later tile
// can touch them, in chunks no larger than a tile step.
func TestBlendStreams(t *testing.T) {
	p, err := NewPlan(40, 100, Config{32, 8, 8, false}) // rows start at 0, 24, 48, 68
	if err != nil {
		t.Fatal(err)
	}
	const scale = 2
	flushed := 0
	b, err := NewBlender(p, scale, 1, func(y int, rows []float32, n int) error {
		if n > (32-8)*scale {
			t.Errorf("sink got %d rows, more than a tile step", n)
		}
		flushed = y + n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hr := make([]float32, p.TileW*scale*p.TileH*scale)
	for i := range p.Len() {
		tl := p.Tile(i)
		if err := b.Add(tl, hr); err != nil {
			t.Fatal(err)
		}
		want := 0
		if tl.Col == p.Cols()-1 && tl.Row+1 < p.Rows() {
			want = p.At(tl.Row+1, 0).Y * scale
		} else if tl.Row > 0 {
			want = tl.Y * scale
		}
		if flushed != want {
			t.Fatalf("after tile %d: %d rows flushed, want %d", i, flushed, want)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if flushed != 200 {
		t.Fatalf("after Close: %d rows flushed, want 200", flushed)
	}
}

// TestBlendMemoryBand blends a tall image and checks that the blender holds
// one band whatever the height, and that Add never allocates.
func TestBlendMemoryBand(t *testing.T) {
	cfg := Config{Tile: 32, Overlap: 8, Multiple: 8}
	const w, scale, ch = 24, 2, 3
	band := func(h int) int {
		p, err := NewPlan(w, h, cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewBlender(p, scale, ch, func(int, []float32, int) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	p, err := NewPlan(w, 3000, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The band: accumulator, row and column weight sums, hand-off buffer,
	// and at most four distinct feather profiles per axis.
	W := w * scale
	bandRows := p.TileH * scale
	chunk := (cfg.Tile - cfg.Overlap) * scale
	bound := 8*(ch*bandRows*W+bandRows+W) + 4*ch*chunk*W + 8*4*(p.TileW*scale+p.TileH*scale)
	for _, h := range []int{200, 3000, 100000} {
		if got := band(h); got > bound {
			t.Errorf("height %d: Bytes() = %d, more than the band (%d)", h, got, bound)
		}
	}
	if a, b := band(3000), band(100000); a != b {
		t.Errorf("Bytes() grows with height: %d for 3000 rows, %d for 100000", a, b)
	}

	maxBytes, rows := 0, 0
	var b *Blender
	b, err = NewBlender(p, scale, ch, func(y int, _ []float32, n int) error {
		maxBytes = max(maxBytes, b.Bytes())
		rows += n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hr := make([]float32, ch*p.TileW*scale*p.TileH*scale)
	i := 0
	allocs := testing.AllocsPerRun(p.Len()-1, func() {
		if err := b.Add(p.Tile(i), hr); err != nil {
			panic(err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("Add allocates %v times per call", allocs)
	}
	if i != p.Len() {
		t.Fatalf("added %d of %d tiles", i, p.Len())
	}
	if maxBytes == 0 || maxBytes > bound {
		t.Errorf("blender held %d bytes while streaming, band is %d", maxBytes, bound)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if rows != 3000*scale || b.Bytes() != 0 {
		t.Errorf("%d rows, %d bytes after Close", rows, b.Bytes())
	}
}

func TestBlenderErrors(t *testing.T) {
	p, err := NewPlan(100, 100, Config{64, 16, 8, false}) // 2×2 tiles
	if err != nil {
		t.Fatal(err)
	}
	const scale, ch = 2, 3
	sink := func(int, []float32, int) error { return nil }
	hr := make([]float32, ch*p.TileW*scale*p.TileH*scale)

	t.Run("constructor", func(t *testing.T) {
		for name, f := range map[string]func() (*Blender, error){
			"nil plan":  func() (*Blender, error) { return NewBlender(nil, scale, ch, sink) },
			"nil sink":  func() (*Blender, error) { return NewBlender(p, scale, ch, nil) },
			"channels":  func() (*Blender, error) { return NewBlender(p, scale, 0, sink) },
			"scale":     func() (*Blender, error) { return NewBlender(p, 0, ch, sink) },
			"big scale": func() (*Blender, error) { return NewBlender(p, MaxScale+1, ch, sink) },
		} {
			if b, err := f(); err == nil || b != nil {
				t.Errorf("%s: got %v, %v", name, b, err)
			}
		}
	})

	t.Run("order and length", func(t *testing.T) {
		b, err := NewBlender(p, scale, ch, sink)
		if err != nil {
			t.Fatal(err)
		}
		alien := p.Tile(0)
		alien.X = 3
		for _, tc := range []struct {
			name string
			t    Tile
			hr   []float32
			want string
		}{
			{"out of order", p.Tile(1), hr, "plan order"},
			{"alien tile", alien, hr, "plan order"},
			{"short hr", p.Tile(0), hr[1:], "len(hr)"},
			{"channels", p.Tile(0), hr[:len(hr)/ch], "len(hr)"},
		} {
			if err := b.Add(tc.t, tc.hr); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
			}
		}
		if b.Next() != 0 {
			t.Fatalf("rejected tiles advanced the blender to %d", b.Next())
		}
		for i := range p.Len() {
			if err := b.Add(p.Tile(i), hr); err != nil {
				t.Fatalf("tile %d: %v", i, err)
			}
		}
		if err := b.Add(p.Tile(0), hr); err == nil || !strings.Contains(err.Error(), "already added") {
			t.Errorf("extra tile: %v", err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); !errors.Is(err, errClosed) {
			t.Errorf("second Close: %v", err)
		}
		if err := b.Add(p.Tile(0), hr); !errors.Is(err, errClosed) {
			t.Errorf("Add after Close: %v", err)
		}
	})

	t.Run("missing tiles", func(t *testing.T) {
		called := false
		b, err := NewBlender(p, scale, ch, func(int, []float32, int) error { called = true; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Add(p.Tile(0), hr); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err == nil || !strings.Contains(err.Error(), "3 of 4 tiles missing") {
			t.Errorf("Close: %v", err)
		}
		if called {
			t.Error("sink called although tiles were missing")
		}
	})

	t.Run("sink error", func(t *testing.T) {
		boom := errors.New("disk full")
		b, err := NewBlender(p, scale, ch, func(int, []float32, int) error { return boom })
		if err != nil {
			t.Fatal(err)
		}
		var first error
		for i := range p.Len() {
			if first = b.Add(p.Tile(i), hr); first != nil {
				break
			}
		}
		if !errors.Is(first, boom) {
			t.Fatalf("Add: %v, want the sink error", first)
		}
		if err := b.Add(p.Tile(b.Next()), hr); !errors.Is(err, boom) {
			t.Errorf("Add after sink error: %v", err)
		}
		if err := b.Close(); !errors.Is(err, boom) {
			t.Errorf("Close after sink error: %v", err)
		}
	})
}

func BenchmarkBlend256x4(b *testing.B) {
	p, err := NewPlan(256, 256, Config{Tile: 64, Overlap: 16, Multiple: 8})
	if err != nil {
		b.Fatal(err)
	}
	const scale, ch = 4, 3
	hr := make([]float32, ch*p.TileW*scale*p.TileH*scale)
	for i := range hr {
		hr[i] = float32(i%255)/127.5 - 1
	}
	tiles := p.Tiles()
	sink := func(int, []float32, int) error { return nil }
	b.SetBytes(int64(4 * ch * 256 * scale * 256 * scale)) // output bytes
	b.ReportAllocs()
	for b.Loop() {
		bl, err := NewBlender(p, scale, ch, sink)
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range tiles {
			if err := bl.Add(t, hr); err != nil {
				b.Fatal(err)
			}
		}
		if err := bl.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
