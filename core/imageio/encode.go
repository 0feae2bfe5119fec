package imageio

import (
	"log/slog"
	"strings"

	"github.com/resshift/resshift/vocab"
)

// Default encoder qualities, used when EncodeOptions.Quality is 0.
const (
	DefaultJPEGQuality = 92
	DefaultWebPQuality = 90
	DefaultHEIFQuality = 80 // AVIF and HEIF
)

// EncodeOptions selects the output format and its settings. The zero value
// writes the input's format with default settings and keeps metadata.
type EncodeOptions struct {
	// Format is "png", "jpeg" (or "jpg"), "webp", "tiff" (or "tif"), "avif"
	// or "heif" (or "heic"), case-insensitive; AVIF and HEIF need a libvips
	// with the heif saver (HEIFSupported) and are 8-bit RGB(A). "" means Image.Format when that is one of these, and
	// "png" otherwise (gif, heif, avif or FromRef sources: PNG holds every
	// layout and depth losslessly).
	Format string
	// Quality is the JPEG/WebP/AVIF/HEIF quality, 1..100; 0 means
	// DefaultJPEGQuality, DefaultWebPQuality or DefaultHEIFQuality. PNG and TIFF ignore it.
	Quality int
	// Lossless selects lossless WebP. PNG and TIFF are always lossless;
	// JPEG with Lossless is an error.
	Lossless bool
	// Strip drops all metadata (ICC, EXIF, XMP, IPTC). Untagged RGB means
	// sRGB by convention, which is what the pixels are.
	Strip bool
}

// format resolves the output format name for img (vocab.ParseFormat: names
// and aliases, case-insensitive; "" = the image's own format when this
// package writes it, else PNG).
func (o EncodeOptions) format(img *Image) (string, error) {
	f, err := vocab.ParseFormat(o.Format)
	switch {
	case err != nil:
		return "", errorf("encode", ErrInvalid, "output format %q: want png, jpeg, webp, tiff, avif or heif", o.Format)
	case f == vocab.FormatAuto:
		switch img.Format {
		case "png", "jpeg", "webp", "tiff":
			return img.Format, nil
		}
		return "png", nil
	case f == vocab.AVIF, f == vocab.HEIF:
		return heifFormat(f.String())
	}
	return f.String(), nil
}

// Encode writes img in the chosen format and returns the encoded bytes.
//
// Samples are rounded to the nearest level and clamped to [0, 2^depth−1];
// any NaN or Inf sample is an ErrInvalid error. The output layout follows
// the image and what the format can hold:
//
//   - depth: Image.Depth (8 or 16) for PNG and TIFF; JPEG and WebP are
//     always 8-bit (a 16-bit image is rounded to 8 bits);
//   - gray: when Image.Gray, one band holding the mean of the three planes
//     (identical for gray sources, so exact for them); WebP has no gray
//     mode and gets RGB;
//   - alpha: written by PNG, WebP and TIFF; JPEG cannot hold it, so the
//     image is composited onto white (in the encoded sRGB values, like
//     libvips flatten) and a warning is logged;
//   - metadata (unless Strip): Meta.ICC in RGB outputs (gray outputs are
//     written untagged), EXIF with orientation 1, XMP, IPTC, resolution —
//     as far as the format and libvips 8.14 carry them: JPEG all; PNG and
//     WebP no IPTC; TIFF no EXIF.
//
// An image larger than the format can hold (JPEG: 65500 pixels per side,
// WebP: 16383) is an ErrOutputTooLarge error (see CheckOutput to find out
// before the work). Encode only reads img and is safe for concurrent use.
func Encode(img *Image, opt EncodeOptions) ([]byte, error) {
	const op = "encode"
	ensureStarted()
	if err := img.validate(op); err != nil {
		return nil, err
	}
	format, err := opt.format(img)
	if err != nil {
		return nil, err
	}
	q, err := opt.quality(format)
	if err != nil {
		return nil, err
	}
	if opt.Lossless && format == "jpeg" {
		return nil, errorf(op, ErrInvalid, "jpeg cannot be lossless: choose png or webp")
	}
	if err := checkFormatSize(op, format, img.Width, img.Height); err != nil {
		return nil, err
	}

	depth := img.Depth
	if format == "jpeg" || format == "webp" || format == "avif" || format == "heif" {
		if depth == 16 {
			slog.Debug("imageio: 16-bit image written as 8-bit", "format", format)
		}
		depth = 8
	}
	spec := layoutSpec{
		gray:    img.Gray && format != "webp" && format != "avif" && format != "heif",
		alpha:   img.Alpha != nil && format != "jpeg",
		flatten: img.Alpha != nil && format == "jpeg",
		depth:   depth,
	}
	if spec.flatten {
		slog.Warn("imageio: jpeg cannot hold alpha; compositing onto white", "width", img.Width, "height", img.Height)
	}
	im, err := buildImage(op, img, spec, !opt.Strip)
	if err != nil {
		return nil, err
	}
	defer unref(im)

	kind := map[string]saveKind{"jpeg": saveJPEG, "png": savePNG, "webp": saveWebP, "tiff": saveTIFF,
		"heif": saveHEIF, "avif": saveAVIF}[format]
	data, err := save(op, im, kind, q, opt.Lossless, opt.Strip)
	if err != nil && (format == "avif" || format == "heif") {
		return nil, errorf(op, ErrUnsupported, "this libvips/libheif cannot write %s (no %s encoder?): %v",
			strings.ToUpper(format), map[string]string{"avif": "AV1", "heif": "HEVC"}[format], err)
	}
	return data, err
}

