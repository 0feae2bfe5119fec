package core

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resshift/resshift/vocab"
)

// TestConfigTypedKeys: output.format in a TOML file takes every name and
// alias of vocab.ParseFormat, like imageio and the plugin do, and holds the
// canonical format; sampler.kind takes "stochastic" and "deterministic".
// Other values are refused with an ErrInvalidInput error naming the key,
// the value and the file, as Validate names keys ("config: sampler.kind: ...").
func TestConfigTypedKeys(t *testing.T) {
	dir := t.TempDir()
	for i, tc := range []struct {
		toml    string
		format  vocab.Format
		sampler vocab.Sampler
		errKey  string // "" = accepted
		errVal  string
	}{
		{"[output]\nformat = \"\"\n", vocab.FormatAuto, vocab.Stochastic, "", ""},
		{"[output]\nformat = \"png\"\n", vocab.PNG, vocab.Stochastic, "", ""},
		{"[output]\nformat = \"jpg\"\n", vocab.JPEG, vocab.Stochastic, "", ""},
		{"[output]\nformat = \"TIF\"\n", vocab.TIFF, vocab.Stochastic, "", ""},
		{"[output]\nformat = \" heic \"\n", vocab.HEIF, vocab.Stochastic, "", ""},
		{"[output]\nformat = \"webp\"\n[sampler]\nkind = \"deterministic\"\n", vocab.WebP, vocab.Deterministic, "", ""},
		{"[sampler]\nkind = \"stochastic\"\n", vocab.FormatAuto, vocab.Stochastic, "", ""},
		{"[output]\nformat = \"bmp\"\n", "", 0, "output.format", `"bmp"`},
		{"[output]\nformat = \"jpe\"\n", "", 0, "output.format", `"jpe"`},
		{"[sampler]\nkind = \"fancy\"\n", "", 0, "sampler.kind", `"fancy"`},
		{"[sampler]\nkind = \"Stochastic\"\n", "", 0, "sampler.kind", `"Stochastic"`},
		// "" decodes as vocab.SamplerDefault, which Validate refuses (as it refused "" before).
		{"[sampler]\nkind = \"\"\n", "", 0, "sampler.kind", `""`},
	} {
		path := filepath.Join(dir, "c.toml")
		if err := os.WriteFile(path, []byte(tc.toml), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(path)
		if tc.errKey == "" {
			if err != nil || cfg.Output.Format != tc.format || cfg.Sampler.Kind != tc.sampler {
				t.Errorf("%d %q: format %q sampler %v, %v; want %q, %v", i, tc.toml, cfg.Output.Format, cfg.Sampler.Kind, err, tc.format, tc.sampler)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), "config: "+tc.errKey+": ") || !strings.Contains(err.Error(), tc.errVal) ||
			!errors.Is(err, vocab.ErrInvalidInput) && !strings.Contains(err.Error(), "must be") {
			t.Errorf("%d %q: error %v, want one starting \"config: %s: \" naming %s", i, tc.toml, err, tc.errKey, tc.errVal)
		}
	}
}

// TestValidateTypedValues: Validate refuses values of the typed fields that
// no TOML file can produce but Go code can (a non-canonical format, an
// unset or out-of-range sampler kind), naming the key.
func TestValidateTypedValues(t *testing.T) {
	for _, tc := range []struct {
		mod func(*Config)
		key string
	}{
		{func(c *Config) { c.Output.Format = "jpg" }, "output.format"},
		{func(c *Config) { c.Output.Format = "bmp" }, "output.format"},
		{func(c *Config) { c.Sampler.Kind = vocab.SamplerDefault }, "sampler.kind"},
		{func(c *Config) { c.Sampler.Kind = vocab.Sampler(9) }, "sampler.kind"},
	} {
		c := DefaultConfig()
		tc.mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "config: "+tc.key+": ") {
			t.Errorf("%+v: error %v, want one naming %s", c, err, tc.key)
		}
	}
	for _, f := range append([]vocab.Format{vocab.FormatAuto}, vocab.Formats...) {
		c := DefaultConfig()
		c.Output.Format = f
		if err := c.Validate(); err != nil {
			t.Errorf("output.format %q: %v", f, err)
		}
	}
}

// TestApplyEnvSampler: RESSHIFT_SAMPLER is parsed where it is read; a bad
// value names the variable and the value and leaves the kind unchanged.
func TestApplyEnvSampler(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want vocab.Sampler
		ok   bool
	}{
		{"deterministic", vocab.Deterministic, true},
		{"stochastic", vocab.Stochastic, true},
		{"", vocab.Stochastic, true}, // unset: the config's kind
		{"ddim", vocab.Stochastic, false},
	} {
		c := DefaultConfig()
		err := c.ApplyEnv(func(k string) string {
			if k == "RESSHIFT_SAMPLER" {
				return tc.v
			}
			return ""
		})
		if c.Sampler.Kind != tc.want || (err == nil) != tc.ok {
			t.Errorf("RESSHIFT_SAMPLER=%q: kind %v, %v", tc.v, c.Sampler.Kind, err)
		}
		if err != nil && (!strings.Contains(err.Error(), "RESSHIFT_SAMPLER") || !strings.Contains(err.Error(), `"`+tc.v+`"`)) {
			t.Errorf("RESSHIFT_SAMPLER=%q: error %v does not name the variable and value", tc.v, err)
		}
	}
}
