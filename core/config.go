package core

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/core/tile"
	"github.com/resshift/resshift/internal/boundedfile"
	"github.com/resshift/resshift/vocab"
)

// Config is the engine configuration, read from TOML (see configs/default.toml).
// Zero values mean "use the model pack's default" where documented.
type Config struct {
	// Model selects the model pack: "" or "default" = the embedded default model;
	// the name or alias of an embedded pack ("resshift-lite-x4", "clean"; see
	// `resshift info --models`); otherwise a directory holding model.toml (see LoadPack).
	Model string `toml:"model"`

	// Runtime is the [runtime] section, declared by its consumer, package ort (see ort.Config).
	Runtime ort.Config    `toml:"runtime"`
	Sampler SamplerConfig `toml:"sampler"`
	Tiling  TilingConfig  `toml:"tiling"`
	Limits  LimitsConfig  `toml:"limits"`
	Output  OutputConfig  `toml:"output"`
}

// SamplerConfig holds the default sampling options (overridable per call).
// Kind must be vocab.Stochastic or vocab.Deterministic (TOML: "stochastic"
// or "deterministic"); its zero value, vocab.SamplerDefault, is refused.
type SamplerConfig struct {
	Kind vocab.Sampler `toml:"kind"`
	Seed uint64        `toml:"seed"`
}

// TilingConfig holds the default tiling options in LR pixels, with the
// default spellings of tile.Settings: Tile 0 = the model's tile, Overlap
// tile.OverlapDefault (-1) = the model's overlap, Batch 0 = 1 (fixed-shape
// graphs always use their own tile and batch). tile.Settings.Check states
// the limits.
type TilingConfig struct {
	Tile    int `toml:"tile"`
	Overlap int `toml:"overlap"`
	Batch   int `toml:"batch"`
}

// Settings returns the tiling values as a tile.Settings.
func (t TilingConfig) Settings() tile.Settings {
	return tile.Settings{Tile: t.Tile, Overlap: t.Overlap, Batch: t.Batch}
}

// LimitsConfig guards against decompression bombs and runaway outputs: 0 =
// the built-in default, vocab.NoLimit (-1) = none, > 0 = the limit; other
// negative values are refused (vocab.CheckLimit).
type LimitsConfig struct {
	MaxInputPixels  int64 `toml:"max_input_pixels"`
	MaxFileBytes    int64 `toml:"max_file_bytes"`
	MaxOutputPixels int64 `toml:"max_output_pixels"`
}

// OutputConfig holds encoder defaults. Format reads any name or alias of
// vocab.ParseFormat from TOML ("jpg", "TIF") and holds the canonical format;
// vocab.FormatAuto ("") = the input's format.
type OutputConfig struct {
	Format        vocab.Format `toml:"format"`
	Quality       int          `toml:"quality"`
	StripMetadata bool         `toml:"strip_metadata"`
}

// DefaultConfig returns the built-in defaults: the embedded model on CPU, the
// stochastic (official ResShift) sampler with seed 12345, model-default tiling.
// The stochastic sampler is the default because it scores higher with the
// default model (docs/benchmarks.md); output is reproducible for a fixed seed.
func DefaultConfig() Config {
	return Config{
		Runtime: ort.Config{Provider: ort.ProviderCPU, OptLevel: "all", Concurrency: 1},
		Sampler: SamplerConfig{Kind: vocab.Stochastic, Seed: 12345},
		Tiling:  TilingConfig{Overlap: tile.OverlapDefault},
	}
}

// MaxConfigBytes bounds the size of a configuration file.
const MaxConfigBytes = 1 << 20

// LoadConfig returns DefaultConfig, overlaid with the TOML file at path (when
// path is not ""), then with RESSHIFT_* environment variables, then validated.
// The file must be a regular file (or a character device) of at most
// MaxConfigBytes: a FIFO is refused without blocking, /dev/zero is "too large".
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		// Bounded, and never blocking on a FIFO (internal/boundedfile).
		data, err := boundedfile.ReadLimit(path, MaxConfigBytes)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		md, err := toml.Decode(string(data), &cfg)
		if err != nil {
			return cfg, decodeError(path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			return cfg, fmt.Errorf("config: %s: unknown keys: %s", path, strings.Join(keys, ", "))
		}
	}
	if err := cfg.ApplyEnv(os.Getenv); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// typedKeys are the keys whose values a vocab type parses while decoding
