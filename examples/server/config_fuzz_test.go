package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// FuzzLoadConfig feeds arbitrary bytes to the server's TOML loader as a file
// beside an existing "images" folder. Properties: every error starts with
// "config: " and says something; an accepted config validates, its relative
// paths are resolved against the file's folder, its local root is an existing
// folder, and writing it back as TOML loads the same config.
func FuzzLoadConfig(f *testing.F) {
	if b, err := os.ReadFile("server.toml"); err == nil {
		f.Add(bytes.ReplaceAll(b, []byte(`"/tmp/resshift-images"`), []byte(`"images"`)))
	}
	for _, s := range []string{
		"",
		`listen = ":9000"` + "\n[source]\nlocal_root = \"images\"\n",
		"[source]\nallow_http = true\n[limits]\nworkers = 0\n",
		"[source]\nlocal_root = \"images\"\n[limits]\nmax_src_resolution = nan\n",
		"[source]\nlocal_root = \"images\"\n[limits]\nseconds_per_output_mp = inf\n",
		"[source]\nlocal_root = \"missing\"\n",
		"[source]\nlocal_root = \"images\"\n[security]\nkey = \"00ff\"\nsalt = \"zz\"\n",
		"[source]\nlocal_root = \"images\"\n[queue]\nnats = \"embedded\"\nreplicas = 3\n",
		"[source]\nlocal_root = \"images\"\n[plugin]\npath = \"./bin/p\"\nconfig = \"e.toml\"\nhealth_timeout = \"-1s\"\n",
		"unknown = 1\n",
		"[limits\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "images"), 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "server.toml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(p)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "config: ") || len(msg) < len("config: x") {
				t.Fatalf("error %q does not start with \"config: \" and say what is wrong", msg)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("LoadConfig accepted a config that does not validate: %v", err)
		}
		for _, q := range []string{cfg.Plugin.Config, cfg.Source.LocalRoot} {
			if q != "" && !filepath.IsAbs(q) {
				t.Fatalf("path %q was not resolved against %s", q, dir)
			}
		}
		if r := cfg.Source.LocalRoot; r != "" {
			if st, err := os.Stat(r); err != nil || !st.IsDir() {
				t.Fatalf("accepted local_root %q is not a folder (%v)", r, err)
			}
		}
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(cfg); err != nil {
			t.Fatalf("encode accepted config: %v", err)
		}
		p2 := filepath.Join(dir, "again.toml")
		if err := os.WriteFile(p2, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg2, err := LoadConfig(p2)
		if err != nil {
			t.Fatalf("accepted config written back does not load: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(cfg, cfg2) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", cfg, cfg2)
		}
	})
}
