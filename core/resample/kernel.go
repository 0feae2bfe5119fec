package resample

import "math"

// BorderMode says how taps outside the image are mapped back into it.
type BorderMode int

const (
	// BorderClamp replicates the edge sample (index clamped to 0..n-1), as
	// PyTorch and MATLAB imresize do.
	BorderClamp BorderMode = iota
	// BorderSymmetric mirrors indices including the edge sample: the index
	// sequence continues as [0..n-1, n-1..0] repeating (half-sample
	// symmetric), as some Python ports of imresize do.
	BorderSymmetric
)

// Kernel describes a cubic resampling kernel.
type Kernel struct {
	// A is the Keys cubic coefficient: -0.75 (PyTorch, OpenCV) or -0.5 (MATLAB).
	A float64
	// Antialias stretches the kernel by 1/scale when downscaling (scale < 1),
	// turning it into a low-pass filter; it has no effect when upscaling.
	Antialias bool
	// Border selects the out-of-range index rule.
	Border BorderMode
}

var (
	// Torch is PyTorch's bicubic F.interpolate with align_corners=False.
	Torch = Kernel{A: -0.75, Border: BorderClamp}
	// Matlab is MATLAB's imresize(..., "bicubic") (antialiasing on).
	// MATLAB replicates edge samples: this kernel reproduces published
	// MATLAB outputs and the Set5/Set14/BSD100 LR_x4 images bit for bit
	// (the latter with Resizer.ResizeUint8, see resize_data_test.go).
	Matlab = Kernel{A: -0.5, Antialias: true, Border: BorderClamp}
	// MatlabSymmetric is Matlab with mirrored borders, the variant of
	// Python re-implementations of imresize such as BasicSR's
	// matlab_functions.imresize. It differs from Matlab only within the
	// kernel radius of the image edges (2 input samples when upscaling,
	// 2·s when downscaling by s).
	MatlabSymmetric = Kernel{A: -0.5, Antialias: true, Border: BorderSymmetric}
)

// cubic is the Keys cubic convolution kernel with coefficient a (support [-2, 2]).
func cubic(x, a float64) float64 {
	x = math.Abs(x)
	switch {
	case x <= 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return ((a*x-5*a)*x+8*a)*x - 4*a
	}
	return 0
}

// mapIndex maps a possibly out-of-range tap index into 0..n-1.
func (b BorderMode) mapIndex(i, n int) int {
	if b == BorderSymmetric {
		p := 2 * n
		i %= p
		if i < 0 {
			i += p
		}
		if i >= n {
			i = p - 1 - i
		}
		return i
	}
	return min(max(i, 0), n-1)
}
