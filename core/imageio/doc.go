// Package imageio decodes and encodes images for the resshift engine with
// libvips (through govips and a small cgo layer), converting between files
// and planar float32 RGB in [-1, 1].
//
// # Pixel contract
//
// An [Image] holds Width×Height pixels as planar CHW float32: RGB is
// 3·H·W samples, plane c (0 = R, 1 = G, 2 = B) first, sample (c, y, x) at
// index (c·H+y)·W+x; Alpha, when present, is one H·W plane. Values are in
// [-1, 1]: v = x/127.5 − 1 for 8-bit sources, v = x/32767.5 − 1 for 16-bit
// sources (x the integer sample). Colour is sRGB; grayscale sources are
// replicated into three identical planes and flagged Gray.
//
// # Decoding
//
// [Decode] refuses oversized input before any pixel work: the byte size
// against [Limits].MaxFileBytes first, then the width and height read from
// the header against MaxPixels (and, with OutputScale, the scaled size
// against MaxOutputPixels): libvips loaders read the header when the image
// is opened and decode pixels only on first access. Data is then decoded
// strictly and deterministically — in one sequential pass on the calling
// thread, so that a damaged file fails the same way every time whatever
// libvips' thread count; truncated files are always an error, and so is any
// libvips warning unless Limits.Lenient is set — and normalised:
//
//   - EXIF orientation is applied (autorotate) and reset to 1;
//   - an embedded ICC profile is converted to sRGB with lcms at 16-bit
//     precision (the sRGB profile is then kept in [Metadata].ICC); a profile
//     that cannot be used is ignored with a logged warning; CMYK without a
//     profile uses libvips' built-in CMYK profile; Lab/XYZ/scRGB/... are
//     converted with vips_colourspace;
//   - alpha is split into Image.Alpha; palette images arrive as RGB(A);
//   - 16-bit sources keep 16-bit precision (Depth 16); signed and 32-bit
//     integer samples are clipped to 16 bits, float samples follow the
//     libvips convention (0..255, or 0..65535 for RGB16/GREY16, scRGB is
//     linear 0..1) and are reported as Depth 16.
//
// Only the raster formats whose libvips loaders are not flagged untrusted
// are accepted: jpeg, png, webp, tiff, gif and heif/avif (vector, document,
// ImageMagick-delegated, jxl and jp2k inputs are refused). All other
// loaders are blocked inside libvips at [Startup], process-wide, and only
// the accepted loaders sniff the data. Multi-page files (TIFF, animated
// GIF/WebP, HEIF) decode their first page only.
//
// # Files
//
// [DecodeFile], [OpenRegular] and [ReadFileLimit] never block on a FIFO or
// device. [WriteFileAtomic] writes through a recognisable temporary file
// and sweeps those left by killed writers ([RemoveStaleTemps]);
// [CheckOutput] finds out before any work whether an output can be written.
//
// # Encoding
//
// [Encode] rounds to the nearest integer level and clamps to the output
// depth, rejects NaN/Inf, and writes PNG, JPEG, WebP or TIFF (see
// [EncodeOptions] for the format, alpha, depth and gray rules). Metadata is
// carried unless Strip is set.
//
// # Concurrency and lifecycle
//
// All functions are safe for concurrent use. libvips is started on first use
// (or explicitly with [Startup]) and never shut down. libvips and govips
// log through log/slog; nothing is printed.
package imageio
