// Package core is the resshift engine: it loads a model pack into ONNX Runtime
// sessions and upscales images with the ResShift sampler, tile by tile.
//
// The engine works on planar float pixel buffers (Engine.UpscaleRGB) and
// links no codec: decoding and encoding (core/imageio, libvips) happen at
// the edge, in core/pipeline (decode → engine → encode), so an engine-only
// binary runs where libvips is absent.
//
// An Engine is safe for concurrent use by many goroutines; each Upscale call
// owns its buffers, and the number of concurrent ONNX Runtime runs is bounded by
// runtime.concurrency.
package core

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/core/sampler"
	"github.com/resshift/resshift/models"
	"github.com/resshift/resshift/vocab"
)

// idleShapes is how many tile shapes an engine keeps idle buffers and bindings for (runtime.concurrency runs
// each): images of one size, or larger than a tile, reuse them; memory stays bounded.
const idleShapes = 2

// Engine holds a loaded model. Create it with New, release it with Close.
type Engine struct {
	cfg    Config
	log    *slog.Logger
	pack   *modelpack.Pack
	sched  *sampler.Schedule
	den    *ort.Session
	enc    *ort.Session // latent packs only
	dec    *ort.Session // latent packs only
	chain  *ort.Session // the pack's fused chain graph, unless runtime.per_step or the pack has none
	fp16   bool         // some graph in use has float16 weights
	gpu    *ort.GPU     // the CUDA device of a cuda/tensorrt engine (nil on the CPU or when the driver cannot say)
	gpuErr string
	sem    chan struct{}
	runs   *runPool // idle per-shape buffers and bindings

	closeOnce sync.Once
}

// Info describes a loaded engine (for `resshift info`, the C ABI and the
// plugin): the shared vocab.ModelInfo (model, version, description, licence,
// scale, space, steps, provider, ONNX Runtime version) and what only the
// engine knows (tiling, source, chain, precision, GPU).
type Info struct {
	vocab.ModelInfo
	Tile      int    `json:"tile"`
	Overlap   int    `json:"overlap"`
	Multiple  int    `json:"multiple"`
	FixedTile bool   `json:"fixed_tile"`
	MaxBatch  int    `json:"max_batch"`
	Source    string `json:"source"`
	Chain     bool   `json:"chain"` // the T-step chain runs as one fused graph call per batch
	FP16      bool   `json:"fp16"`  // graphs with float16 weights are in use
	// GPU is the device of a cuda/tensorrt engine with the CUDA and cuDNN versions loaded (nil on the CPU);
	// GPUError says why it could not be read.
	GPU      *ort.GPU `json:"gpu,omitempty"`
	GPUError string   `json:"gpu_error,omitempty"`
}

// LoadPack resolves cfg.Model: "" or "default" is the embedded default model;
// a bare name (no path separator) of an embedded pack or one of its aliases
// ("clean") selects that pack; anything else is a directory holding
// model.toml ("./clean" for a folder that shares a pack's name). A bare name
// that is neither embedded nor an existing directory is an error listing the
// embedded names.
func LoadPack(model string) (*modelpack.Pack, error) {
	if isPackName(model) && (models.Knows(model) || !dirExists(model)) {
		return models.Load(model)
	}
	return modelpack.LoadDir(model)
}

// isPackName reports whether model is a bare word rather than a path.
func isPackName(model string) bool {
	return !strings.ContainsRune(model, '/') && !strings.ContainsRune(model, filepath.Separator) &&
		model != "." && model != ".."
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// New validates cfg, loads the model pack and creates the ONNX Runtime sessions.
// log may be nil (slog.Default()). Every error is a *SetupError naming the
// step that failed, with that step's kind (SetupConfig, SetupModel:
// ErrInvalidInput; SetupRuntime, SetupProvider: vocab.ErrUnavailable).
func New(cfg Config, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, setupError(SetupConfig, err)
	}
	pack, err := LoadPack(cfg.Model)
	if err != nil {
		return nil, setupError(SetupModel, fmt.Errorf("core: load model: %w", err))
	}
	return NewFromPack(cfg, pack, log)
}

