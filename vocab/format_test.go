package vocab

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
		ok   bool
	}{
		{"", FormatAuto, true}, {"  ", FormatAuto, true},
		{"png", PNG, true}, {"PNG", PNG, true},
		{"jpeg", JPEG, true}, {"jpg", JPEG, true}, {"JPG", JPEG, true},
		{"webp", WebP, true}, {"WebP", WebP, true},
		{"tiff", TIFF, true}, {"tif", TIFF, true}, {" TIF\n", TIFF, true},
		{"avif", AVIF, true},
		{"heif", HEIF, true}, {"heic", HEIF, true},
		{"gif", FormatAuto, false}, {"bmp", FormatAuto, false}, {"jpe", FormatAuto, false},
		{"image/png", FormatAuto, false}, {".png", FormatAuto, false},
	} {
		got, err := ParseFormat(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && (!errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.in)) {
			t.Errorf("ParseFormat(%q): error %v, want ErrInvalidInput naming the input", tc.in, err)
		}
	}
}

// TestFormatRoundTrips: every format parses from its String and from its
// extension, has an image/ MIME type, and Sniff recognises a header of it.
func TestFormatRoundTrips(t *testing.T) {
	headers := map[Format]string{
		PNG:  "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		JPEG: "\xff\xd8\xff\xe0\x00\x10JFIF\x00",
		WebP: "RIFF\x24\x00\x00\x00WEBPVP8 ",
		TIFF: "II*\x00\x08\x00\x00\x00",
		AVIF: "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00",
		HEIF: "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",
	}
	mimes := map[Format]string{PNG: "image/png", JPEG: "image/jpeg", WebP: "image/webp", TIFF: "image/tiff",
		AVIF: "image/avif", HEIF: "image/heif"}
	exts := map[Format]string{PNG: ".png", JPEG: ".jpg", WebP: ".webp", TIFF: ".tiff", AVIF: ".avif", HEIF: ".heif"}
	if len(Formats) != len(headers) {
		t.Fatalf("Formats has %d entries, the test %d", len(Formats), len(headers))
	}
	for _, f := range Formats {
		if p, err := ParseFormat(f.String()); p != f || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v", f.String(), p, err)
		}
		if p, err := ParseFormat(f.Ext()[1:]); p != f || err != nil {
			t.Errorf("%s: ParseFormat(ext %q) = %q, %v", f, f.Ext(), p, err)
		}
		if got := f.MIME(); got != mimes[f] {
			t.Errorf("%s.MIME() = %q, want %q", f, got, mimes[f])
		}
		if got := f.Ext(); got != exts[f] {
			t.Errorf("%s.Ext() = %q, want %q", f, got, exts[f])
		}
		if got := Sniff([]byte(headers[f])); got != f {
			t.Errorf("Sniff(%s header) = %q", f, got)
		}
	}
	if FormatAuto.MIME() != "application/octet-stream" || Format("gif").MIME() != "application/octet-stream" {
		t.Errorf("MIME of auto/unknown: %q, %q", FormatAuto.MIME(), Format("gif").MIME())
	}
	if FormatAuto.Ext() != "" || Format("gif").Ext() != "" {
		t.Errorf("Ext of auto/unknown: %q, %q", FormatAuto.Ext(), Format("gif").Ext())
	}
}

func TestSniffOthers(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want Format
	}{
		{"empty", "", FormatAuto},
		{"short png", "\x89PN", FormatAuto},
		{"gif", "GIF89a\x01\x00", FormatAuto},
		{"riff wave", "RIFF\x24\x00\x00\x00WAVEfmt ", FormatAuto},
		{"webp without riff", "XXXX\x24\x00\x00\x00WEBPVP8 ", FormatAuto},
		{"bigtiff le", "II+\x00\x08\x00", TIFF},
		{"tiff be", "MM\x00*\x00\x00\x00\x08", TIFF},
		{"mp4", "\x00\x00\x00\x18ftypisom\x00\x00", FormatAuto},
		{"heif mif1", "\x00\x00\x00\x18ftypmif1\x00\x00", HEIF},
		{"avis", "\x00\x00\x00\x18ftypavis\x00\x00", AVIF},
		{"svg", "<svg xmlns=", FormatAuto},
	} {
		if got := Sniff([]byte(tc.data)); got != tc.want {
			t.Errorf("%s: Sniff = %q, want %q", tc.name, got, tc.want)
		}
	}
}
