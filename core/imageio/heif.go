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

// heifFormat returns f ("heif" or "avif") when libvips can write it.
func heifFormat(f string) (string, error) {
	if !HEIFSupported() {
		return "", errorf("encode", ErrUnsupported, "output format %s: this libvips has no HEIF/AVIF saver (heifsave); use png, jpeg, webp or tiff", f)
	}
	return f, nil
}
