// Package testimg builds small test images for the tests of several packages:
// PNG chunks, an EXIF orientation block, and a header-only "decompression bomb".
// It is test support only; nothing in the product imports it.
package testimg

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
)

// PNGChunk encodes one PNG chunk (length, type, data, CRC).
func PNGChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.Write(&b, binary.BigEndian, crc.Sum32())
	return b.Bytes()
}

// EXIFBlock is a minimal big-endian EXIF TIFF structure with one IFD0 entry: Orientation = o.
func EXIFBlock(o uint16) []byte {
	var b bytes.Buffer
	b.WriteString("MM\x00\x2a")
	binary.Write(&b, binary.BigEndian, uint32(8))
	binary.Write(&b, binary.BigEndian, uint16(1))           // entries
	binary.Write(&b, binary.BigEndian, []uint16{0x0112, 3}) // tag, SHORT
	binary.Write(&b, binary.BigEndian, uint32(1))           // count
	binary.Write(&b, binary.BigEndian, []uint16{o, 0})      // value
	binary.Write(&b, binary.BigEndian, uint32(0))           // next IFD
	return b.Bytes()
}

// WithEXIF inserts an eXIf chunk with orientation o right after the IHDR of a PNG.
func WithEXIF(pngData []byte, o uint16) []byte {
	const ihdrEnd = 8 + 8 + 13 + 4
	out := append([]byte{}, pngData[:ihdrEnd]...)
	out = append(out, PNGChunk("eXIf", EXIFBlock(o))...)
	return append(out, pngData[ihdrEnd:]...)
}

// HugePNG is a PNG whose header declares w×h RGB pixels, with a tiny (invalid)
// IDAT: only a header-first check can refuse it cheaply.
func HugePNG(w, h uint32) []byte {
	var ihdr bytes.Buffer
	binary.Write(&ihdr, binary.BigEndian, []uint32{w, h})
	ihdr.Write([]byte{8, 2, 0, 0, 0}) // 8-bit RGB
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, PNGChunk("IHDR", ihdr.Bytes())...)
	out = append(out, PNGChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, PNGChunk("IEND", nil)...)
}

// EncodePNG encodes im with the standard library (panics on error: test data only).
func EncodePNG(im image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// BlankPNG is a real, valid w×h 8-bit gray PNG of zeros: it compresses
// about 1000:1 (an 8192×8192 one is ~65 KB) but decodes to w·h bytes, the
// shape of a decompression bomb.
func BlankPNG(w, h int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+w) // filter byte 0 + samples
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()
	var ihdr bytes.Buffer
	binary.Write(&ihdr, binary.BigEndian, []uint32{uint32(w), uint32(h)})
	ihdr.Write([]byte{8, 0, 0, 0, 0}) // 8-bit gray
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, PNGChunk("IHDR", ihdr.Bytes())...)
	out = append(out, PNGChunk("IDAT", z.Bytes())...)
	return append(out, PNGChunk("IEND", nil)...)
}

// TIFFDirFirst writes img's RGB as an uncompressed, strip-based TIFF whose
// directory comes first and pixel data last (as many cameras and tools
// write them; libvips puts the directory last): cutting such a file keeps
// its header readable and truncates the pixel data.
func TIFFDirFirst(im *image.NRGBA) []byte {
	w, h := im.Rect.Dx(), im.Rect.Dy()
	const rowsPerStrip = 16
	strips := (h + rowsPerStrip - 1) / rowsPerStrip
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32
	}
	const nEntries = 10
	ifdSize := 2 + nEntries*12 + 4
	bitsAt := uint32(8 + ifdSize)         // 3 × SHORT
	offsAt := bitsAt + 6                  // strips × LONG
	countsAt := offsAt + uint32(4*strips) // strips × LONG
	dataAt := countsAt + uint32(4*strips) // pixel data
	le := binary.LittleEndian
	out := []byte("II*\x00")
	out = le.AppendUint32(out, 8)
	out = le.AppendUint16(out, nEntries)
	for _, e := range []entry{
		{256, 4, 1, uint32(w)},             // ImageWidth
		{257, 4, 1, uint32(h)},             // ImageLength
		{258, 3, 3, bitsAt},                // BitsPerSample
		{259, 3, 1, 1},                     // Compression: none
		{262, 3, 1, 2},                     // Photometric: RGB
		{273, 4, uint32(strips), offsAt},   // StripOffsets
		{277, 3, 1, 3},                     // SamplesPerPixel
		{278, 4, 1, rowsPerStrip},          // RowsPerStrip
		{279, 4, uint32(strips), countsAt}, // StripByteCounts
		{284, 3, 1, 1},                     // PlanarConfiguration: chunky
	} {
		out = le.AppendUint16(out, e.tag)
		out = le.AppendUint16(out, e.typ)
		out = le.AppendUint32(out, e.count)
		out = le.AppendUint32(out, e.value)
	}
	out = le.AppendUint32(out, 0) // no next directory
	for i := 0; i < 3; i++ {
		out = le.AppendUint16(out, 8)
	}
	for i := 0; i < strips; i++ {
		out = le.AppendUint32(out, dataAt+uint32(i*rowsPerStrip*w*3))
	}
	for i := 0; i < strips; i++ {
		out = le.AppendUint32(out, uint32(min(rowsPerStrip, h-i*rowsPerStrip)*w*3))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := im.NRGBAAt(x, y)
			out = append(out, c.R, c.G, c.B)
		}
	}
	return out
}
