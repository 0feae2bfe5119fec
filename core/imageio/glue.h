// glue.h: the small C layer of package imageio over libvips 8.14.
//
// Every function here is thread-safe in the libvips sense: it only touches
// the images passed to it. Images returned through out-parameters carry one
// reference owned by the caller (release with g_object_unref); buffers
// returned through out-parameters are g_malloc'd and owned by the caller
// (release with g_free). On failure the libvips error buffer holds the
// reason; the Go side takes it with vips_error_buffer_copy().

#ifndef RESSHIFT_IMAGEIO_GLUE_H
#define RESSHIFT_IMAGEIO_GLUE_H

#include <stdlib.h>
#include <vips/vips.h>

// rs_block_loaders blocks, process-wide and inside libvips itself, every
// loader flagged untrusted and every loader outside the allow-list (jpeg,
// png, webp, tiff, gif, heif/avif), so that no other loader even sniffs the
// data (svg, pdf, ImageMagick, ...). Call once, after vips_init.
void rs_block_loaders(void);

// rs_find_loader returns the nickname of the allowed, unblocked libvips
// loader that recognises data ("jpegload_buffer", ...; a static string), or
// NULL (error buffer cleared) when none does. Only the allowed loaders'
// sniffers run; they read magic bytes (tiff: the header and first
// directory).
const char *rs_find_loader(const void *data, size_t len);

// rs_load copies data into a libvips blob owned by the loader (Go memory is
// never retained) and runs the named loader with the given VipsFailOn
// level and sequential access. Only the header is read: pixels are decoded
// on first access, which must be rs_decode_all.
// Returns 0 or -1 (error buffer set).
int rs_load(const char *loader, const void *data, size_t len, int fail_on,
            VipsImage **out);

// rs_decode_all decodes every pixel of a freshly loaded image into a new
// memory image, in strips from top to bottom, on the calling thread: no
// libvips worker thread touches the encoded data, so a damaged file fails
// the same way every time (libvips' threaded decoding races on truncated
// data). *out carries the header and metadata of in. Returns 0 or -1 (error
// buffer set); on error *out is NULL.
int rs_decode_all(VipsImage *in, VipsImage **out);

// RsLayout describes what rs_prepare produced.
typedef struct {
  int colour_bands;  // 1 (gray) or 3 (RGB) interleaved bands in *colour
  int colour_format; // VIPS_FORMAT_UCHAR, _USHORT or _FLOAT
  double colour_max; // sample value that means full intensity
  int has_alpha;     // *alpha is set
  int alpha_format;  // VIPS_FORMAT_UCHAR, _USHORT or _FLOAT
  double alpha_max;  // alpha value that means opaque
  int src_gray;      // the source had one colour band
  int src_depth;     // 8 or 16: precision of the source samples
  int icc_converted; // colour went through an ICC transform to sRGB
  int icc_ignored;   // an embedded profile could not be used (see error buf)
} RsLayout;

// rs_prepare normalises a loaded image: decodes LABQ/RAD coding, applies and
// clears the EXIF orientation, splits off alpha, converts colour to sRGB
// (ICC transform of embedded profiles and CMYK, colourspace conversion of
// Lab/XYZ/scRGB/...), and reduces sample formats to uchar, ushort or float.
// On success *colour (and *alpha when lay->has_alpha) are owned by the
// caller and *rotated is the autorotated full image (metadata source).
// Returns 0 or -1 (error buffer set).
int rs_prepare(VipsImage *in, RsLayout *lay, VipsImage **rotated,
               VipsImage **colour, VipsImage **alpha);

// rs_to_memory computes an image into a g_malloc'd, band-interleaved buffer.
void *rs_to_memory(VipsImage *in, size_t *len);

// rs_get_blob returns a borrowed pointer to a metadata blob, or NULL.
const void *rs_get_blob(VipsImage *in, const char *name, size_t *len);

// rs_from_memory wraps a copy of band-interleaved pixels as an image with
// the given interpretation.
VipsImage *rs_from_memory(const void *data, size_t len, int width, int height,
                          int bands, int format, int interpretation,
                          double xres, double yres);

// RsSave carries the encoder choice and options.
typedef struct {
  int kind;      // RS_SAVE_*
  int quality;   // JPEG/WebP Q
  int lossless;  // WebP lossless
  int strip;     // drop all metadata
} RsSave;

enum { RS_SAVE_JPEG = 1, RS_SAVE_PNG, RS_SAVE_WEBP, RS_SAVE_TIFF, RS_SAVE_TIFF_RAW, RS_SAVE_HEIF, RS_SAVE_AVIF };

// rs_save encodes into a g_malloc'd buffer. Returns 0 or -1.
int rs_save(VipsImage *in, const RsSave *opt, void **buf, size_t *len);

#endif
