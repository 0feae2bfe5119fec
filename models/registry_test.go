package models

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// manifest returns a minimal valid pixel manifest with the given name and aliases line.
func manifest(name, aliases string) string {
	return `name = "` + name + `"
` + aliases + `
scale = 4
space = "pixel"
[diffusion]
steps = 4
kappa = 0.25
power = 0.3
min_noise_level = 0.2
etas_end = 0.99
normalize_input = true
[denoiser]
file = "denoiser.onnx"
input_xt = "x_t"
input_timestep = "t"
input_lq = "lq"
output = "x0"
[tiling]
multiple = 4
tile = 64
`
}

func packFS(packs map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for dir, man := range packs {
		m[dir+"/model.toml"] = &fstest.MapFile{Data: []byte(man)}
		m[dir+"/denoiser.onnx"] = &fstest.MapFile{Data: []byte("graph")}
	}
	return m
}

func TestEmbeddedPacks(t *testing.T) {
	list, err := List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("no embedded packs")
	}
	var def int
	for _, p := range list {
		if p.Default {
			def++
		}
		for _, n := range p.Names() {
			got, err := Load(n)
			if err != nil {
				t.Fatalf("Load(%q): %v", n, err)
			}
			if got.Name != p.Name {
				t.Fatalf("Load(%q) = pack %q, want %q", n, got.Name, p.Name)
			}
		}
	}
	if def != 1 {
		t.Fatalf("%d packs marked default, want 1", def)
	}
	for _, n := range []string{"", "default", DefaultName} {
		p, err := Load(n)
		if err != nil {
			t.Fatalf("Load(%q): %v", n, err)
		}
		if !slices.Contains(p.Names(), DefaultName) {
			t.Fatalf("Load(%q) = %q, which does not answer to DefaultName %q", n, p.Name, DefaultName)
		}
	}
	// The clean model stays available by its alias (issue 11 item 3).
	if p, err := Load("clean"); err != nil || p.Name != "resshift-lite-x4" {
		t.Fatalf(`Load("clean") = %v, %v; want resshift-lite-x4`, p, err)
	}
	// The default pack answers through Default() too.
	fsys, root := Default()
	if _, err := fs.Stat(fsys, root+"/model.toml"); err != nil {
		t.Fatalf("Default() root %q: %v", root, err)
	}
}

func TestRegistry(t *testing.T) {
	good := packFS(map[string]string{
		"pack-a": manifest("pack-a", `aliases = ["a", "first"]`),
		"pack-b": manifest("pack-b", ""),
	})
	for _, tc := range []struct {
		name    string
		fsys    fs.FS
		def     string
		lookup  string
		want    string // pack name; "" = an error is expected
		wantErr []string
	}{
		{"by name", good, "pack-a", "pack-b", "pack-b", nil},
		{"by alias", good, "pack-b", "first", "pack-a", nil},
		{"default word", good, "a", "default", "pack-a", nil},
		{"empty is default", good, "pack-b", "", "pack-b", nil},
		{"unknown", good, "pack-a", "real", "", []string{`unknown model "real"`, "pack-a (a, first)", "pack-b", "directory"}},
		{"case matters", good, "pack-a", "PACK-A", "", []string{`unknown model "PACK-A"`}},
		{"bad default", good, "nope", "", "", []string{`default model "nope" is not embedded`}},
		{"alias clash", packFS(map[string]string{
			"pack-a": manifest("pack-a", `aliases = ["x"]`),
			"pack-b": manifest("pack-b", `aliases = ["x"]`),
		}), "pack-a", "pack-a", "", []string{`"x"`, "pack-a", "pack-b"}},
		{"broken manifest", packFS(map[string]string{"pack-a": manifest("pack-a", "scale = 3")}), "pack-a", "pack-a", "", []string{"pack-a/model.toml"}},
		{"no packs", fstest.MapFS{"README": &fstest.MapFile{}}, "pack-a", "pack-a", "", []string{"no model packs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRegistry(tc.fsys, tc.def)
			p, err := r.load(tc.lookup)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("load(%q) = %s, want an error", tc.lookup, p.Name)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Fatalf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != tc.want || p.Dir != "" {
				t.Fatalf("load(%q) = %q (dir %q), want %q", tc.lookup, p.Name, p.Dir, tc.want)
			}
		})
	}
}

func TestKnows(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{{"clean", true}, {"resshift-lite-x4", true}, {"default", true}, {"", true}, {"./clean", false}, {"nope", false}} {
		if got := Knows(tc.name); got != tc.want {
			t.Errorf("Knows(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The embedded packs keep the binary small (issue 11: under about 40 MB in
// all; the Go code, libvips bindings and ONNX Runtime glue take about 7 MB).
func TestEmbeddedSize(t *testing.T) {
	const limit = 32 << 20
	var total int64
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		total += fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > limit {
		t.Fatalf("embedded packs hold %.1f MiB, want <= %d MiB", float64(total)/(1<<20), limit>>20)
	}
	t.Logf("embedded packs: %.1f MiB", float64(total)/(1<<20))
}
