package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/vocab"
)

// configsDir is the repository's configs/ folder.
var configsDir = filepath.Join("..", "..", "configs")

// clearEnv hides the caller's RESSHIFT_* settings from core.LoadConfig.
func clearEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "RESSHIFT_") {
			t.Setenv(k, "")
		}
	}
}

// tomlKeys lists the dotted TOML keys of a struct type ("runtime.provider", ...).
func tomlKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, tomlKeys(f.Type, prefix+name+".")...)
		} else {
			keys = append(keys, prefix+name)
		}
	}
	return keys
}

// Every file in configs/ loads and validates (cuda.toml too: a missing GPU
// is an error of engine creation, not of the configuration).
func TestConfigsLoad(t *testing.T) {
	clearEnv(t)
	files, err := filepath.Glob(filepath.Join(configsDir, "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]func(t *testing.T, c core.Config){
		"default.toml": func(t *testing.T, c core.Config) {
			if want := core.DefaultConfig(); !reflect.DeepEqual(c, want) {
				t.Errorf("default.toml = %+v\nwant DefaultConfig %+v", c, want)
			}
		},
		"cpu.toml": func(t *testing.T, c core.Config) {
			if c.Runtime.Provider != "cpu" {
				t.Errorf("provider %q", c.Runtime.Provider)
			}
		},
		"cuda.toml": func(t *testing.T, c core.Config) {
			if c.Runtime.Provider != "cuda" || c.Runtime.AllowFallback {
				t.Errorf("provider %q allow_fallback %v, want cuda without fallback", c.Runtime.Provider, c.Runtime.AllowFallback)
			}
		},
		"official-v3.toml": func(t *testing.T, c core.Config) {
			if c.Model == "" || c.Sampler.Kind != vocab.Stochastic || c.Sampler.Seed != 12345 {
				t.Errorf("model %q sampler %q seed %d, want a pack dir, stochastic, 12345", c.Model, c.Sampler.Kind, c.Sampler.Seed)
			}
		},
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			c, err := core.LoadConfig(f)
			if err != nil {
				t.Fatal(err)
			}
			if check := checks[name]; check != nil {
				check(t, c)
			}
		})
	}
	for name := range checks {
		if !seen[name] {
			t.Errorf("configs/%s is missing", name)
		}
	}
}

// default.toml sets every key of core.Config (and only known keys).
func TestDefaultConfigHasEveryKey(t *testing.T) {
	var c core.Config
	md, err := toml.DecodeFile(filepath.Join(configsDir, "default.toml"), &c)
	if err != nil {
		t.Fatal(err)
	}
	keys := tomlKeys(reflect.TypeOf(c), "")
	if len(keys) < 20 {
		t.Fatalf("only %d keys found in core.Config: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !md.IsDefined(strings.Split(k, ".")...) {
			t.Errorf("default.toml does not set %s", k)
		}
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Errorf("default.toml has unknown keys %v", und)
	}
}
