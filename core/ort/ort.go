// Package ort wraps ONNX Runtime for the engine. It is the only package that imports onnxruntime_go (cgo).
//
// Use: path, err := ResolveLibrary(cfg); Init(path) once per process; NewSession per graph; Session.Run or
// Session.RunInto from any number of goroutines; Close when done.
package ort

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
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

// Config is the runtime configuration: the [runtime] section of the engine's TOML config (core.Config.Runtime)
// and the options of a session. It is declared once, here, because this package consumes it; the engine (core)
// reads ORTLibrary (for Init), Concurrency and PerStep, NewSession the rest.
//
// The zero value is valid and means the default for every field: CPU, one intra-op thread per logical CPU,
// ORT's default inter-op threads, all optimisations, one run at a time, the fused chain graph when the pack
// has one. Validate states the limits.
type Config struct {
	// ORTLibrary is the path of libonnxruntime.so for Init; "" = discover (see ResolveLibrary).
	ORTLibrary string `toml:"ort_library"`
	// Provider is the execution provider: "cpu" (default, also ""), "cuda" or "tensorrt".
	Provider string `toml:"provider"`
	// DeviceID is the GPU ordinal for cuda/tensorrt (>= 0).
	DeviceID int `toml:"device_id"`
	// AllowFallback: when the provider cannot load, log a warning and run on the CPU instead of failing.
	AllowFallback bool `toml:"allow_fallback"`
	// IntraOpThreads is ORT's intra-op thread count, 0..1024; 0 = one per logical CPU (runtime.NumCPU, see
	// Threads): ORT's own default is one per physical core, which leaves hyper-threads idle (on a 2-vCPU
	// machine 2 threads run the default model ~20% faster).
	IntraOpThreads int `toml:"intra_op_threads"`
	// InterOpThreads is ORT's inter-op thread count, 0..1024; 0 = ORT's default.
	InterOpThreads int `toml:"inter_op_threads"`
	// OptLevel is the graph optimisation level: "all" (default, also ""), "extended", "basic", "disable".
	OptLevel string `toml:"opt_level"`
	// Concurrency is the number of concurrent ORT runs per engine (read by core), >= 0; 0 = 1 (see Runs).
	Concurrency int `toml:"concurrency"`
	// PerStep runs one denoiser call per step (the sampler's update in Go) even when the model pack has a
	// fused chain graph ([chain] in model.toml), which otherwise runs the whole T-step chain in one call.
	// Read by core.
	PerStep bool `toml:"per_step"`
	// TRTCacheDir is where the tensorrt provider keeps its built engines ("" = no cache: every start rebuilds).
	TRTCacheDir string `toml:"trt_cache_dir"`

	// Name labels the graph in errors and logs ("denoiser"); "graph" when empty. Not a config key.
	Name string `toml:"-"`
}

// Threads is the effective intra-op thread count: IntraOpThreads, or runtime.NumCPU() when it is 0. This is
// the one place that default is decided.
func (c Config) Threads() int {
	if c.IntraOpThreads == 0 {
		return runtime.NumCPU()
	}
	return c.IntraOpThreads
}

// Runs is the effective number of concurrent runs per engine: Concurrency, or 1 when it is 0.
func (c Config) Runs() int {
	return max(c.Concurrency, 1)
}

var optLevels = map[string]onnx.GraphOptimizationLevel{
	"":         onnx.GraphOptimizationLevelEnableAll,
	"all":      onnx.GraphOptimizationLevelEnableAll,
	"extended": onnx.GraphOptimizationLevelEnableExtended,
	"basic":    onnx.GraphOptimizationLevelEnableBasic,
	"disable":  onnx.GraphOptimizationLevelDisableAll,
}

// Validate checks the configuration; all problems are joined, each naming its key ("provider: ...").
func (c Config) Validate() error {
	var errs []error
	if c.IntraOpThreads < 0 || c.IntraOpThreads > 1024 {
		errs = append(errs, fmt.Errorf("intra_op_threads: must be in 0..1024 (0 = one per logical CPU), got %d", c.IntraOpThreads))
	}
	if c.InterOpThreads < 0 || c.InterOpThreads > 1024 {
		errs = append(errs, fmt.Errorf("inter_op_threads: must be in 0..1024 (0 = ONNX Runtime default), got %d", c.InterOpThreads))
	}
	if !slices.Contains([]string{"", ProviderCPU, ProviderCUDA, ProviderTensorRT}, c.Provider) {
		errs = append(errs, fmt.Errorf("provider: must be %q, %q or %q, got %q", ProviderCPU, ProviderCUDA, ProviderTensorRT, c.Provider))
	}
	if c.DeviceID < 0 {
		errs = append(errs, fmt.Errorf("device_id: must be >= 0, got %d", c.DeviceID))
	}
	if _, ok := optLevels[c.OptLevel]; !ok {
		errs = append(errs, fmt.Errorf("opt_level: must be \"all\", \"extended\", \"basic\" or \"disable\", got %q", c.OptLevel))
	}
	if c.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency: must be >= 0 (0 = 1), got %d", c.Concurrency))
	}
	return errors.Join(errs...)
}

func (c Config) provider() string {
	if c.Provider == "" {
		return ProviderCPU
	}
	return c.Provider
}

func (c Config) name() string {
	if c.Name == "" {
		return "graph"
	}
	return c.Name
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