// NewFromPack is New with an already loaded pack (cfg.Model is ignored); its
// errors are *SetupError values too.
func NewFromPack(cfg Config, pack *modelpack.Pack, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, setupError(SetupConfig, err)
	}
	m := &pack.Manifest
	sp := m.SamplerParams()
	sched, err := sampler.NewSchedule(sampler.Params(sp))
	if err != nil {
		return nil, setupError(SetupModel, fmt.Errorf("core: model %s: %w", m.Name, err))
	}
	if err := ort.Init(cfg.Runtime.ORTLibrary); err != nil {
		return nil, setupError(SetupRuntime, err)
	}
	e := &Engine{cfg: cfg, log: log, pack: pack, sched: sched, sem: make(chan struct{}, cfg.Runtime.Runs()),
		runs: newRunPool(cfg.Runtime.Runs(), idleShapes)}
	for _, g := range m.Graphs() {
		if g.Role == modelpack.RoleChain && cfg.Runtime.PerStep {
			continue
		}
		s, err := e.session(g)
		if err != nil {
			e.Close()
			return nil, setupError(sessionStep(err), err)
		}
		switch g.Role {
		case modelpack.RoleDenoiser:
			e.den = s
		case modelpack.RoleEncoder:
			e.enc = s
		case modelpack.RoleDecoder:
			e.dec = s
		case modelpack.RoleChain:
			e.chain = s
		}
	}
	if e.den == nil || (m.IsLatent() && (e.enc == nil || e.dec == nil)) {
		e.Close()
		return nil, setupError(SetupModel, fmt.Errorf("core: model %s: missing graphs", m.Name))
	}
	if e.chain != nil {
		if err := checkChain(e.chain, m.Chain, sched.T()); err != nil {
			e.Close()
			return nil, setupError(SetupModel, fmt.Errorf("core: model %s: %w", m.Name, err))
		}
	}
	if e.den.Provider() != ort.ProviderCPU {
		if g, err := ort.DeviceInfo(cfg.Runtime.DeviceID); err != nil {
			e.gpuErr = err.Error()
		} else {
			e.gpu = &g
		}
	}
	log.Debug("resshift engine ready", "model", m.Name, "provider", e.den.Provider(), "ort", ort.Version(), "chain", e.chain != nil)
	return e, nil
}

func (e *Engine) session(g modelpack.GraphSpec) (*ort.Session, error) {
	data, err := fs.ReadFile(e.pack.FS, g.File)
	if err != nil {
		return nil, fmt.Errorf("core: model %s: read %s: %w", e.pack.Name, g.File, err)
	}
	in, out, err := ort.Inspect(data)
	if err != nil {
		return nil, fmt.Errorf("core: model %s: %s: %w", e.pack.Name, g.File, err)
	}
	if err := e.pack.CheckGraph(g.Role, in, out); err != nil {
		return nil, err
	}
	if w, err := ort.WeightTypes(data); err == nil && w["float16"] > 0 {
		e.fp16 = true
	}
	opts := e.cfg.Runtime
	opts.Name = string(g.Role)
	return ort.NewSession(data, g.Inputs, g.Outputs, opts, e.log)
}

// Close releases the ONNX Runtime sessions. It is safe to call more than once;
// calls in flight finish first.
func (e *Engine) Close() error {
	var errs []error
	e.closeOnce.Do(func() {
		e.runs.close()
		for _, s := range []*ort.Session{e.den, e.enc, e.dec, e.chain} {
			if s != nil {
				errs = append(errs, s.Close())
			}
		}
	})
	return errors.Join(errs...)
}

// Config returns the configuration the engine was built with.
func (e *Engine) Config() Config { return e.cfg }

// Schedule returns the model's diffusion schedule (read-only).
func (e *Engine) Schedule() *sampler.Schedule { return e.sched }

// Scale is the model's upscaling factor.
func (e *Engine) Scale() int { return e.pack.Scale }

// Info describes the model and runtime.
func (e *Engine) Info() Info {
	m := &e.pack.Manifest
	src := e.pack.Dir
	if src == "" {
		src = "embedded"
	}
	return Info{
		ModelInfo: vocab.ModelInfo{Model: m.Name, Version: m.Version, Description: m.Description, License: m.License,
			Scale: m.Scale, Space: m.Space, Steps: m.Diffusion.Steps, Provider: e.den.Provider(), ORTVersion: ort.Version()},
		Tile: m.Tiling.Tile, Overlap: m.Tiling.Overlap, Multiple: m.Tiling.Multiple,
		FixedTile: m.Tiling.Fixed, MaxBatch: m.Tiling.MaxBatch, Source: src, Chain: e.chain != nil,
		FP16: e.fp16, GPU: e.gpu, GPUError: e.gpuErr,
	}
}
