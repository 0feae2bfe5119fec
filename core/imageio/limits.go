package imageio

// Default limits, used where a Limits field is zero.
const (
	DefaultMaxPixels       int64 = 64 << 20  // 64 Mpx input (e.g. 8192×8192)
	DefaultMaxFileBytes    int64 = 256 << 20 // 256 MiB encoded input
	DefaultMaxOutputPixels int64 = 1 << 28   // 256 Mpx output (16384×16384)
)

// Limits bound what Decode accepts, against decompression bombs and
// oversized requests. A zero field means its default; a negative field means
// no limit. Limits is a plain value, safe to share.
type Limits struct {
	// MaxPixels bounds input width×height, checked from the header before
	// any pixel is decoded.
	MaxPixels int64
	// MaxFileBytes bounds the encoded input size, checked before decoding
	// (and before reading, for DecodeFile).
	MaxFileBytes int64
	// MaxOutputPixels bounds output width×height. This package does not
	// produce outputs of a different size: callers check it with
	// [Limits.CheckOutput], or set OutputScale so that Decode checks it.
	MaxOutputPixels int64
	// OutputScale, when > 0, is the factor the caller will upscale the
	// decoded image by: Decode then also refuses, from the header and before
	// any pixel is decoded, an image whose (w·OutputScale)×(h·OutputScale)
	// output exceeds MaxOutputPixels (an ErrOutputTooLarge error). 0: no
	// output check in Decode.
	OutputScale int
	// Lenient accepts data that libvips decodes with warnings (for example
	// JPEG "corrupt data" or "extraneous bytes" warnings). Truncated data is
	// an error either way. Default (false): any warning fails the decode.
	Lenient bool
}

func pick(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

// exceeds reports whether n is above limit v (0 = def, <0 = unlimited).
func exceeds(n, v, def int64) bool {
	l := pick(v, def)
	return l >= 0 && n > l
}

// checkBytes refuses an encoded input of n bytes.
func (l Limits) checkBytes(op string, n int64) error {
	if exceeds(n, l.MaxFileBytes, DefaultMaxFileBytes) {
		return errorf(op, ErrTooLarge, "input is %d bytes, limit %d", n, pick(l.MaxFileBytes, DefaultMaxFileBytes))
	}
	return nil
}

// checkInput refuses zero or oversized input dimensions, and an oversized
// output when OutputScale is set.
func (l Limits) checkInput(op string, w, h int) error {
	if w <= 0 || h <= 0 {
		return errorf(op, ErrCorrupt, "image has zero size %d×%d", w, h)
	}
	if n := int64(w) * int64(h); exceeds(n, l.MaxPixels, DefaultMaxPixels) {
		return errorf(op, ErrTooLarge, "image is %d×%d = %d pixels, limit %d", w, h, n, pick(l.MaxPixels, DefaultMaxPixels))
	}
	if s := int64(l.OutputScale); s > 0 {
		ow, oh := int64(w)*s, int64(h)*s
		if n := ow * oh; exceeds(n, l.MaxOutputPixels, DefaultMaxOutputPixels) {
			return errorf(op, ErrOutputTooLarge, "image is %d×%d: its ×%d output %d×%d = %d pixels exceeds the output limit %d",
				w, h, s, ow, oh, n, pick(l.MaxOutputPixels, DefaultMaxOutputPixels))
		}
	}
	return nil
}

// CheckOutput returns an ErrOutputTooLarge error when a w×h output exceeds
// MaxOutputPixels, or an ErrInvalid error for a non-positive size.
func (l Limits) CheckOutput(w, h int) error {
	if w <= 0 || h <= 0 {
		return errorf("check output", ErrInvalid, "output size %d×%d", w, h)
	}
	if n := int64(w) * int64(h); exceeds(n, l.MaxOutputPixels, DefaultMaxOutputPixels) {
		return errorf("check output", ErrOutputTooLarge, "output %d×%d = %d pixels, limit %d", w, h, n, pick(l.MaxOutputPixels, DefaultMaxOutputPixels))
	}
	return nil
}
