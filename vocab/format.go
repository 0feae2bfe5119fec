package vocab

import (
	"bytes"
	"fmt"
	"strings"
)

// Format is an encoded image format. The zero value, [FormatAuto], means
// "not chosen": an output in the input's format (or PNG), or, for a request
// field (plugin.Options.Format, a queue job's format), the configured
// default.
//
// Format reads and writes its name as text ([Format.UnmarshalText] parses
// with [ParseFormat], aliases included; [Format.MarshalText] writes the
// canonical name), so TOML configs and JSON messages carry the same strings
// as a plain string field would. A value set in Go should be one of the
// constants; [Format.Known] tells.
type Format string

// The formats resshift reads and writes. AVIF and HEIF need a libvips
// built with libheif and the matching encoder.
const (
	FormatAuto Format = ""
	PNG        Format = "png"
	JPEG       Format = "jpeg"
	WebP       Format = "webp"
	TIFF       Format = "tiff"
	AVIF       Format = "avif"
	HEIF       Format = "heif"
)

// Formats lists every format (not FormatAuto), in the order of messages.
var Formats = []Format{PNG, JPEG, WebP, TIFF, AVIF, HEIF}

// ParseFormat reads a format name or alias, case-insensitive and ignoring
// surrounding blanks: png, jpeg|jpg, webp, tiff|tif, avif, heif|heic; ""
// is FormatAuto. Any other name is an ErrInvalidInput error naming it.
func ParseFormat(s string) (Format, error) {
	switch f := strings.ToLower(strings.TrimSpace(s)); f {
	case "":
		return FormatAuto, nil
	case "jpg":
		return JPEG, nil
	case "tif":
		return TIFF, nil
	case "heic":
		return HEIF, nil
	default:
		for _, k := range Formats {
			if f == string(k) {
				return k, nil
			}
		}
	}
	return FormatAuto, NewError(ErrInvalidInput,
		fmt.Sprintf("format %q: want png, jpeg, webp, tiff, avif or heif", s), nil)
}

// Known reports whether f is one of [Formats] (not FormatAuto, not a
// non-canonical value such as Format("jpg")).
func (f Format) Known() bool {
	for _, k := range Formats {
		if f == k {
			return true
		}
	}
	return false
}

// MarshalText writes f as it is, as a string field would: the canonical
// name of a parsed Format ("" for FormatAuto). It never fails, so a message
// holding a value set in Go (Format("jpg")) is still written; the reader's
// UnmarshalText parses it.
func (f Format) MarshalText() ([]byte, error) { return []byte(f), nil }

// UnmarshalText reads a name or alias with ParseFormat ("" is FormatAuto).
func (f *Format) UnmarshalText(b []byte) error {
	v, err := ParseFormat(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// String returns the canonical name ("jpeg", not "jpg"); "" for FormatAuto.
func (f Format) String() string { return string(f) }

// MIME returns the format's media type ("image/jpeg"), or
// "application/octet-stream" for FormatAuto and unknown values.
func (f Format) MIME() string {
	switch f {
	case PNG, JPEG, WebP, TIFF, AVIF, HEIF:
		return "image/" + string(f)
	}
	return "application/octet-stream"
}

// Ext returns the file extension resshift writes, with its dot (".jpg"
// for JPEG, ".tiff", ".png", ...), or "" for FormatAuto and unknown values.
func (f Format) Ext() string {
	switch f {
	case JPEG:
		return ".jpg"
	case PNG, WebP, TIFF, AVIF, HEIF:
		return "." + string(f)
	}
	return ""
}

// Sniff names the format of encoded bytes from their signature, or
// FormatAuto when they start like none of [Formats]. It parses nothing
// beyond the signature: the bytes may still be damaged.
func Sniff(b []byte) Format {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return JPEG
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return WebP
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")),
		bytes.HasPrefix(b, []byte("II+\x00")), bytes.HasPrefix(b, []byte("MM\x00+")):
		return TIFF
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		switch brand := string(b[8:12]); {
		case strings.HasPrefix(brand, "avi"):
			return AVIF
		case strings.HasPrefix(brand, "he"), strings.HasPrefix(brand, "mif"), strings.HasPrefix(brand, "msf"):
			return HEIF
		}
	}
	return FormatAuto
}
