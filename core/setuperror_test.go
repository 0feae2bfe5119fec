package core

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/vocab"
)

// Every error of New names its step and has that step's kind, so the faces
// map engine creation once (errors.As / vocab.KindOf) without re-walking it.
func TestNewErrorsHaveStepAndKind(t *testing.T) {
	pack := filepath.Join("testdata", "models", "pointwise-x4")
	for _, c := range []struct {
		name string
		mut  func(*Config)
		step SetupStep
		kind *vocab.Kind
	}{
		{"invalid config", func(c *Config) { c.Sampler.Kind = vocab.SamplerDefault }, SetupConfig, vocab.ErrInvalidInput},
		{"missing model directory", func(c *Config) { c.Model = "/nonexistent/model" }, SetupModel, vocab.ErrInvalidInput},
		{"unknown model name", func(c *Config) { c.Model = "reel" }, SetupModel, vocab.ErrInvalidInput},
		{"ONNX Runtime not loadable", func(c *Config) { c.Runtime.ORTLibrary = "/nonexistent/libonnxruntime.so.1" }, SetupRuntime, vocab.ErrUnavailable},
		{"provider unavailable", func(c *Config) { c.Runtime.Provider = ort.ProviderCUDA }, SetupProvider, vocab.ErrUnavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Model = pack
			cfg.Runtime.IntraOpThreads = 1
			c.mut(&cfg)
			e, err := New(cfg, nil)
			if err == nil {
				e.Close()
				if c.step == SetupProvider {
					t.Skip("the CUDA provider loads here: nothing to test")
				}
				t.Fatal("no error")
			}
			var se *SetupError
			if !errors.As(err, &se) || se.Step != c.step || vocab.KindOf(err) != c.kind {
				t.Fatalf("%v: step %v kind %v, want %s %v", err, se, vocab.KindOf(err), c.step, c.kind)
			}
			if c.step == SetupProvider {
				if pe := (*ort.ProviderError)(nil); !errors.As(err, &pe) {
					t.Errorf("%v: no *ort.ProviderError in the chain", err)
				}
			}
		})
	}
}
