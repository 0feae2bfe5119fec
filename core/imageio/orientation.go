package imageio

import (
	"bytes"
	"encoding/binary"
	"regexp"
)

// Decode applies the orientation to the pixels, so the metadata that goes
// with them must say "upright" (1); otherwise a viewer would rotate the
// output a second time.

const exifOrientationTag = 0x0112

// resetEXIFOrientation returns a copy of an EXIF block ("Exif\0\0" prefix
// optional, then a TIFF structure) whose IFD0 Orientation entry, if any, is
// 1. A block it cannot parse is returned copied but unchanged (libvips also
// rewrites the orientation on save from the image's orientation field,
// which Encode sets to 1). nil in, nil out.
func resetEXIFOrientation(b []byte) []byte {
	if b == nil {
		return nil
	}
	out := bytes.Clone(b)
	t := out
	if bytes.HasPrefix(t, []byte("Exif\x00\x00")) {
		t = t[6:]
	}
	if len(t) < 8 {
		return out
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return out
	}
	if bo.Uint16(t[2:]) != 42 {
		return out
	}
	off := int64(bo.Uint32(t[4:]))
	if off+2 > int64(len(t)) {
		return out
	}
	n := int64(bo.Uint16(t[off:]))
	for i := int64(0); i < n; i++ {
		e := off + 2 + 12*i
		if e+12 > int64(len(t)) {
			break
		}
		// SHORT (type 3), count 1: the value sits in the first two bytes
		// of the value field.
		if bo.Uint16(t[e:]) == exifOrientationTag && bo.Uint16(t[e+2:]) == 3 && bo.Uint32(t[e+4:]) == 1 {
			bo.PutUint16(t[e+8:], 1)
		}
	}
	return out
}

var (
	xmpOrientAttr = regexp.MustCompile(`(tiff:Orientation\s*=\s*["'])\s*\d+\s*(["'])`)
	xmpOrientElem = regexp.MustCompile(`(<tiff:Orientation>)\s*\d+\s*(</tiff:Orientation>)`)
)

// resetXMPOrientation returns a copy of an XMP packet with tiff:Orientation
// (attribute or element form) set to 1. nil in, nil out.
func resetXMPOrientation(b []byte) []byte {
	if b == nil {
		return nil
	}
	out := xmpOrientAttr.ReplaceAll(b, []byte("${1}1${2}"))
	out = xmpOrientElem.ReplaceAll(out, []byte("${1}1${2}"))
	return bytes.Clone(out)
}
