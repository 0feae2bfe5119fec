// Package resample implements separable cubic resampling of planar CHW
// float32 images in pure Go (no cgo), with two reference semantics:
//
//   - Torch: PyTorch F.interpolate(mode="bicubic", align_corners=False):
//     Keys cubic with A = -0.75, half-pixel centres, replicated (clamped)
//     borders, no antialiasing, no clamping of the overshoot. This is the
//     upsampler ResShift feeds its encoder / prior with.
//   - Matlab: MATLAB imresize(..., "bicubic"): A = -0.5, antialiased when
//     downscaling (kernel stretched by 1/scale), weights normalised,
//     replicated borders. This produced the bicubic LR images of
//     Set5/Set14/BSD100 and the "bicubic" baseline numbers of SR papers.
//     MATLAB returns the input class after each axis pass, so on 8-bit
//     images the intermediate is rounded too: Resizer.ResizeUint8 does the
//     same and reproduces the benchmark LR images exactly.
//
// Images are channel-major: sample (c, y, x) of a c×h×w image is at
// index (c·h + y)·w + x. Values are not range-limited (any finite float).
// All functions are single-threaded, allocate their results, never retain
// or modify their inputs, and are safe for concurrent use; parallelise over
// tiles or images.
package resample
