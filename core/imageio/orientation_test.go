package imageio

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
)

// exifOrientation reads IFD0's Orientation from an EXIF block, 0 if absent.
func exifOrientation(t *testing.T, b []byte) int {
	t.Helper()
	b = bytes.TrimPrefix(b, []byte("Exif\x00\x00"))
	var bo binary.ByteOrder = binary.BigEndian
	if bytes.HasPrefix(b, []byte("II")) {
		bo = binary.LittleEndian
	}
	off := int(bo.Uint32(b[4:]))
	n := int(bo.Uint16(b[off:]))
	for i := 0; i < n; i++ {
		e := off + 2 + 12*i
		if bo.Uint16(b[e:]) == exifOrientationTag {
			return int(bo.Uint16(b[e+8:]))
		}
	}
	return 0
}

// distinct is a w×h image whose pixels are all different: R = x, G = y.
func distinct(w, h int) *image.NRGBA {
	im := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			im.SetNRGBA(x, y, color.NRGBA{uint8(x * 50), uint8(y * 50), 77, 255})
		}
	}
	return im
}

func TestOrientationAllEight(t *testing.T) {
	const sw, sh = 3, 2 // stored size
	// src maps a displayed pixel (X, Y) to the stored pixel, per EXIF.
	cases := []struct {
		o      uint16
		w, h   int
		src    func(X, Y int) (int, int)
		rotate bool
	}{
		{1, sw, sh, func(X, Y int) (int, int) { return X, Y }, false},
		{2, sw, sh, func(X, Y int) (int, int) { return sw - 1 - X, Y }, false},
		{3, sw, sh, func(X, Y int) (int, int) { return sw - 1 - X, sh - 1 - Y }, false},
		{4, sw, sh, func(X, Y int) (int, int) { return X, sh - 1 - Y }, false},
		{5, sh, sw, func(X, Y int) (int, int) { return Y, X }, true},
		{6, sh, sw, func(X, Y int) (int, int) { return Y, sh - 1 - X }, true},
		{7, sh, sw, func(X, Y int) (int, int) { return sw - 1 - Y, sh - 1 - X }, true},
		{8, sh, sw, func(X, Y int) (int, int) { return sw - 1 - Y, X }, true},
	}
	for _, tc := range cases {
		t.Run(string(rune('0'+tc.o)), func(t *testing.T) {
			img := mustDecode(t, withEXIF(encPNG(t, distinct(sw, sh)), tc.o))
			if img.Width != tc.w || img.Height != tc.h {
				t.Fatalf("size %d×%d, want %d×%d", img.Width, img.Height, tc.w, tc.h)
			}
			want8(t, img, func(X, Y, c int) uint8 {
				x, y := tc.src(X, Y)
				return [3]uint8{uint8(x * 50), uint8(y * 50), 77}[c]
			})
			if img.Meta == nil || img.Meta.EXIF == nil {
				t.Fatal("EXIF not carried")
			}
			if o := exifOrientation(t, img.Meta.EXIF); o != 1 {
				t.Errorf("Meta.EXIF orientation %d, want 1", o)
			}
		})
	}
}

// TestOrientationRoundTrip: a 2×1 [A B] pattern tagged orientation 6
// decodes to 1×2 with A on top, and stays so through encode/decode; the
// written file says orientation 1.
func TestOrientationRoundTrip(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	src.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255}) // A
	src.SetNRGBA(1, 0, color.NRGBA{0, 0, 255, 255}) // B
	check := func(t *testing.T, img *Image) {
		t.Helper()
		if img.Width != 1 || img.Height != 2 {
			t.Fatalf("size %d×%d, want 1×2", img.Width, img.Height)
		}
		near(t, img, 0, 0, [3]int{255, 0, 0}, 0)
		near(t, img, 0, 1, [3]int{0, 0, 255}, 0)
	}
	img := mustDecode(t, withEXIF(encPNG(t, src), 6))
	check(t, img)
	for _, f := range []string{"png", "webp", "tiff"} {
		t.Run(f, func(t *testing.T) {
			out := mustEncode(t, img, EncodeOptions{Format: f, Lossless: f == "webp"})
			check(t, mustDecode(t, out))
			ref, err := vips.NewImageFromBuffer(out) // no autorotate
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			if o := ref.Orientation(); o > 1 || ref.Width() != 1 {
				t.Errorf("written orientation %d, width %d; want 1 (or none), 1", o, ref.Width())
			}
		})
	}
}

