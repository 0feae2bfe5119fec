package core

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// LoadPack takes an embedded pack's name or alias, "default", or a directory.
func TestLoadPackByName(t *testing.T) {
	// A folder called like a pack's alias, in the working directory: the bare
	// word selects the embedded pack, "./clean" the folder.
	tmp := t.TempDir()
	for _, d := range []string{"clean", "mine"} {
		src := filepath.Join("testdata", "models", "pointwise-x4")
		if err := os.CopyFS(filepath.Join(tmp, d), os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(tmp)
	for _, tc := range []struct {
		model   string
		name    string // pack name; "" = error
		dir     string // pack Dir ("" = embedded)
		wantErr []string
	}{
		{"", "resshift-lite-x4", "", nil},
		{"default", "resshift-lite-x4", "", nil},
		{"resshift-lite-x4", "resshift-lite-x4", "", nil},
		{"clean", "resshift-lite-x4", "", nil},
		{"./clean", "pointwise-x4", "./clean", nil},
		{"mine", "pointwise-x4", "mine", nil},
		{filepath.Join(tmp, "mine"), "pointwise-x4", filepath.Join(tmp, "mine"), nil},
		{"reel", "", "", []string{`unknown model "reel"`, "resshift-lite-x4 (clean)", "directory"}},
		{"./missing", "", "", []string{"missing"}},
	} {
		t.Run(tc.model, func(t *testing.T) {
			p, err := LoadPack(tc.model)
			if tc.name == "" {
				if err == nil {
					t.Fatalf("LoadPack(%q) = %s, want an error", tc.model, p.Name)
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
			if p.Name != tc.name || p.Dir != tc.dir {
				t.Fatalf("LoadPack(%q) = %s in %q, want %s in %q", tc.model, p.Name, p.Dir, tc.name, tc.dir)
			}
		})
	}
}
