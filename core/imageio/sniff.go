package imageio

import (
	"bytes"
	"strings"
)

// magic is one signature of sniffFormat.
type magic struct {
	name   string
	offset int
	sig    string
}

// magics are signatures of formats people feed to image tools; the accepted
// ones let a damaged file be reported as such, the others let a refusal name
// the format. Order matters only where signatures overlap.
var magics = []magic{
	{"png", 0, "\x89PNG\r\n\x1a\n"},
	{"jpeg", 0, "\xff\xd8\xff"},
	{"gif", 0, "GIF87a"},
	{"gif", 0, "GIF89a"},
	{"tiff", 0, "II*\x00"},
	{"tiff", 0, "MM\x00*"},
	{"tiff", 0, "II+\x00"}, // BigTIFF
	{"tiff", 0, "MM\x00+"},
	{"webp", 8, "WEBP"}, // after "RIFF" + size
	{"pdf", 0, "%PDF-"},
	{"postscript", 0, "%!PS"},
	{"psd", 0, "8BPS"},
	{"bmp", 0, "BM"},
	{"ico", 0, "\x00\x00\x01\x00"},
	{"jxl", 0, "\xff\x0a"},
	{"jxl", 4, "JXL \r\n\x87\n"},
	{"jp2k", 4, "jP  "},
	{"jp2k", 0, "\xff\x4f\xff\x51"},
	{"openexr", 0, "v/1\x01"},
	{"fits", 0, "SIMPLE  ="},
	{"radiance", 0, "#?RADIANCE"},
	{"radiance", 0, "#?RGBE"},
	{"vips", 0, "\x08\xf2\xa6\xb6"},
	{"vips", 0, "\xb6\xa6\xf2\x08"},
	{"xcf", 0, "gimp xcf"},
	{"dicom", 128, "DICM"},
}

// sniffFormat names the format of data from its first bytes, "" if unknown.
// It parses nothing: it is for error messages and for telling a damaged
// accepted file from a foreign one.
func sniffFormat(data []byte) string {
	for _, m := range magics {
		if len(data) >= m.offset+len(m.sig) && string(data[m.offset:m.offset+len(m.sig)]) == m.sig {
			if m.name == "webp" && !bytes.HasPrefix(data, []byte("RIFF")) {
				continue
			}
			return m.name
		}
	}
	if len(data) >= 12 && string(data[4:8]) == "ftyp" {
		switch brand := string(data[8:12]); {
		case strings.HasPrefix(brand, "avi"):
			return "avif"
		case strings.HasPrefix(brand, "he"), strings.HasPrefix(brand, "mif"), strings.HasPrefix(brand, "msf"):
			return "heif"
		}
	}
	if len(data) >= 2 && data[0] == 'P' && strings.IndexByte("1234567fF", data[1]) >= 0 {
		return "ppm"
	}
	// Text formats: look at the start, after a byte-order mark and blanks.
	text := data[:min(len(data), 1024)]
	text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
	text = bytes.TrimLeft(text, " \t\r\n")
	lower := bytes.ToLower(text)
	switch {
	case bytes.HasPrefix(lower, []byte("<svg")), bytes.HasPrefix(lower, []byte("<?xml")) && bytes.Contains(lower, []byte("<svg")),
		bytes.HasPrefix(lower, []byte("<!doctype svg")):
		return "svg"
	case bytes.HasPrefix(data, []byte("\x1f\x8b")):
		return "gzip"
	}
	return ""
}
