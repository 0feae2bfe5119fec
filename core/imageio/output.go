package imageio

import (
	"os"
	"path/filepath"
)

// maxSide is the largest width or height each output format can be written
// with by libvips 8.14: libjpeg's JPEG_MAX_DIMENSION, libwebp's
// WEBP_MAX_DIMENSION, and libvips' own coordinate limit for PNG and TIFF.
var maxSide = map[string]int{
	"jpeg": 65500,
	"webp": 16383,
	"png":  10_000_000,
	"tiff": 10_000_000,
}

// checkFormatSize refuses a w×h image that format cannot hold
// (ErrOutputTooLarge), naming the limit. format is canonical.
func checkFormatSize(op, format string, w, h int) error {
	if m, ok := maxSide[format]; ok && (w > m || h > m) {
		return errorf(op, ErrOutputTooLarge, "a %d×%d image cannot be written as %s: at most %d pixels per side; choose png or tiff", w, h, format, m)
	}
	return nil
}

// CheckOutput checks, before any expensive work, that a w×h image can be
// written as format ("png", "jpeg"/"jpg", "webp", "tiff"/"tif";
// case-insensitive; "" means PNG) to path with WriteFileAtomic:
//
//   - the size fits the format (JPEG at most 65500 pixels per side, WebP
//     16383): else an ErrOutputTooLarge error;
//   - path is not an existing non-regular file (a directory, FIFO, ...),
//     its folder exists and is a folder, and a file can be created in it
//     (a temporary file is created and removed): else an ErrInvalid error
//     naming the folder.
//
// An empty path (output to a stream such as stdout) checks the size only.
// It does not check MaxOutputPixels (see Limits.CheckOutput) or free space.
// Safe for concurrent use.
func CheckOutput(path, format string, w, h int) error {
	const op = "check output"
	if w <= 0 || h <= 0 {
		return errorf(op, ErrInvalid, "output size %d×%d", w, h)
	}
	f, err := EncodeOptions{Format: format}.format(&Image{})
	if err != nil {
		return &Error{Op: op, Kind: ErrInvalid, Msg: err.(*Error).Msg}
	}
	if err := checkFormatSize(op, f, w, h); err != nil {
		return err
	}
	if path == "" {
		return nil // no file (e.g. stdout): the size limit only
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return errorf(op, ErrInvalid, "%s: exists and is not a regular file (%s)", path, fileKind(st.Mode()))
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return &Error{Op: op, Kind: ErrInvalid, Msg: "output folder " + dir, Err: err}
	case !st.IsDir():
		return errorf(op, ErrInvalid, "output folder %s is not a folder", dir)
	}
	tmp, err := createTemp(dir, filepath.Base(path))
	if err != nil {
		return &Error{Op: op, Kind: ErrInvalid, Msg: "output folder " + dir + " is not writable", Err: err}
	}
	name := tmp.Name()
	tmp.Close()
	os.Remove(name)
	return nil
}

// CheckSize is CheckOutput for an encoder call: it resolves the output format
// from o and the source image src as Encode would ("" keeps png, jpeg, webp and
// tiff, else png) and checks that a w×h output fits it (an ErrOutputTooLarge
// error otherwise; an unknown format is an ErrInvalid error). No file is involved.
func (o EncodeOptions) CheckSize(src *Image, w, h int) error {
	f, err := o.format(src)
	if err != nil {
		return err
	}
	return checkFormatSize("check output", f, w, h)
}
