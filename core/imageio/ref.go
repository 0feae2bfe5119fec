package imageio

import (
	"github.com/davidbyttow/govips/v2/vips"
)

// FromRef converts a govips image (for the govips pipeline stage) like
// Decode converts a file: dimensions are checked against lim first, then
// the pixels are computed, EXIF orientation is applied, ICC/CMYK/Lab/...
// converted to sRGB, alpha split and depth kept. ref is only read (its
// pipeline is evaluated once); the caller keeps ownership. Format is the
// govips original format name ("jpeg", "png", ..., "" if unknown). A
// multi-page ref is treated as one tall image.
func FromRef(ref *vips.ImageRef, lim Limits) (*Image, error) {
	const op = "from ref"
	ensureStarted()
	if ref == nil {
		return nil, errorf(op, ErrInvalid, "nil image ref")
	}
	w, h := ref.Width(), ref.Height()
	if err := lim.checkInput(op, w, h); err != nil {
		return nil, err
	}

	src := ref
	if ref.Coding() != vips.CodingNone {
		c, err := ref.Copy()
		if err != nil {
			return nil, &Error{Op: op, Kind: ErrInternal, Msg: "copy coded image", Err: err}
		}
		defer c.Close()
		if err := c.ToColorSpace(vips.InterpretationSRGB); err != nil {
			return nil, &Error{Op: op, Kind: ErrUnsupported, Msg: "decode coded image", Err: err}
		}
		src = c
	}

	bands, bf := src.Bands(), int(src.BandFormat())
	sz := formatSize(bf)
	if sz == 0 {
		return nil, errorf(op, ErrUnsupported, "band format %d", bf)
	}
	raw, err := src.ToBytes()
	if err != nil {
		return nil, &Error{Op: op, Kind: ErrCorrupt, Msg: "compute pixels", Err: err}
	}
	if want := w * h * bands * sz; len(raw) != want {
		return nil, errorf(op, ErrInternal, "govips returned %d bytes, want %d", len(raw), want)
	}
	im, err := fromMemory(op, raw, w, h, bands, cInt(bf), cInt(int(src.Interpretation())), src.ResX(), src.ResY())
	if err != nil {
		return nil, err
	}
	defer unref(im)
	for _, name := range []string{"icc-profile-data", "exif-data", "xmp-data", "iptc-data"} {
		setBlob(im, name, src.GetBlob(name))
	}
	// Always set the field: after govips AutoRotate the field is gone but the EXIF block may
	// still say e.g. 6, and libvips would re-read it from the block and rotate a second time.
	setInt(im, "orientation", max(src.Orientation(), 1))

	format := ""
	switch t := ref.OriginalFormat(); t {
	case vips.ImageTypeAVIF:
		format = "avif"
	case vips.ImageTypeUnknown:
	default:
		format = vips.ImageTypes[t]
	}
	return toImage(op, im, format)
}

// ToRef converts img into a new govips image for the govips pipeline
// stage: 8- or 16-bit (Image.Depth), gray or RGB (Image.Gray), with alpha
// when Image.Alpha is set; samples are rounded as in Encode (NaN/Inf is an
// error). govips v2.16 cannot import raw pixels, so the image travels as an
// uncompressed TIFF in memory: the ref's Format() reports TIFF (export
// with an explicit format), and its metadata is Meta's ICC (RGB only), XMP,
// IPTC and resolution — EXIF is not carried (libvips' TIFF writer drops it
// and govips' SetBlob cannot attach blobs). The caller owns the ref.
func ToRef(img *Image) (*vips.ImageRef, error) {
	const op = "to ref"
	ensureStarted()
	if err := img.validate(op); err != nil {
		return nil, err
	}
	spec := layoutSpec{gray: img.Gray, alpha: img.Alpha != nil, depth: img.Depth}
	im, err := buildImage(op, img, spec, true)
	if err != nil {
		return nil, err
	}
	defer unref(im)
	tiff, err := save(op, im, saveTIFFRaw, 0, false, false)
	if err != nil {
		return nil, err
	}
	ref, err := vips.LoadImageFromBuffer(tiff, vips.NewImportParams())
	if err != nil {
		return nil, &Error{Op: op, Kind: ErrInternal, Msg: "load into govips", Err: err}
	}
	return ref, nil
}
