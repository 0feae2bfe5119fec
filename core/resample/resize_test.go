package resample

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

type vector struct {
	Name   string    `json:"name"`
	C      int       `json:"c"`
	H      int       `json:"h"`
	W      int       `json:"w"`
	OutH   int       `json:"out_h"`
	OutW   int       `json:"out_w"`
	Scale  int       `json:"scale"` // >0 upscale factor, <0 downscale factor, 0 size-driven
	Sym    bool      `json:"symmetric"`
	Input  []float32 `json:"input"`
	Output []float64 `json:"output"`
}

func loadVectors(t *testing.T) (torch, matlab []vector) {
	t.Helper()
	b, err := os.ReadFile("testdata/torch_bicubic.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Torch, Matlab []vector }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Torch) == 0 || len(v.Matlab) == 0 {
		t.Fatal("empty vector file")
	}
	return v.Torch, v.Matlab
}

func compare(t *testing.T, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("length %d, want %d", len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		worst = max(worst, math.Abs(float64(got[i])-want[i]))
	}
	t.Logf("max |diff| = %.3g", worst)
	if worst > tol {
		t.Errorf("max |diff| = %.3g > %.1g", worst, tol)
	}
}

// Golden vectors from PyTorch 1.13 (testdata/gen_vectors.py).
func TestTorchGolden(t *testing.T) {
	torch, _ := loadVectors(t)
	for _, v := range torch {
		t.Run(v.Name, func(t *testing.T) {
			var got []float32
			if v.Scale > 0 {
				got = UpsampleTorch(v.Input, v.C, v.H, v.W, v.Scale)
			} else {
				got = Resize(v.Input, v.C, v.H, v.W, v.OutH, v.OutW, Torch)
			}
			compare(t, got, v.Output, 1e-5)
		})
	}
}

// Golden vectors from the independent NumPy imresize of gen_vectors.py
// (inputs in 0..255 for the downscale cases, hence the scaled tolerance).
func TestMatlabGolden(t *testing.T) {
	_, matlab := loadVectors(t)
	for _, v := range matlab {
		t.Run(v.Name, func(t *testing.T) {
			k := Matlab
			if v.Sym {
				k = MatlabSymmetric
			}
			tol := 1e-5
			f := float64(v.Scale)
			if v.Scale < 0 {
				f = -1 / f
				tol = 255e-5 / 2 // inputs in 0..255
			}
			r := NewResizerFactor(v.H, v.W, f, k)
			if oh, ow := r.OutSize(); oh != v.OutH || ow != v.OutW {
				t.Fatalf("output %dx%d, want %dx%d", oh, ow, v.OutH, v.OutW)
			}
			compare(t, r.Resize(v.Input, v.C), v.Output, tol)
			if v.Sym {
				return
			}
			if v.Scale > 0 {
				compare(t, UpscaleMatlab(v.Input, v.C, v.H, v.W, v.Scale), v.Output, tol)
			} else {
				compare(t, DownscaleMatlab(v.Input, v.C, v.H, v.W, -v.Scale), v.Output, tol)
			}
		})
	}
}

// Real MATLAB output: imresize(A, size(A)*2, 'bicubic') for the 4×4 matrix
// below, first and last output rows, as printed (4 decimals) in MATLAB
// Answers 1628 ("How does Matlab function imresize calculate values on
// borders of image", 2011). It pins the replicated border.
func TestMatlabPublishedExample(t *testing.T) {
	A := []float32{3, 1, 2, 6, 1, 5, 2, 7, 1, 3, 6, 2, 4, 1, 9, 2}
	first := []float64{3.3109, 2.6187, 1.1206, 0.7166, 1.4067, 2.8883, 5.1615, 6.2060}
	last := []float64{4.4466, 3.3344, 0.9529, 2.4891, 7.9430, 8.3334, 3.6605, 1.4930}
	got := Resize(A, 1, 4, 4, 8, 8, Matlab)
	compare(t, got[:8], first, 5.1e-5)
	compare(t, got[56:], last, 5.1e-5)
	// The mirrored variant differs at the border.
	if sym := Resize(A, 1, 4, 4, 8, 8, MatlabSymmetric); math.Abs(float64(sym[0])-3.3109) < 0.01 {
		t.Errorf("MatlabSymmetric corner %v unexpectedly equals MATLAB's", sym[0])
	}
}

func TestResizeUint8Rounding(t *testing.T) {
	// A step edge overshoots: values must saturate at 0 and 255 and be integers.
	src := []uint8{0, 0, 255, 255, 0, 0, 255, 255}
	out := NewResizerFactor(2, 4, 2, Matlab).ResizeUint8(src, 1)
	ref := NewResizerFactor(2, 4, 2, Matlab).Resize([]float32{0, 0, 255, 255, 0, 0, 255, 255}, 1)
	for i, v := range out {
		want := math.Round(math.Min(255, math.Max(0, float64(ref[i]))))
		if float64(v) != want {
			t.Errorf("out[%d] = %d, want %v (float %v)", i, v, want, ref[i])
		}
	}
}

