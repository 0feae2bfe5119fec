package ort

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// ProviderError reports an execution provider that could not be used. Its message says what is missing and
// how to fix it (see Hint).
type ProviderError struct {
	Provider string // "cuda" or "tensorrt"
	Err      error
}

func (e *ProviderError) Error() string {
	_, lib := Initialized()
	msg := e.Err.Error()
	if loc := ortLocation.FindStringIndex(msg); loc != nil {
		msg = msg[loc[1]:] // drop ORT's source location and error code
	}
	return fmt.Sprintf("ort: %s execution provider unavailable: %s; %s (or set allow_fallback to run on the CPU)",
		providerLabel[e.Provider], msg, Hint(e.Provider, msg, lib, Version()))
}

func (e *ProviderError) Unwrap() error { return e.Err }

var providerLabel = map[string]string{ProviderCUDA: "CUDA", ProviderTensorRT: "TensorRT"}

// ortLocation matches the prefix of ORT error messages: "/src/x.cc:12 fn [ONNXRuntimeError] : 1 : FAIL : ".
var ortLocation = regexp.MustCompile(`^.*\[ONNXRuntimeError\] : \d+ : [A-Z_]+ : `)

var (
	// "Failed to load library /dir/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file"
	failedLoad = regexp.MustCompile(`Failed to load library (\S+) with error: (\S+): cannot open shared object file`)
)

// libFamilies maps library name prefixes to what a user installs to get them, with the major versions the
// providers of `make ort-gpu` (ONNX Runtime 1.29.0) were built for. Sonames do not always carry the CUDA major
// (libcurand.so.10 is part of CUDA 13), so the family's version is stated, not read from the name.
var libFamilies = []struct{ prefix, family string }{
	{"libcudnn", "cuDNN 9"},
	{"libnvinfer", "TensorRT 10"}, {"libnvonnxparser", "TensorRT 10"},
	{"libcuda.so", "the NVIDIA driver"},
	{"libcu", "CUDA 13"}, {"libnvrtc", "CUDA 13"}, {"libnvJitLink", "CUDA 13"}, {"libnpp", "CUDA 13"},
}

// Hint explains a provider failure (msg is ONNX Runtime's message without its source location; lib and version
// are the loaded core library and its ONNX Runtime version) and says what to do:
//   - a provider library missing beside the core → which file, and `make ort-gpu`;
//   - a CUDA, cuDNN or TensorRT library missing → its name, the major version the providers were built for, and
//     LD_LIBRARY_PATH;
//   - a core built without the provider → use onnxruntime-node's core (`make ort`);
//   - no device or an old driver → say so.
func Hint(provider, msg, lib, version string) string {
	dir := filepath.Dir(lib)
	if m := failedLoad.FindStringSubmatch(msg); m != nil {
		want, missing := filepath.Base(m[1]), filepath.Base(m[2])
		if missing == want {
			return fmt.Sprintf("%s is not beside the core library in %s: run `make ort-gpu` (the CUDA 13 providers of "+
				"ONNX Runtime %s) or copy libonnxruntime_providers_shared.so and libonnxruntime_providers_%s.so of the "+
				"same version there (README, GPU section)", want, dir, version, provider)
		}
		if strings.HasPrefix(missing, "lib") && strings.Contains(missing, ".so") {
			family := "a system library"
			for _, f := range libFamilies {
				if strings.HasPrefix(missing, f.prefix) {
					family = f.family
					break
				}
			}
			if family == "the NVIDIA driver" {
				return fmt.Sprintf("%s (the NVIDIA driver) was not found while loading %s: install the NVIDIA driver "+
					"(580 or newer for CUDA 13)", missing, want)
			}
			need := "CUDA 13 and cuDNN 9"
			if provider == ProviderTensorRT {
				need = "TensorRT 10, CUDA 13 and cuDNN 9"
			}
			return fmt.Sprintf("%s (%s) was not found while loading %s: the providers of ONNX Runtime %s need the %s "+
				"runtime libraries; install them and add their directories to LD_LIBRARY_PATH (README, GPU section)",
				missing, family, want, version, need)
		}
		return fmt.Sprintf("%s could not be loaded from %s (README, GPU section)", want, dir)
	}
	switch {
	case strings.Contains(msg, "not enabled in this build"):
		return fmt.Sprintf("the core library %s (ONNX Runtime %s) was built without this provider: use the core of "+
			"npm onnxruntime-node (`make ort`) with `make ort-gpu` (README, GPU section)", lib, version)
	case strings.Contains(msg, "no CUDA-capable device"):
		return "no CUDA device is visible to this process (check the NVIDIA driver, nvidia-smi and CUDA_VISIBLE_DEVICES)"
	case strings.Contains(msg, "driver version is insufficient"):
		return "the NVIDIA driver is too old for CUDA 13 (it needs driver 580 or newer)"
	}
	return fmt.Sprintf("the core library is %s (ONNX Runtime %s); see README, GPU section", lib, version)
}
