package imageio

/*
#cgo pkg-config: vips
#include "glue.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"unsafe"
)

// This file is the only one that talks to the C glue (glue.c). A *C.VipsImage
// held in Go carries one reference that the holder releases with unref.

// cImage lets the cgo-free files of the package hold libvips images.
type cImage = C.VipsImage

// unref releases one reference to im (nil is ignored).
func unref(im *C.VipsImage) {
	if im != nil {
		C.g_object_unref(C.gpointer(unsafe.Pointer(im)))
	}
}

// vipsError takes (copies and clears) the libvips error buffer. The buffer
// is process-wide, so under concurrent failures a message may be missing or
// belong to another call; the fallback keeps errors meaningful.
func vipsError(fallback string) string {
	c := C.vips_error_buffer_copy()
	s := strings.TrimSpace(C.GoString(c))
	C.g_free(C.gpointer(unsafe.Pointer(c)))
	if s == "" {
		return fallback
	}
	return strings.ReplaceAll(s, "\n", "; ")
}

// blockLoaders restricts libvips to the accepted loaders (rs_block_loaders).
func blockLoaders() { C.rs_block_loaders() }

// findLoader returns the libvips loader nickname for data, "" if none.
func findLoader(data []byte) string {
	c := C.rs_find_loader(unsafe.Pointer(unsafe.SliceData(data)), C.size_t(len(data)))
	runtime.KeepAlive(data)
	if c == nil {
		return ""
	}
	return C.GoString(c)
}

// load opens data with the named loader (header only).
func load(loader string, data []byte, failOn C.int) (*C.VipsImage, error) {
	cl := C.CString(loader)
	defer C.free(unsafe.Pointer(cl))
	var out *C.VipsImage
	if C.rs_load(cl, unsafe.Pointer(unsafe.SliceData(data)), C.size_t(len(data)), failOn, &out) != 0 {
		return nil, errorf("decode", ErrCorrupt, "corrupt image header: %s", vipsError("header could not be read"))
	}
	runtime.KeepAlive(data)
	return out, nil
}

// decodeAll decodes all pixels of a loaded image on the calling thread
// (see rs_decode_all) into a new memory image owned by the caller.
func decodeAll(op string, in *C.VipsImage) (*C.VipsImage, error) {
	var out *C.VipsImage
	if C.rs_decode_all(in, &out) != 0 {
		return nil, errorf(op, ErrCorrupt, "corrupt or truncated image data: %s", vipsError("pixels could not be decoded"))
	}
	return out, nil
}

const (
	failOnTruncated = C.int(C.VIPS_FAIL_ON_TRUNCATED)
	failOnWarning   = C.int(C.VIPS_FAIL_ON_WARNING)
)

// size returns the width and height of im.
func size(im *C.VipsImage) (int, int) {
	return int(C.vips_image_get_width(im)), int(C.vips_image_get_height(im))
}

// getBlob returns a copy of the named metadata blob, nil if absent.
func getBlob(im *C.VipsImage, name string) []byte {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	var n C.size_t
	p := C.rs_get_blob(im, cn, &n)
	if p == nil || n == 0 {
		return nil
	}
	return C.GoBytes(p, C.int(n))
}

// getString returns a string metadata field, "" if absent.
func getString(im *C.VipsImage, name string) string {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	if C.vips_image_get_typeof(im, cn) == 0 {
		return ""
	}
	var s *C.char
	if C.vips_image_get_string(im, cn, &s) != 0 {
		C.vips_error_clear()
		return ""
	}
	return C.GoString(s)
}

// setBlob attaches a copy of data as the named metadata blob.
func setBlob(im *C.VipsImage, name string, data []byte) {
	if len(data) == 0 {
		return
	}
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	C.vips_image_set_blob_copy(im, cn, unsafe.Pointer(unsafe.SliceData(data)), C.size_t(len(data)))
	runtime.KeepAlive(data)
}

// setInt sets an int metadata field.
func setInt(im *C.VipsImage, name string, v int) {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	C.vips_image_set_int(im, cn, C.int(v))
}

// resolution returns Xres and Yres in pixels per millimetre.
func resolution(im *C.VipsImage) (float64, float64) {
	return float64(C.vips_image_get_xres(im)), float64(C.vips_image_get_yres(im))
}

// layout mirrors RsLayout (see glue.h) in Go types.
type layout struct {
	colourBands  int
	colourFormat sampleFormat
	colourMax    float64
	hasAlpha     bool
	alphaFormat  sampleFormat
	alphaMax     float64
	srcGray      bool
	srcDepth     int
	iccConverted bool
	iccIgnored   bool
}

func toSampleFormat(f C.int) sampleFormat {
	switch f {
	case C.VIPS_FORMAT_UCHAR:
		return formatU8
	case C.VIPS_FORMAT_USHORT:
		return formatU16
	default:
		return formatF32
	}
}

func (f sampleFormat) bytes() int {
	switch f {
	case formatU8:
		return 1
	case formatU16:
		return 2
	default:
		return 4
	}
}

// prepared is the outcome of rs_prepare; release it with free.
type prepared struct {
	lay                    layout
	rotated, colour, alpha *C.VipsImage
}

func (p *prepared) free() {
	unref(p.rotated)
	unref(p.colour)
	unref(p.alpha)
}

// prepare runs rs_prepare on in (which stays owned by the caller). The
// returned note is the reason an embedded ICC profile was ignored, if so.
func prepare(op string, in *C.VipsImage) (*prepared, string, error) {
	var l C.RsLayout
	p := &prepared{}
	if C.rs_prepare(in, &l, &p.rotated, &p.colour, &p.alpha) != 0 {
		msg := vipsError("cannot normalise image")
		kind := ErrCorrupt
		if strings.Contains(msg, "unsupported") {
			kind = ErrUnsupported
		}
		return nil, "", errorf(op, kind, "%s", msg)
	}
	p.lay = layout{
		colourBands:  int(l.colour_bands),
		colourFormat: toSampleFormat(l.colour_format),
		colourMax:    float64(l.colour_max),
		hasAlpha:     l.has_alpha != 0,
		alphaFormat:  toSampleFormat(l.alpha_format),
		alphaMax:     float64(l.alpha_max),
		srcGray:      l.src_gray != 0,
		srcDepth:     int(l.src_depth),
		iccConverted: l.icc_converted != 0,
		iccIgnored:   l.icc_ignored != 0,
	}
	note := ""
	if p.lay.iccIgnored {
		note = vipsError("unusable profile")
	}
	return p, note, nil
}

// readPlanes computes im (bands interleaved samples of format f) and
// unpacks it into planes·n float32 samples of dst.
func readPlanes(op string, im *C.VipsImage, dst []float32, planes, bands int, f sampleFormat, full float64) error {
	w, h := size(im)
	n := w * h
	var got C.size_t
	buf := C.rs_to_memory(im, &got)
	if buf == nil {
		return errorf(op, ErrCorrupt, "corrupt or truncated image data: %s", vipsError("pixels could not be decoded"))
	}
	defer C.g_free(C.gpointer(buf))
	if want := n * bands * f.bytes(); int(got) != want {
		return errorf(op, ErrInternal, "libvips returned %d bytes, want %d", int(got), want)
	}
	if !unpack(dst, planes, buf, f, bands, n, full) {
		return errorf(op, ErrUnsupported, "image contains NaN samples")
	}
	return nil
}

// fromMemory wraps a copy of band-interleaved pixels as a new image.
func fromMemory(op string, data []byte, w, h, bands int, format, interp C.int, xres, yres float64) (*C.VipsImage, error) {
	im := C.rs_from_memory(unsafe.Pointer(unsafe.SliceData(data)), C.size_t(len(data)),
		C.int(w), C.int(h), C.int(bands), format, interp, C.double(xres), C.double(yres))
	runtime.KeepAlive(data)
	if im == nil {
		return nil, errorf(op, ErrInternal, "%s", vipsError("cannot create image from memory"))
	}
	return im, nil
}

// saveKind selects the libvips saver.
type saveKind int

const (
	saveJPEG    = saveKind(C.RS_SAVE_JPEG)
	savePNG     = saveKind(C.RS_SAVE_PNG)
	saveWebP    = saveKind(C.RS_SAVE_WEBP)
	saveTIFF    = saveKind(C.RS_SAVE_TIFF)
	saveTIFFRaw = saveKind(C.RS_SAVE_TIFF_RAW)
	saveHEIF    = saveKind(C.RS_SAVE_HEIF)
	saveAVIF    = saveKind(C.RS_SAVE_AVIF)
)

// hasBufferSaver reports whether this libvips has a saver to memory for
// files named *suffix (for example ".heif"): a runtime lookup, since savers
// depend on how libvips was built.
func hasBufferSaver(suffix string) bool {
	cs := C.CString(suffix)
	defer C.free(unsafe.Pointer(cs))
	ok := C.vips_foreign_find_save_buffer(cs) != nil
	C.vips_error_clear() // the failed lookup leaves a message
	return ok
}

// save encodes im into a Go-owned buffer.
func save(op string, im *C.VipsImage, kind saveKind, quality int, lossless, strip bool) ([]byte, error) {
	o := C.RsSave{kind: C.int(kind), quality: C.int(quality), lossless: cbool(lossless), strip: cbool(strip)}
	var buf unsafe.Pointer
	var n C.size_t
	if C.rs_save(im, &o, &buf, &n) != 0 {
		if buf != nil {
			C.g_free(C.gpointer(buf))
		}
		return nil, errorf(op, ErrInternal, "%s", vipsError("cannot encode image"))
	}
	defer C.g_free(C.gpointer(buf))
	out := make([]byte, int(n))
	copy(out, unsafe.Slice((*byte)(buf), int(n)))
	return out, nil
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// vips format and interpretation codes used by the Go side.
const (
	vFormatUchar  = C.int(C.VIPS_FORMAT_UCHAR)
	vFormatUshort = C.int(C.VIPS_FORMAT_USHORT)
	vInterpSRGB   = C.int(C.VIPS_INTERPRETATION_sRGB)
	vInterpRGB16  = C.int(C.VIPS_INTERPRETATION_RGB16)
	vInterpBW     = C.int(C.VIPS_INTERPRETATION_B_W)
	vInterpGrey16 = C.int(C.VIPS_INTERPRETATION_GREY16)
)

// formatSize returns the byte size of one sample of a libvips band format,
// 0 for unknown formats.
func formatSize(f int) int {
	if f < 0 || f >= int(C.VIPS_FORMAT_LAST) {
		return 0
	}
	return int(C.vips_format_sizeof(C.VipsBandFormat(f)))
}

// cInt converts a libvips enum value held in a Go int.
func cInt(v int) C.int { return C.int(v) }
