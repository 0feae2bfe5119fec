package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/tile"
	"github.com/resshift/resshift/plugin"
)

// The tiling values mean the same in every Go face: the TOML config, the
// RESSHIFT_* variables, the CLI flags and the plugin options give the same
// effective values (over one set of model defaults) for the same inputs,
// and refuse the same inputs, each error naming the face's own spelling of
// the field. (The C options are the same rule: examples/c/test_capi.c.)
func TestTilingSameInEveryFace(t *testing.T) {
	for _, k := range []string{"RESSHIFT_TILE", "RESSHIFT_OVERLAP", "RESSHIFT_BATCH"} {
		t.Setenv(k, "") // LoadConfig reads the process environment
	}
	model := tile.Settings{Tile: 256, Overlap: 32, Batch: 1} // what a model pack and batch 1 provide
	for _, c := range []struct {
		in       tile.Settings
		want     tile.Settings // effective values over model; zero when badField is set
		badField string
	}{
		{tile.DefaultSettings, model, ""},
		{tile.Settings{Tile: 64, Overlap: 8, Batch: 2}, tile.Settings{Tile: 64, Overlap: 8, Batch: 2}, ""},
		{tile.Settings{Tile: 64, Overlap: 0, Batch: 0}, tile.Settings{Tile: 64, Overlap: 0, Batch: 1}, ""}, // overlap 0 is real
		{tile.Settings{Tile: 0, Overlap: tile.OverlapDefault, Batch: 3}, tile.Settings{Tile: 256, Overlap: 32, Batch: 3}, ""},
		{tile.Settings{Tile: -8, Overlap: tile.OverlapDefault}, tile.Settings{}, "tile"},
		{tile.Settings{Tile: 5000, Overlap: tile.OverlapDefault}, tile.Settings{}, "tile"},
		{tile.Settings{Tile: 64, Overlap: -2}, tile.Settings{}, "overlap"},
		{tile.Settings{Tile: 64, Overlap: 4096}, tile.Settings{}, "overlap"},
		{tile.Settings{Overlap: tile.OverlapDefault, Batch: -1}, tile.Settings{}, "batch"},
		{tile.Settings{Overlap: tile.OverlapDefault, Batch: 2000}, tile.Settings{}, "batch"},
	} {
		in := c.in
		faces := map[string]func() (tile.Settings, error){
			"toml": func() (tile.Settings, error) {
				p := filepath.Join(t.TempDir(), "c.toml")
				toml := fmt.Sprintf("[tiling]\ntile = %d\noverlap = %d\nbatch = %d\n", in.Tile, in.Overlap, in.Batch)
				if err := os.WriteFile(p, []byte(toml), 0o644); err != nil {
					t.Fatal(err)
				}
				cfg, err := core.LoadConfig(p)
				return cfg.Tiling.Settings(), err
			},
			"env": func() (tile.Settings, error) {
				env := map[string]string{"RESSHIFT_TILE": strconv.Itoa(in.Tile), "RESSHIFT_OVERLAP": strconv.Itoa(in.Overlap),
					"RESSHIFT_BATCH": strconv.Itoa(in.Batch)}
				cfg := core.DefaultConfig()
				if err := cfg.ApplyEnv(func(k string) string { return env[k] }); err != nil {
					return tile.Settings{}, err
				}
				return cfg.Tiling.Settings(), cfg.Validate()
			},
			"cli": func() (tile.Settings, error) {
				var f engineFlags
				fs := newFlags("upscale", "")
				f.register(fs, withSeed|withSampler|withOutput)
				args := []string{"--tile", strconv.Itoa(in.Tile), "--overlap", strconv.Itoa(in.Overlap), "--batch", strconv.Itoa(in.Batch)}
				if err := fs.Parse(args); err != nil {
					t.Fatal(err)
				}
				f.recordSet(fs)
				if err := f.check("upscale"); err != nil {
					return tile.Settings{}, err
				}
				cfg, err := f.loadConfig()
				return cfg.Tiling.Settings(), err
			},
			"plugin": func() (tile.Settings, error) {
				overlap := in.Overlap
				o := plugin.Options{Tile: in.Tile, Overlap: &overlap, Batch: in.Batch}
				return o.Tiling(), o.Validate()
			},
		}
		spell := map[string]string{"toml": "config: tiling.%s: ", "env": "config: tiling.%s: ", "cli": "--%s ", "plugin": "plugin: options: %s: "}
		for name, face := range faces {
			s, err := face()
			switch {
			case c.badField == "" && err != nil:
				t.Errorf("%s %+v: unexpected error %v", name, in, err)
			case c.badField == "" && s.Over(model) != c.want:
				t.Errorf("%s %+v: effective %+v, want %+v", name, in, s.Over(model), c.want)
			case c.badField != "" && (err == nil || !strings.Contains(err.Error(), fmt.Sprintf(spell[name], c.badField))):
				t.Errorf("%s %+v: error %v does not name %q", name, in, err, fmt.Sprintf(spell[name], c.badField))
			}
		}
	}
}