func TestOrientationJPEG(t *testing.T) {
	// 16×8, left half A, right half B, tagged orientation 6 by libvips.
	src := image.NewNRGBA(image.Rect(0, 0, 16, 8))
	for y := 0; y < 8; y++ {
		for x := 0; x < 16; x++ {
			c := color.NRGBA{220, 40, 40, 255}
			if x >= 8 {
				c = color.NRGBA{40, 40, 220, 255}
			}
			src.SetNRGBA(x, y, c)
		}
	}
	data := govipsExport(t, encPNG(t, src), func(r *vips.ImageRef) (*vips.ImageRef, error) {
		return r, r.SetOrientation(6)
	}, exportJPEG(95))
	img := mustDecode(t, data)
	if img.Width != 8 || img.Height != 16 {
		t.Fatalf("size %d×%d, want 8×16", img.Width, img.Height)
	}
	near(t, img, 4, 3, [3]int{220, 40, 40}, 4)
	near(t, img, 4, 12, [3]int{40, 40, 220}, 4)

	out := mustEncode(t, img, EncodeOptions{})
	again := mustDecode(t, out)
	if again.Width != 8 || again.Height != 16 || again.Format != "jpeg" {
		t.Fatalf("re-decoded %d×%d %s, want 8×16 jpeg", again.Width, again.Height, again.Format)
	}
	near(t, again, 4, 3, [3]int{220, 40, 40}, 5)
	if o := exifOrientation(t, again.Meta.EXIF); o != 1 {
		t.Errorf("written EXIF orientation %d, want 1", o)
	}
}

func TestResetEXIFOrientation(t *testing.T) {
	le := exifBlock(6)
	le[0], le[1] = 'I', 'I' // a little-endian variant
	binary.LittleEndian.PutUint16(le[2:], 42)
	binary.LittleEndian.PutUint32(le[4:], 8)
	binary.LittleEndian.PutUint16(le[8:], 1)
	binary.LittleEndian.PutUint16(le[10:], exifOrientationTag)
	binary.LittleEndian.PutUint16(le[12:], 3)
	binary.LittleEndian.PutUint32(le[14:], 1)
	binary.LittleEndian.PutUint16(le[18:], 8)

	cases := []struct {
		name string
		in   []byte
	}{
		{"big endian", exifBlock(6)},
		{"Exif prefix", append([]byte("Exif\x00\x00"), exifBlock(8)...)},
		{"little endian", le},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := bytes.Clone(tc.in)
			out := resetEXIFOrientation(tc.in)
			if o := exifOrientation(t, out); o != 1 {
				t.Errorf("orientation %d, want 1", o)
			}
			if !bytes.Equal(tc.in, before) {
				t.Error("input modified")
			}
		})
	}
	for _, junk := range [][]byte{nil, {}, []byte("Exif\x00\x00"), []byte("XXXXXXXXXXXX"), []byte("MM\x00\x2a\xff\xff\xff\xff")} {
		if got := resetEXIFOrientation(junk); !bytes.Equal(got, junk) {
			t.Errorf("junk %q changed to %q", junk, got)
		}
	}
}

func TestResetXMPOrientation(t *testing.T) {
	cases := map[string]string{
		`<rdf:Description tiff:Orientation="6" tiff:Make="x"/>`: `<rdf:Description tiff:Orientation="1" tiff:Make="x"/>`,
		`<tiff:Orientation>8</tiff:Orientation>`:                `<tiff:Orientation>1</tiff:Orientation>`,
		`<rdf:Description tiff:Orientation = '3'/>`:             `<rdf:Description tiff:Orientation = '1'/>`,
		`<x:xmpmeta>no orientation</x:xmpmeta>`:                 `<x:xmpmeta>no orientation</x:xmpmeta>`,
	}
	for in, want := range cases {
		if got := string(resetXMPOrientation([]byte(in))); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
	if resetXMPOrientation(nil) != nil {
		t.Error("nil in, want nil out")
	}
}
