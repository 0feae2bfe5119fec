// Package ort wraps ONNX Runtime for the engine. It is the only package that imports onnxruntime_go (cgo).
//
// Use: path, err := ResolveLibrary(cfg); Init(path) once per process; NewSession per graph; Session.Run or
// Session.RunInto from any number of goroutines; Close when done.
package ort

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"
)

var (
	initMu   sync.Mutex
	initPath string // library loaded by a successful Init
)

// Init loads the ONNX Runtime library at libPath and creates the process-wide environment. An empty libPath
// means ResolveLibrary(""). It is safe to call concurrently and more than once: a later call with the same
// (or an empty) path returns nil, one with a different path is an error, because a process can load only one
// ONNX Runtime. A failed Init may be retried. The environment lives until the process exits.
func Init(libPath string) error {
	initMu.Lock()
	defer initMu.Unlock()
	if libPath == "" {
		if initPath != "" {
			return nil
		}
		p, err := ResolveLibrary("")
		if err != nil {
			return err
		}
		libPath = p
	}
	want := abs(libPath)
	if real, err := filepath.EvalSymlinks(want); err == nil {
		want = real
	}
	if initPath != "" {
		if want == initPath {
			return nil
		}
		return fmt.Errorf("ort: already initialised with %s; cannot load %s in the same process", initPath, want)
	}
	if !isFile(want) {
		return fmt.Errorf("ort: library %s not found; run `make ort` or set %s", want, EnvLibrary)
	}
	onnx.SetSharedLibraryPath(want)
	// ORT's own logger would print run failures to stderr; they come back as errors anyway.
	if err := onnx.InitializeEnvironment(onnx.WithLogLevelFatal()); err != nil {
		return fmt.Errorf("ort: load %s: %w (ONNX Runtime >= 1.24 is needed; run `make ort` or set %s)", want, err, EnvLibrary)
	}
	initPath = want
	return nil
}

// Initialized reports whether Init succeeded, and the library it loaded.
func Initialized() (bool, string) {
	initMu.Lock()
	defer initMu.Unlock()
	return initPath != "", initPath
}

// Version returns the loaded ONNX Runtime's version ("1.24.3"), or "" before Init.
func Version() string {
	if ok, _ := Initialized(); !ok {
		return ""
	}
	return onnx.GetVersion()
}

var errNotInit = errors.New("ort: not initialised: call ort.Init first")

// Providers.
const (
	ProviderCPU      = "cpu"
	ProviderCUDA     = "cuda"
	ProviderTensorRT = "tensorrt"
)

// Options configure a session. The zero value is valid: CPU, ORT's default thread counts, all optimisations.
// The toml tags let a config section decode straight into it.
type Options struct {
	IntraOpThreads int    `toml:"intra_op_threads"` // 0: ORT default (one per physical core)
	InterOpThreads int    `toml:"inter_op_threads"` // 0: ORT default
	Provider       string `toml:"provider"`         // "cpu" (default, also ""), "cuda", "tensorrt"
	DeviceID       int    `toml:"device_id"`        // GPU index for cuda/tensorrt
	AllowFallback  bool   `toml:"allow_fallback"`   // on provider failure: log a warning and use the CPU
	OptLevel       string `toml:"opt_level"`        // "all" (default, also ""), "extended", "basic", "disable"
	TRTCacheDir    string `toml:"trt_cache_dir"`    // tensorrt: engine cache directory ("" = no cache)

	// Name labels the graph in errors and logs ("denoiser"); "graph" when empty. Not a config key.
	Name string `toml:"-"`
}

var optLevels = map[string]onnx.GraphOptimizationLevel{
	"":         onnx.GraphOptimizationLevelEnableAll,
	"all":      onnx.GraphOptimizationLevelEnableAll,
	"extended": onnx.GraphOptimizationLevelEnableExtended,
	"basic":    onnx.GraphOptimizationLevelEnableBasic,
	"disable":  onnx.GraphOptimizationLevelDisableAll,
}

// Validate checks the options; all problems are joined, each naming its key ("provider: ...").
func (o Options) Validate() error {
	var errs []error
	if o.IntraOpThreads < 0 || o.IntraOpThreads > 1024 {
		errs = append(errs, fmt.Errorf("intra_op_threads: must be in 0..1024 (0 = ONNX Runtime default), got %d", o.IntraOpThreads))
	}
	if o.InterOpThreads < 0 || o.InterOpThreads > 1024 {
		errs = append(errs, fmt.Errorf("inter_op_threads: must be in 0..1024 (0 = ONNX Runtime default), got %d", o.InterOpThreads))
	}
	if !slices.Contains([]string{"", ProviderCPU, ProviderCUDA, ProviderTensorRT}, o.Provider) {
		errs = append(errs, fmt.Errorf("provider: must be %q, %q or %q, got %q", ProviderCPU, ProviderCUDA, ProviderTensorRT, o.Provider))
	}
	if o.DeviceID < 0 {
		errs = append(errs, fmt.Errorf("device_id: must be >= 0, got %d", o.DeviceID))
	}
	if _, ok := optLevels[o.OptLevel]; !ok {
		errs = append(errs, fmt.Errorf("opt_level: must be \"all\", \"extended\", \"basic\" or \"disable\", got %q", o.OptLevel))
	}
	return errors.Join(errs...)
}

func (o Options) provider() string {
	if o.Provider == "" {
		return ProviderCPU
	}
	return o.Provider
}

func (o Options) name() string {
	if o.Name == "" {
		return "graph"
	}
	return o.Name
}

// inspectWithORT asks ONNX Runtime for a model's inputs and outputs (a temporary session).
func inspectWithORT(model []byte) (inputs, outputs []TensorInfo, err error) {
	if ok, _ := Initialized(); !ok {
		return nil, nil, errNotInit
	}
	in, out, err := onnx.GetInputOutputInfoWithONNXData(model)
	if err != nil {
		return nil, nil, fmt.Errorf("ort: inspect model: %w", err)
	}
	conv := func(infos []onnx.InputOutputInfo) []TensorInfo {
		r := make([]TensorInfo, len(infos))
		for i, x := range infos {
			r[i] = TensorInfo{Name: x.Name}
			if x.OrtValueType == onnx.ONNXTypeTensor {
				r[i].Type = typeName(x.DataType)
				r[i].Shape = make([]int64, len(x.Dimensions))
				for j, d := range x.Dimensions {
					if d <= 0 {
						d = -1
					}
					r[i].Shape[j] = d
				}
			}
		}
		return r
	}
	return conv(in), conv(out), nil
}

func typeName(t onnx.TensorElementDataType) string {
	switch t {
	case onnx.TensorElementDataTypeFloat:
		return "float32"
	case onnx.TensorElementDataTypeInt64:
		return "int64"
	case onnx.TensorElementDataTypeFloat16:
		return "float16"
	case onnx.TensorElementDataTypeDouble:
		return "float64"
	case onnx.TensorElementDataTypeInt32:
		return "int32"
	case onnx.TensorElementDataTypeUint8:
		return "uint8"
	case onnx.TensorElementDataTypeInt8:
		return "int8"
	case onnx.TensorElementDataTypeBool:
		return "bool"
	}
	return t.String()
}
