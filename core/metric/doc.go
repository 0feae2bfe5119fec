// Package metric computes the full-reference image quality metrics used by
// super-resolution papers, on the luma channel: PSNR-Y and SSIM-Y exactly as
// MATLAB-style evaluation scripts (and BasicSR's calculate_psnr /
// calculate_ssim with test_y_channel) compute them. Pure Go, no cgo.
//
// Conventions:
//   - Y is ITU-R BT.601 studio-range luma computed in float64 from R, G, B
//     on the 0..255 scale, without rounding:
//     Y = 16 + (65.481·R + 128.553·G + 24.966·B)/255, so Y ∈ [16, 235].
//     A grey image (Image.C = 1) is its own luma (0..255), as in MATLAB
//     evaluation scripts and BasicSR; images must agree in channel count.
//   - border pixels are cropped from every side before comparing (the
//     convention is border = scale factor).
//   - PSNR uses peak 255 and returns +Inf for identical images. SSIM uses an
//     11×11 Gaussian window (σ = 1.5, normalised), K1 = 0.01, K2 = 0.03,
//     L = 255 and 'valid' filtering (no padding), averaged over the map.
//
// Functions never modify their inputs and are safe for concurrent use.
package metric
