// Package tile splits an image into fixed-shape, overlapping tiles and blends
// the upscaled tiles back into the output with feathered weights, streaming
// finished output rows so that memory is bounded by one band of tiles rather
// than by the image. It is pure Go (no cgo) and depends only on the standard
// library.
//
// # Coordinates and layouts
//
//   - Images and tiles are float32, planar CHW: a C-channel W×H image is a
//     []float32 of length C*H*W and pixel (c, y, x) is at index (c*H+y)*W+x.
//   - LR is the input resolution, HR = scale × LR the output resolution. A
//     [Plan] is in LR pixels; the blender and the feather weights work in HR
//     pixels (tile (X, Y, W, H) covers HR pixels (X·s, Y·s, W·s, H·s)).
//   - The image (Width×Height) is virtually reflect-padded on the bottom and
//     right to a canvas PadW×PadH that is a multiple of Config.Multiple and at
//     least one tile; every tile has the same shape TileW×TileH and lies on the
//     canvas. Nothing is ever padded at the top or left, so canvas and image
//     coordinates agree wherever both exist. Output is cropped back to the
//     unpadded HR size Width·s × Height·s.
//
// # The pipeline
//
//	p, err := tile.NewPlan(w, h, tile.Config{Tile: 128, Overlap: 16, Multiple: 8})
//	b, err := tile.NewBlender(p, scale, 3, func(y int, rows []float32, n int) error {
//		// rows: 3 × n × b.Width(), HR rows y..y+n-1, final values
//		return nil
//	})
//	lr := make([]float32, 3*p.TileW*p.TileH)
//	for i := 0; i < p.Len(); i++ {
//		t := p.Tile(i)
//		p.Extract(lr, img, 3, t)     // LR tile, reflect-padded where it leaves the image
//		hr := upscale(lr)            // 3 × TileH·s × TileW·s
//		if err := b.Add(t, hr); err != nil { ... }
//	}
//	err = b.Close()                  // flushes the last rows
//
// [Plan.ExtractMargin] extracts a tile with extra context on every side (the
// LR pixels a cubic upsampling of the tile reads). A [Range] of consecutive
// tiles ([Plan.Split]) lets separate calls or machines sample parts of a
// plan; their HR tiles are blended in plan order.
//
// Tiles may be computed concurrently and in batches, but they must reach
// [Blender.Add] in plan order (row-major); a caller that computes out of order
// reorders before Add.
//
// # Ownership and concurrency
//
// A [Plan] and a [Feather] are immutable after construction and safe for
// concurrent use; slices they return are shared and must not be modified.
// [Plan.Extract] only reads the source and writes dst, so concurrent calls with
// distinct dst slices are safe. A [Blender] is not safe for concurrent use; it
// never retains the slices passed to Add, and the rows slice given to a
// [RowSink] is owned by the blender and valid only during that call.
package tile
