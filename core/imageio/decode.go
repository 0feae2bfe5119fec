package imageio

import (
	"errors"
	"io"
	"log/slog"
	"strings"
)

// acceptedFormats are the raster formats Decode accepts, by libvips loader
// family: the loaders libvips 8.14 does not flag "untrusted". Everything
// else it could open (svg, pdf, magick, jxl, jp2k, rad, ...) is blocked in
// libvips itself (see Startup), so those loaders never see the data, and is
// refused with ErrUnsupported naming the format where its first bytes tell.
var acceptedFormats = map[string]bool{
	"jpeg": true, "png": true, "webp": true, "tiff": true, "gif": true, "heif": true,
}

// acceptedList names the accepted formats in error messages.
const acceptedList = "jpeg, png, webp, tiff, gif, heif/avif"

// unknownData is the error for data no accepted libvips loader recognises:
// a damaged file of an accepted format (ErrCorrupt), a format this package
// does not read (ErrUnsupported, named where the first bytes tell), or
// unknown bytes.
func unknownData(op string, data []byte) error {
	switch f := sniffFormat(data); {
	case acceptedFormats[f] || f == "avif":
		return errorf(op, ErrCorrupt, "corrupt or truncated %s data: its header cannot be read", f)
	case f != "":
		return errorf(op, ErrUnsupported, "unsupported format %q (accepted: %s)", f, acceptedList)
	}
	return errorf(op, ErrUnsupported, "unsupported format or corrupt image data (first bytes % x; accepted: %s)", head(data), acceptedList)
}

// Decode decodes an encoded image (see the package documentation for the
// checks and conversions). data is only read, never retained. Errors wrap
// ErrTooLarge, ErrUnsupported or ErrCorrupt.
func Decode(data []byte, lim Limits) (*Image, error) {
	const op = "decode"
	ensureStarted()
	if len(data) == 0 {
		return nil, errorf(op, ErrCorrupt, "empty input")
	}
	if err := lim.checkBytes(op, int64(len(data))); err != nil {
		return nil, err
	}

	loader := findLoader(data)
	if loader == "" {
		return nil, unknownData(op, data)
	}
	family := strings.TrimSuffix(loader, "load_buffer")
	if !acceptedFormats[family] {
		// Only if another library unblocked libvips loaders (see Startup).
		return nil, errorf(op, ErrUnsupported, "unsupported format %q (accepted: %s)", family, acceptedList)
	}

	if family == "png" {
		if err := checkPNGStructure(data); err != nil {
			return nil, err
		}
	}
	failOn := failOnWarning
	if lim.Lenient {
		failOn = failOnTruncated
	}
	in, err := load(loader, data, failOn)
	if err != nil {
		return nil, err
	}
	defer unref(in)

	// The loader has read the header only: refuse bombs before pixel work.
	w, h := size(in)
	if err := lim.checkInput(op, w, h); err != nil {
		return nil, err
	}
	format := family
	if family == "heif" && getString(in, "heif-compression") == "av1" {
		format = "avif"
	}
	pix, err := decodeAll(op, in)
	if err != nil {
		return nil, err
	}
	defer unref(pix)
	return toImage(op, pix, format)
}

// DecodeFile reads and decodes the file at path. Anything but a regular
// file (a FIFO, socket, device, directory) is refused without blocking (see
// OpenRegular); the size is checked with Stat before reading, and the read
// itself is bounded, so a file that grows is refused too.
func DecodeFile(path string, lim Limits) (*Image, error) {
	const op = "decode"
	f, st, err := openRegular(op, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := lim.checkBytes(op, st.Size()); err != nil {
		return nil, withPath(err, path)
	}
	limit := pick(lim.MaxFileBytes, DefaultMaxFileBytes)
	r := io.Reader(f)
	if limit >= 0 {
		r = io.LimitReader(f, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fileError(op, err)
	}
	if err := lim.checkBytes(op, int64(len(data))); err != nil {
		return nil, withPath(err, path)
	}
	img, err := Decode(data, lim)
	return img, withPath(err, path)
}

// withPath prefixes an *Error's message with the file path.
func withPath(err error, path string) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Msg = path + ": " + c.Msg
		return &c
	}
	return err
}

// head returns up to the first 8 bytes of data, for error messages.
func head(data []byte) []byte {
	return data[:min(len(data), 8)]
}

// toImage normalises a loaded image (owned by the caller) into an Image.
func toImage(op string, in *cImage, format string) (*Image, error) {
	p, note, err := prepare(op, in)
	if err != nil {
		return nil, err
	}
	defer p.free()
	if note != "" {
		slog.Warn("imageio: embedded ICC profile ignored; samples taken as sRGB", "reason", note)
	}

	w, h := size(p.colour)
	n := w * h
	img := &Image{
		Width:  w,
		Height: h,
		RGB:    make([]float32, 3*n),
		Gray:   p.lay.srcGray,
		Depth:  p.lay.srcDepth,
		Format: format,
	}
	if err := readPlanes(op, p.colour, img.RGB, 3, p.lay.colourBands, p.lay.colourFormat, p.lay.colourMax); err != nil {
		return nil, err
	}
	if p.lay.hasAlpha {
		img.Alpha = make([]float32, n)
		if err := readPlanes(op, p.alpha, img.Alpha, 1, 1, p.lay.alphaFormat, p.lay.alphaMax); err != nil {
			return nil, err
		}
	}
	img.Meta = readMeta(p)
	return img, nil
}

// readMeta collects the metadata to carry, nil if there is none.
func readMeta(p *prepared) *Metadata {
	m := &Metadata{
		EXIF: resetEXIFOrientation(getBlob(p.rotated, "exif-data")),
		XMP:  resetXMPOrientation(getBlob(p.rotated, "xmp-data")),
		IPTC: getBlob(p.rotated, "iptc-data"),
	}
	if p.lay.iccConverted {
		m.ICC = getBlob(p.colour, "icc-profile-data")
	}
	m.XRes, m.YRes = resolution(p.rotated)
	if m.ICC == nil && m.EXIF == nil && m.XMP == nil && m.IPTC == nil && m.XRes <= 0 && m.YRes <= 0 {
		return nil
	}
	return m
}
