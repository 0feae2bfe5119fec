package core

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// FuzzLoadConfig: LoadConfig never panics on any file content; every error starts with "config: " (so the
// user sees which file or key); an accepted configuration validates, and encoding it as TOML and loading that
// gives the same Config. Seeded with configs/*.toml.
func FuzzLoadConfig(f *testing.F) {
	files, err := filepath.Glob("../configs/*.toml")
	if err != nil || len(files) < 3 {
		f.Fatalf("configs/*.toml seeds: %v (%d files)", err, len(files))
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// One file per fuzzing process: the fuzz function runs sequentially within a process.
	path := filepath.Join(f.TempDir(), "config.toml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(path)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config: ") || len(err.Error()) <= len("config: ") {
				t.Fatalf("error %q does not start with \"config: \" and a message", err)
			}
			if int64(len(data)) <= MaxConfigBytes && strings.Contains(err.Error(), "too large") {
				t.Fatalf("%d bytes refused as too large: %v", len(data), err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("LoadConfig accepted a config that does not validate: %v", err)
		}
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(cfg); err != nil {
			t.Fatalf("encode an accepted config: %v", err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg2, err := LoadConfig(path)
		if err != nil {
			t.Fatalf("re-load of the encoded config: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(cfg, cfg2) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v\n%s", cfg, cfg2, buf.Bytes())
		}
	})
}