func TestResizerFactorSizes(t *testing.T) {
	for _, tc := range []struct {
		h, w       int
		f          float64
		outH, outW int
	}{
		{70, 57, 0.25, 18, 15}, {64, 64, 0.25, 16, 16}, {99, 98, 1.0 / 3, 33, 33},
		{5, 7, 4, 20, 28}, {3, 3, 1.5, 5, 5},
	} {
		oh, ow := NewResizerFactor(tc.h, tc.w, tc.f, Matlab).OutSize()
		if oh != tc.outH || ow != tc.outW {
			t.Errorf("%dx%d × %v = %dx%d, want %dx%d", tc.h, tc.w, tc.f, oh, ow, tc.outH, tc.outW)
		}
	}
}

func TestCubicKernel(t *testing.T) {
	for _, tc := range []struct{ x, a, want float64 }{
		{0, -0.5, 1}, {1, -0.5, 0}, {2, -0.5, 0}, {3, -0.75, 0},
		{0.5, -0.5, 0.5625}, {-0.5, -0.5, 0.5625}, {1.5, -0.5, -0.0625},
		{0.5, -0.75, 0.59375}, {1.5, -0.75, -0.09375},
	} {
		if got := cubic(tc.x, tc.a); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("cubic(%v, %v) = %v, want %v", tc.x, tc.a, got, tc.want)
		}
	}
}

func TestBorderMapping(t *testing.T) {
	for _, tc := range []struct {
		b    BorderMode
		n    int
		in   []int
		want []int
	}{
		{BorderClamp, 3, []int{-2, -1, 0, 2, 3, 9}, []int{0, 0, 0, 2, 2, 2}},
		{BorderSymmetric, 3, []int{-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7}, []int{2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1}},
		{BorderSymmetric, 1, []int{-2, -1, 0, 1, 2}, []int{0, 0, 0, 0, 0}},
	} {
		for i, v := range tc.in {
			if got := tc.b.mapIndex(v, tc.n); got != tc.want[i] {
				t.Errorf("mode %d n=%d: map(%d) = %d, want %d", tc.b, tc.n, v, got, tc.want[i])
			}
		}
	}
}

// Properties that hold for every kernel: constants are preserved, identity
// size is the identity for the half-pixel convention, output shapes.
func TestResizeProperties(t *testing.T) {
	for _, k := range []struct {
		name string
		k    Kernel
	}{{"torch", Torch}, {"matlab", Matlab}, {"matlab-sym", MatlabSymmetric}} {
		for _, sz := range [][4]int{{1, 1, 4, 4}, {5, 7, 20, 28}, {17, 9, 4, 3}, {8, 8, 8, 8}, {6, 10, 5, 23}, {2, 3, 1, 1}} {
			src := make([]float32, 2*sz[0]*sz[1])
			for i := range src {
				src[i] = 0.375
			}
			out := Resize(src, 2, sz[0], sz[1], sz[2], sz[3], k.k)
			if len(out) != 2*sz[2]*sz[3] {
				t.Fatalf("%s %v: %d samples", k.name, sz, len(out))
			}
			for i, v := range out {
				if math.Abs(float64(v)-0.375) > 1e-6 {
					t.Fatalf("%s %v: constant not preserved at %d: %v", k.name, sz, i, v)
				}
			}
		}
		// Same size is the identity (centres fall on samples).
		src := []float32{1, -2, 3, 4, 5, -6, 7, 8, 9, 10, 11, 12}
		got := Resize(src, 1, 3, 4, 3, 4, k.k)
		for i := range src {
			if math.Abs(float64(got[i]-src[i])) > 1e-6 {
				t.Errorf("%s identity: %v", k.name, got)
				break
			}
		}
	}
}

func TestResizePanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short src":  func() { Resize(make([]float32, 5), 1, 2, 3, 4, 6, Torch) },
		"zero size":  func() { Resize(nil, 1, 0, 3, 4, 6, Torch) },
		"zero out":   func() { Resize(make([]float32, 6), 1, 2, 3, 0, 6, Torch) },
		"zero scale": func() { UpsampleTorch(make([]float32, 6), 1, 2, 3, 0) },
		"bad factor": func() { NewResizerFactor(2, 3, math.NaN(), Torch) },
		"short dst": func() {
			NewResizer(2, 3, 4, 6, Torch).ResizeInto(make([]float32, 3), make([]float32, 6), 1)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func BenchmarkUpsampleTorch256x4(b *testing.B) {
	src := make([]float32, 3*256*256)
	for i := range src {
		src[i] = float32(i%251) / 251
	}
	r := NewResizer(256, 256, 1024, 1024, Torch)
	dst := make([]float32, 3*1024*1024)
	b.SetBytes(int64(4 * len(dst)))
	for b.Loop() {
		r.ResizeInto(dst, src, 3)
	}
}

func BenchmarkDownscaleMatlab1024x4(b *testing.B) {
	src := make([]float32, 3*1024*1024)
	for i := range src {
		src[i] = float32(i % 255)
	}
	for b.Loop() {
		DownscaleMatlab(src, 3, 1024, 1024, 4)
	}
}
