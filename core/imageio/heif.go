package imageio

import "sync"

var heifOnce = sync.OnceValue(func() bool {
	ensureStarted()
	return hasBufferSaver(".heif")
})

// HEIFSupported reports whether this libvips can write HEIF and AVIF (it
// has the heifsave saver; whether libheif has an AV1 or HEVC encoder shows
// only when encoding, as an ErrUnsupported error).
func HEIFSupported() bool { return heifOnce() }

// heifFormat resolves "heif", "heic" and "avif" when libvips can write them.
func heifFormat(f string) (string, error) {
	if f == "heic" {
		f = "heif"
	}
	if !HEIFSupported() {
		return "", errorf("encode", ErrUnsupported, "output format %s: this libvips has no HEIF/AVIF saver (heifsave); use png, jpeg, webp or tiff", f)
	}
	return f, nil
}
