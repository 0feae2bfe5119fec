package ort

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestHint(t *testing.T) {
	const lib, ver = "/opt/ort/libonnxruntime.so.1", "1.29.0"
	cases := []struct {
		name, provider, msg string
		want                []string
	}{
		{"shared provider missing", ProviderCUDA,
			"Failed to load library /opt/ort/libonnxruntime_providers_shared.so with error: /opt/ort/libonnxruntime_providers_shared.so: cannot open shared object file: No such file or directory",
			[]string{"libonnxruntime_providers_shared.so is not beside the core library in /opt/ort", "make ort-gpu", "libonnxruntime_providers_cuda.so"}},
		{"cuda provider missing", ProviderCUDA,
			"Failed to load library /opt/ort/libonnxruntime_providers_cuda.so with error: /opt/ort/libonnxruntime_providers_cuda.so: cannot open shared object file: No such file or directory",
			[]string{"libonnxruntime_providers_cuda.so is not beside the core library", "ONNX Runtime 1.29.0"}},
		{"cublasLt", ProviderCUDA,
			"Failed to load library /opt/ort/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory",
			[]string{"libcublasLt.so.13 (CUDA 13) was not found while loading libonnxruntime_providers_cuda.so", "CUDA 13 and cuDNN 9", "LD_LIBRARY_PATH"}},
		{"curand soname 10 is CUDA 13", ProviderCUDA,
			"Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcurand.so.10: cannot open shared object file",
			[]string{"libcurand.so.10 (CUDA 13)"}},
		{"cudnn", ProviderCUDA,
			"Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file",
			[]string{"libcudnn.so.9 (cuDNN 9)", "LD_LIBRARY_PATH"}},
		{"tensorrt", ProviderTensorRT,
			"Failed to load library /x/libonnxruntime_providers_tensorrt.so with error: libnvinfer.so.10: cannot open shared object file",
			[]string{"libnvinfer.so.10 (TensorRT 10)", "TensorRT 10, CUDA 13 and cuDNN 9"}},
		{"driver", ProviderCUDA,
			"Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcuda.so.1: cannot open shared object file",
			[]string{"libcuda.so.1 (the NVIDIA driver)", "580"}},
		{"cpu-only core", ProviderCUDA, "CUDA execution provider is not enabled in this build.",
			[]string{"built without this provider", "onnxruntime-node", "make ort"}},
		{"no device", ProviderCUDA, "CUDA failure 100: no CUDA-capable device is detected ; GPU=0",
			[]string{"no CUDA device is visible", "CUDA_VISIBLE_DEVICES"}},
		{"old driver", ProviderCUDA, "CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version",
			[]string{"driver is too old for CUDA 13"}},
		{"other", ProviderCUDA, "something else", []string{"the core library is /opt/ort/libonnxruntime.so.1 (ONNX Runtime 1.29.0)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Hint(tc.provider, tc.msg, lib, ver)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("Hint = %q\ndoes not contain %q", got, w)
				}
			}
		})
	}
}

// TestProviderHints runs TestProviderUnavailable in a child process whose ONNX Runtime is a copy of the real core
// library in a temporary directory: alone (the providers are missing) and, when `make ort-gpu` put them beside
// the core, with them linked in (then a CUDA library is missing on a machine without CUDA 13).
func TestProviderHints(t *testing.T) {
	if os.Getenv("RESSHIFT_TEST_WANT_HINT") != "" {
		t.Skip("child process")
	}
	_, lib := Initialized()
	src := filepath.Dir(lib)
	cases := []struct {
		name  string
		links []string
		want  string
	}{
		{"core only", nil, "libonnxruntime_providers_shared.so is not beside the core library in "},
		{"providers, no CUDA", []string{"libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so", "libonnxruntime_providers_tensorrt.so"},
			"(CUDA 13) was not found while loading libonnxruntime_providers_"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, l := range tc.links {
				if !isFile(filepath.Join(src, l)) {
					t.Skipf("%s is not beside %s (run `make ort-gpu`)", l, lib)
				}
				if err := os.Symlink(filepath.Join(src, l), filepath.Join(dir, l)); err != nil {
					t.Fatal(err)
				}
			}
			core := filepath.Join(dir, "libonnxruntime.so.1")
			copyFile(t, lib, core)
			cmd := exec.Command(os.Args[0], "-test.run=^TestProviderUnavailable$", "-test.v")
			cmd.Env = append(os.Environ(), EnvLibrary+"="+core, "RESSHIFT_TEST_WANT_HINT="+tc.want)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS: TestProviderUnavailable/cuda") {
				t.Fatalf("child: %v\n%s", err, out)
			}
			t.Logf("child:\n%s", out)
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// Without an NVIDIA driver DeviceInfo says so; with one it names a device (checked fully by the gpu-tagged tests).
func TestDeviceInfo(t *testing.T) {
	g, err := DeviceInfo(0)
	if err != nil {
		if !strings.Contains(err.Error(), "libcuda.so.1") && !strings.Contains(err.Error(), "CUDA") {
			t.Fatalf("error does not say what is missing: %v", err)
		}
		t.Log(err)
		return
	}
	if g.Name == "" || g.MemoryMiB <= 0 || g.DriverCUDA == "" {
		t.Fatalf("DeviceInfo(0) = %+v", g)
	}
	if _, err := DeviceInfo(1 << 20); err == nil || !strings.Contains(err.Error(), "device_id") {
		t.Fatalf("device 1<<20: %v", err)
	}
}

func TestWeightTypes(t *testing.T) {
	w, err := WeightTypes(readModel(t, "conv-x4", "denoiser.onnx"))
	if err != nil || w["float32"] == 0 || w["float16"] != 0 {
		t.Fatalf("conv-x4: %v %v", w, err)
	}
	if _, err := WeightTypes([]byte("not onnx")); err == nil {
		t.Fatal("garbage: want an error")
	}
}

// trt_cache_dir is created for the tensorrt provider (before the provider loads); without TensorRT the session
// still fails with a ProviderError naming what is missing.
func TestTRTCacheDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "trt", "cache")
	s, err := NewSession(readModel(t, "pointwise-x4", "denoiser.onnx"), denoiserIn, []string{"x0"},
		Config{Provider: ProviderTensorRT, TRTCacheDir: dir, Name: "denoiser"}, nil)
	if err == nil {
		s.Close()
		t.Skip("TensorRT is available here")
	}
	var pe *ProviderError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "TensorRT execution provider unavailable") {
		t.Fatalf("got %v", err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("cache dir not created: %v", err)
	}
}
