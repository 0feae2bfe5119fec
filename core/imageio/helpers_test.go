package imageio

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"log/slog"
	"os"
	"strconv"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/resshift/resshift/internal/testimg"
)

func TestMain(m *testing.M) {
	// Expected libvips warnings (truncated files, ...) would clutter the
	// output; TestLogging checks the routing with its own handler.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	// One worker thread unless a test runs itself as a child with more (see
	// TestDamagedDeterministic).
	n, _ := strconv.Atoi(os.Getenv("IMAGEIO_TEST_CONCURRENCY"))
	Startup(Config{Concurrency: max(n, 1)})
	os.Exit(m.Run())
}

// level returns the 8-bit pattern value of channel c at (x, y): every value
// 0..255 occurs for moderately sized images, including 0 and 255.
func level(x, y, c int) uint8 { return uint8((x*37 + y*91 + c*53 + x*y) % 256) }

// level16 is the 16-bit pattern value (uses the low byte too).
func level16(x, y, c int) uint16 {
	return uint16((x*4099 + y*9311 + c*20011 + x*y*7) % 65536)
}

func alphaLevel(x, y int) uint8 { return uint8(1 + (x*13+y*29)%255) } // 1..255, never 0

func nrgba(w, h int, alpha bool) *image.NRGBA {
	im := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if alpha {
				a = alphaLevel(x, y)
			}
			im.SetNRGBA(x, y, color.NRGBA{level(x, y, 0), level(x, y, 1), level(x, y, 2), a})
		}
	}
	return im
}

func nrgba64(w, h int, alpha bool) *image.NRGBA64 {
	im := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint16(65535)
			if alpha {
				a = uint16(alphaLevel(x, y)) * 257
			}
			im.SetNRGBA64(x, y, color.NRGBA64{level16(x, y, 0), level16(x, y, 1), level16(x, y, 2), a})
		}
	}
	return im
}

func gray8(w, h int) *image.Gray {
	im := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			im.SetGray(x, y, color.Gray{level(x, y, 0)})
		}
	}
	return im
}

func gray16(w, h int) *image.Gray16 {
	im := image.NewGray16(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			im.SetGray16(x, y, color.Gray16{level16(x, y, 0)})
		}
	}
	return im
}

var palette = color.Palette{
	color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 255, 0, 255},
	color.NRGBA{0, 0, 255, 255}, color.NRGBA{10, 20, 30, 128},
}

func paletted(w, h int) *image.Paletted {
	im := image.NewPaletted(image.Rect(0, 0, w, h), palette)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			im.SetColorIndex(x, y, uint8((x+y)%len(palette)))
		}
	}
	return im
}

func encPNG(t testing.TB, im image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encGIF(t testing.TB, im *image.Paletted) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, im, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngChunk returns a PNG chunk with a valid CRC.
var (
	pngChunk  = testimg.PNGChunk
	exifBlock = testimg.EXIFBlock
	withEXIF  = testimg.WithEXIF
	hugePNG   = testimg.HugePNG
)

// govipsExport loads data with govips, applies f (which may return a new
// ref), and exports with export.
func govipsExport(t testing.TB, data []byte, f func(*vips.ImageRef) (*vips.ImageRef, error), export func(*vips.ImageRef) ([]byte, *vips.ImageMetadata, error)) []byte {
	t.Helper()
	ref, err := vips.NewImageFromBuffer(data)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if f != nil {
		if ref, err = f(ref); err != nil {
			t.Fatal(err)
		}
		defer ref.Close()
	}
	out, _, err := export(ref)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func exportPNG(r *vips.ImageRef) ([]byte, *vips.ImageMetadata, error) {
	return r.ExportPng(vips.NewPngExportParams())
}

func exportJPEG(q int) func(r *vips.ImageRef) ([]byte, *vips.ImageMetadata, error) {
	return func(r *vips.ImageRef) ([]byte, *vips.ImageMetadata, error) {
		p := vips.NewJpegExportParams()
		p.Quality = q
		p.SubsampleMode = vips.VipsForeignSubsampleOff
		return r.ExportJpeg(p)
	}
}

func exportTIFF(r *vips.ImageRef) ([]byte, *vips.ImageMetadata, error) {
	p := vips.NewTiffExportParams()
	p.Compression = vips.TiffCompressionDeflate
	return r.ExportTiff(p)
}

func exportWebPLossless(r *vips.ImageRef) ([]byte, *vips.ImageMetadata, error) {
	p := vips.NewWebpExportParams()
	p.Lossless = true
	return r.ExportWebp(p)
}

// grayAlphaPNG builds a 2-band (gray + alpha) PNG with libvips.
func grayAlphaPNG(t testing.TB, w, h int) []byte {
	return govipsExport(t, encPNG(t, nrgba(w, h, true)), func(r *vips.ImageRef) (*vips.ImageRef, error) {
		a, err := r.ExtractBandToImage(3, 1)
		if err != nil {
			return nil, err
		}
		defer a.Close()
		if err := r.ExtractBand(0, 1); err != nil {
			return nil, err
		}
		if err := r.BandJoin(a); err != nil {
			return nil, err
		}
		return r.CopyChangingInterpretation(vips.InterpretationBW)
	}, exportPNG)
}

// v8 and v16 are the contract's mappings of integer samples to [-1, 1].
func v8(x uint8) float32   { return float32(x)/127.5 - 1 }
func v16(x uint16) float32 { return float32(float64(x)/32767.5 - 1) }

// at returns sample (c, y, x) of planar img.
func at(img *Image, c, x, y int) float32 {
	return img.RGB[(c*img.Height+y)*img.Width+x]
}

func to8(v float32) int { return int(Quant8(v)) }

func mustDecode(t testing.TB, data []byte) *Image {
	t.Helper()
	img, err := Decode(data, Limits{})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return img
}

func mustEncode(t testing.TB, img *Image, o EncodeOptions) []byte {
	t.Helper()
	b, err := Encode(img, o)
	if err != nil {
		t.Fatalf("Encode(%+v): %v", o, err)
	}
	return b
}
