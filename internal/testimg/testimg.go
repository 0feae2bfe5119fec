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
