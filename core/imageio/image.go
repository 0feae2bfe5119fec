package imageio

// Image is a decoded image in the engine's layout. The package never keeps a
// reference to an Image it returns or receives; callers own it and must not
// mutate it while another goroutine encodes it.
type Image struct {
	Width, Height int
	// RGB is 3·Height·Width planar samples (R plane, G plane, B plane), sRGB,
	// in [-1, 1]. Grayscale sources have three identical planes.
	RGB []float32
	// Alpha is Height·Width samples in [-1, 1] (-1 transparent, 1 opaque),
	// straight (not premultiplied); nil when the image has no alpha.
	Alpha []float32
	// Gray: the source had a single colour band; Encode writes gray output.
	Gray bool
	// Depth is the precision of the source in bits per sample, 8 or 16;
	// Encode writes this depth where the format allows it.
	Depth int
	// Format is the short name of the source format as libvips detected it:
	// "jpeg", "png", "webp", "tiff", "gif", "heif" or "avif" (FromRef: the
	// govips name of the ref's original format, "" if unknown);
	// Encode's default output format follows it.
	Format string
	// Meta is the metadata to carry to the output, nil for none.
	Meta *Metadata
}

// Metadata is what Decode carries from the source to Encode. Blobs are the
// raw libvips field values; the slices are owned by the Metadata (Decode
// returns copies, Encode only reads them).
type Metadata struct {
	// ICC is the profile that describes the RGB planes: the sRGB profile when
	// the source had a usable embedded profile (pixels were converted to it),
	// nil when the source was untagged (sRGB by convention). Encode embeds it
	// in RGB outputs only (a gray output is written untagged).
	ICC []byte
	// EXIF is the raw EXIF block ("Exif\0\0" + TIFF structure) with its
	// orientation tag already reset to 1 by Decode (not written to TIFF).
	EXIF []byte
	// XMP is the raw XMP packet; a tiff:Orientation in it is reset to 1.
	XMP []byte
	// IPTC is the raw IPTC block (written to JPEG and TIFF only).
	IPTC []byte
	// XRes and YRes are the resolution in pixels per millimetre as libvips
	// reports it (0 = unknown). Encode writes them unchanged: a caller that
	// upscales by s and wants the same physical size multiplies them by s.
	XRes, YRes float64
}

// Channels returns the number of channels the image would be written with
// given its own flags: 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA).
func (img *Image) Channels() int {
	n := 3
	if img.Gray {
		n = 1
	}
	if img.Alpha != nil {
		n++
	}
	return n
}

// validate checks the structural invariants of img.
func (img *Image) validate(op string) error {
	if img == nil {
		return errorf(op, ErrInvalid, "nil image")
	}
	if img.Width <= 0 || img.Height <= 0 {
		return errorf(op, ErrInvalid, "image size %d×%d", img.Width, img.Height)
	}
	n := img.Width * img.Height
	if n/img.Width != img.Height || 3*n/3 != n {
		return errorf(op, ErrInvalid, "image size %d×%d overflows", img.Width, img.Height)
	}
	if len(img.RGB) != 3*n {
		return errorf(op, ErrInvalid, "RGB has %d samples, want 3×%d×%d = %d", len(img.RGB), img.Height, img.Width, 3*n)
	}
	if img.Alpha != nil && len(img.Alpha) != n {
		return errorf(op, ErrInvalid, "Alpha has %d samples, want %d×%d = %d", len(img.Alpha), img.Height, img.Width, n)
	}
	if img.Depth != 8 && img.Depth != 16 {
		return errorf(op, ErrInvalid, "depth %d, want 8 or 16", img.Depth)
	}
	return nil
}
