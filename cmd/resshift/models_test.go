package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// --model takes an embedded pack's name or alias as well as a directory, in
// every command that loads a model; an unknown name lists the known ones.
func TestModelByName(t *testing.T) {
	dir := t.TempDir()
	in := writeImage(t, dir, "a.png", synthImage(16, 12), "png")
	pointwise, _ := filepath.Abs(filepath.Join("..", "..", "core", "testdata", "models", "pointwise-x4"))
	for _, c := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"info by alias", []string{"info", "--json", "--model", "clean"}, 0, []string{`"model": "resshift-lite-x4"`, `"source": "embedded"`}},
		{"info by name", []string{"info", "--model", "resshift-lite-x4"}, 0, []string{"resshift-lite-x4", "(embedded)"}},
		{"info by dir", []string{"info", "--model", pointwise}, 0, []string{"pointwise-x4", pointwise}},
		{"unknown name", []string{"info", "--model", "reel"}, 1, []string{`unknown model "reel"`, "resshift-lite-x4 (clean)"}},
		{"upscale by alias", []string{"upscale", "-q", "--model", "clean", "-o", "clean.png", in}, 0, nil},
		{"upscale unknown", []string{"upscale", "--model", "reel", "-o", "reel.png", in}, 1, []string{`unknown model "reel"`}},
		{"bench by alias", []string{"bench", "--model", "clean", "--size", "16", "--runs", "1", "--warmup", "0"}, 0, []string{"resshift-lite-x4"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runBin(t, dir, c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.code, r.stdout, r.stderr)
			}
			mustContain(t, "output", r.stdout+r.stderr, c.want...)
		})
	}
}

// info --models lists every embedded pack with its aliases and marks the default.
func TestInfoModels(t *testing.T) {
	r := runBin(t, t.TempDir(), "info", "--models")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "info --models", r.stdout, "resshift-lite-x4", "clean", "default", "×4")
	r = runBin(t, t.TempDir(), "info", "--models", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var list []struct {
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
		Scale   int      `json:"scale"`
		Default bool     `json:"default"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	found := false
	for _, m := range list {
		if m.Name == "resshift-lite-x4" && len(m.Aliases) == 1 && m.Aliases[0] == "clean" && m.Scale == 4 && m.Default {
			found = true
		}
	}
	if !found {
		t.Fatalf("resshift-lite-x4 (clean, default, ×4) not in %s", r.stdout)
	}
}
