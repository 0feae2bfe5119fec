package imageio

import (
	"bytes"
	"strings"

	"github.com/resshift/resshift/vocab"
)

// magic is one signature of sniffFormat.
type magic struct {
	name   string
	offset int
	sig    string
}

// magics are signatures of other formats people feed to image tools (the
// ones resshift reads are vocab.Sniff's): they let a refusal name the
// format. Order matters only where signatures overlap.
var magics = []magic{
	{"gif", 0, "GIF87a"},
	{"gif", 0, "GIF89a"},
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
	if f := vocab.Sniff(data); f != vocab.FormatAuto {
		return f.String() // accepted: a damaged file is reported as such
	}
	for _, m := range magics {
		if len(data) >= m.offset+len(m.sig) && string(data[m.offset:m.offset+len(m.sig)]) == m.sig {
			return m.name
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