// (encoding.TextUnmarshaler), with the start of that type's error message.
var typedKeys = map[string]string{"sampler.kind": "sampler: ", "output.format": "format "}

// decodeError words a TOML decoding error. A value a typed key refused
// (sampler.kind, output.format) is named by its key as Validate names it,
// "config: sampler.kind: sampler: unknown kind ..." (with the file and
// line), and matches ErrInvalidInput; other errors name the file.
func decodeError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		if prefix, ok := typedKeys[pe.LastKey]; ok && strings.HasPrefix(pe.Message, prefix) {
			return newKindError(ErrInvalidInput,
				fmt.Sprintf("config: %s: %s (%s line %d)", pe.LastKey, pe.Message, path, pe.Position.Line), nil)
		}
	}
	return fmt.Errorf("config: %s: %w", path, err)
}

// ApplyEnv overrides fields from RESSHIFT_* variables: MODEL, PROVIDER, THREADS,
// SAMPLER, SEED, TILE, OVERLAP, BATCH, ALLOW_FALLBACK. (RESSHIFT_ORT_LIB is read by core/ort.)
func (c *Config) ApplyEnv(getenv func(string) string) error {
	var errs []error
	str := func(key string, dst *string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	num := func(key string, dst *int) {
		if v := getenv(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("config: env %s: not an integer: %q", key, v))
				return
			}
			*dst = n
		}
	}
	str("RESSHIFT_MODEL", &c.Model)
	str("RESSHIFT_PROVIDER", &c.Runtime.Provider)
	if v := getenv("RESSHIFT_SAMPLER"); v != "" {
		k, err := vocab.ParseSampler(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("config: env RESSHIFT_SAMPLER: %w", err))
		} else {
			c.Sampler.Kind = k
		}
	}
	num("RESSHIFT_THREADS", &c.Runtime.IntraOpThreads)
	num("RESSHIFT_TILE", &c.Tiling.Tile)
	num("RESSHIFT_OVERLAP", &c.Tiling.Overlap)
	num("RESSHIFT_BATCH", &c.Tiling.Batch)
	if v := getenv("RESSHIFT_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("config: env RESSHIFT_SEED: not an unsigned integer: %q", v))
		} else {
			c.Sampler.Seed = n
		}
	}
	if v := getenv("RESSHIFT_ALLOW_FALLBACK"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("config: env RESSHIFT_ALLOW_FALLBACK: not a boolean: %q", v))
		} else {
			c.Runtime.AllowFallback = b
		}
	}
	return errors.Join(errs...)
}

// Validate reports every invalid key at once, each error naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if err := c.Runtime.Validate(); err != nil {
		for _, e := range flatten(err) {
			errs = append(errs, fmt.Errorf("config: runtime.%w", e))
		}
	}
	if !c.Sampler.Kind.Valid() {
		bad("sampler.kind", "must be stochastic or deterministic, got %q", c.Sampler.Kind.String())
	}
	for _, p := range c.Tiling.Settings().Check() {
		bad("tiling."+p.Field, "%s", p.Msg)
	}
	for _, l := range []struct {
		key string
		v   int64
	}{
		{"limits.max_input_pixels", c.Limits.MaxInputPixels},
		{"limits.max_file_bytes", c.Limits.MaxFileBytes},
		{"limits.max_output_pixels", c.Limits.MaxOutputPixels},
	} {
		if msg := vocab.CheckLimit(l.v); msg != "" {
			bad(l.key, "%s", msg)
		}
	}
	if c.Output.Quality < 0 || c.Output.Quality > 100 {
		bad("output.quality", "must be 0 (default) or 1..100, got %d", c.Output.Quality)
	}
	if f := c.Output.Format; f != vocab.FormatAuto && !f.Known() {
		bad("output.format", "must be one of png, jpeg, webp, tiff, avif, heif or empty, got %q", string(f))
	}
	return errors.Join(errs...)
}

// flatten splits an errors.Join result into its parts.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
