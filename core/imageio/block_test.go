package imageio

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/davidbyttow/govips/v2/vips"
)

// TestUntrustedLoadersBlocked: formats outside the allow-list are refused by
// libvips itself (no loader even sniffs them: findLoader finds none), fast,
// with an error naming the format where the first bytes tell, and damaged
// files of accepted formats are reported as damaged, not as foreign.
func TestUntrustedLoadersBlocked(t *testing.T) {
	tiff := mustEncode(t, mustDecode(t, encPNG(t, noisy(64, 48))), EncodeOptions{Format: "tiff"})
	cases := []struct {
		name string
		data []byte
		kind error
		msg  string
	}{
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`),
			ErrUnsupported, `unsupported format "svg"`},
		{"svg with xml prolog", []byte("\ufeff<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"/>"),
			ErrUnsupported, `unsupported format "svg"`},
		{"pdf", []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), ErrUnsupported, `unsupported format "pdf"`},
		{"ppm", []byte("P6\n2 2\n255\n" + strings.Repeat("\x80", 12)), ErrUnsupported, `unsupported format "ppm"`},
		{"radiance", []byte("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 2\n" + strings.Repeat("\x80\x80\x80\x80", 4)), ErrUnsupported, `unsupported format "radiance"`},
		{"fits", []byte("SIMPLE  =                    T" + strings.Repeat(" ", 2850)), ErrUnsupported, `unsupported format "fits"`},
		{"bmp (an ImageMagick format)", append([]byte("BM"), make([]byte, 60)...), ErrUnsupported, `unsupported format "bmp"`},
		{"unknown bytes", []byte("\x00\x01\x02\x03 no image here"), ErrUnsupported, "first bytes 00 01 02 03"},
		{"tiff with its directory cut off", tiff[:len(tiff)-10], ErrCorrupt, "corrupt or truncated tiff data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if l := findLoader(tc.data); l != "" {
				t.Errorf("libvips loader %q recognises the data; want every non-accepted loader blocked", l)
			}
			start := time.Now()
			_, err := Decode(tc.data, Limits{})
			took := time.Since(start)
			if !errors.Is(err, tc.kind) || !strings.Contains(fmtErr(err), tc.msg) {
				t.Errorf("error %v, want %v containing %q", err, tc.kind, tc.msg)
			}
			// A sniff is microseconds; ImageMagick's first sniff took 8 s.
			if took > 2*time.Second {
				t.Errorf("refusal took %v", took)
			}
		})
	}
	// Process-wide: a govips load of an untrusted format fails too.
	if ref, err := vips.NewImageFromBuffer(cases[0].data); err == nil {
		ref.Close()
		t.Error("govips loaded an SVG; want the svg loader blocked")
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