// quality validates and defaults the quality for format.
func (o EncodeOptions) quality(format string) (int, error) {
	if o.Quality < 0 || o.Quality > 100 {
		return 0, errorf("encode", ErrInvalid, "quality %d: want 1..100 (0 = default)", o.Quality)
	}
	if o.Quality != 0 {
		return o.Quality, nil
	}
	switch format {
	case "webp":
		return DefaultWebPQuality, nil
	case "avif", "heif":
		return DefaultHEIFQuality, nil
	}
	return DefaultJPEGQuality, nil
}

// layoutSpec is the band layout to build for the encoder.
type layoutSpec struct {
	gray    bool // one colour band (mean of the planes)
	alpha   bool // append the alpha band
	flatten bool // composite onto white, no alpha band
	depth   int  // 8 or 16
}

// buildImage checks img's samples and makes a libvips image (caller owns
// it) with the spec's layout, attaching img.Meta when withMeta.
func buildImage(op string, img *Image, spec layoutSpec, withMeta bool) (*cImage, error) {
	if i, ok := finite(img.RGB); !ok {
		n := img.Width * img.Height
		c, p := i/n, i%n
		return nil, errorf(op, ErrInvalid, "RGB sample (c=%d, y=%d, x=%d) is %v", c, p/img.Width, p%img.Width, img.RGB[i])
	}
	if img.Alpha != nil {
		if i, ok := finite(img.Alpha); !ok {
			return nil, errorf(op, ErrInvalid, "Alpha sample (y=%d, x=%d) is %v", i/img.Width, i%img.Width, img.Alpha[i])
		}
	}

	n := img.Width * img.Height
	r, g, b := img.RGB[:n], img.RGB[n:2*n], img.RGB[2*n:3*n]
	if spec.flatten {
		r, g, b = flattenWhite(r, img.Alpha), flattenWhite(g, img.Alpha), flattenWhite(b, img.Alpha)
	}
	var planes [][]float32
	if spec.gray {
		planes = append(planes, meanPlane(r, g, b))
	} else {
		planes = append(planes, r, g, b)
	}
	if spec.alpha {
		planes = append(planes, img.Alpha)
	}
	data := pack(planes, n, spec.depth)

	format, interp := vFormatUchar, vInterpSRGB
	switch {
	case spec.depth == 16 && spec.gray:
		format, interp = vFormatUshort, vInterpGrey16
	case spec.depth == 16:
		format, interp = vFormatUshort, vInterpRGB16
	case spec.gray:
		interp = vInterpBW
	}
	var xres, yres float64
	if withMeta && img.Meta != nil {
		xres, yres = img.Meta.XRes, img.Meta.YRes
	}
	im, err := fromMemory(op, data, img.Width, img.Height, len(planes), format, interp, xres, yres)
	if err != nil {
		return nil, err
	}
	if withMeta && img.Meta != nil {
		m := img.Meta
		if !spec.gray {
			setBlob(im, "icc-profile-data", m.ICC)
		}
		if m.EXIF != nil {
			setBlob(im, "exif-data", resetEXIFOrientation(m.EXIF))
			setInt(im, "orientation", 1)
		}
		setBlob(im, "xmp-data", m.XMP)
		setBlob(im, "iptc-data", m.IPTC)
	}
	return im, nil
}

// flattenWhite composites a plane onto white with straight alpha, in the
// [-1, 1] encoded values: v' = a·v + (1−a)·1 with a = (alpha+1)/2 ∈ [0, 1].
func flattenWhite(v, alpha []float32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		a := min(1, max(0, (alpha[i]+1)/2))
		out[i] = a*x + (1 - a)
	}
	return out
}

// meanPlane returns (r+g+b)/3 per sample (exactly r where the three agree).
func meanPlane(r, g, b []float32) []float32 {
	out := make([]float32, len(r))
	for i := range out {
		if r[i] == g[i] && g[i] == b[i] {
			out[i] = r[i]
		} else {
			out[i] = (r[i] + g[i] + b[i]) / 3
		}
	}
	return out
}
