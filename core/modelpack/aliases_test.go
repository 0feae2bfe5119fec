package modelpack

import (
	"slices"
	"strings"
	"testing"
)

func TestAliases(t *testing.T) {
	px := pixelManifest
	pxFiles := []string{"denoiser.onnx"}
	for _, tc := range []struct {
		name    string
		value   string // aliases = value; "-" = key absent
		want    []string
		wantErr string // substring of the error; "" = valid
	}{
		{"absent", "-", nil, ""},
		{"empty", "[]", []string{}, ""},
		{"one", `["clean"]`, []string{"clean"}, ""},
		{"two", `["clean", "lite"]`, []string{"clean", "lite"}, ""},
		{"upper case", `["Clean"]`, nil, `model.toml: aliases: "Clean" must match [a-z0-9._-]+`},
		{"empty string", `[""]`, nil, `model.toml: aliases: "" must match [a-z0-9._-]+`},
		{"path", `["a/b"]`, nil, `model.toml: aliases: "a/b" must match`},
		{"same as name", `["test-x4"]`, nil, `model.toml: aliases: "test-x4" is the pack's name`},
		{"duplicate", `["clean", "clean"]`, nil, `model.toml: aliases: "clean" is listed twice`},
		{"reserved", `["default"]`, nil, `model.toml: aliases: "default" is reserved`},
		{"not a list", `"clean"`, nil, "model.toml: aliases: line "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := px
			if tc.value != "-" {
				manifest = edit(t, px, "", "aliases", tc.value)
			}
			p, err := LoadFS(mapFS(manifest, pxFiles...), ".")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Aliases) != len(tc.want) || !slices.Equal(p.Aliases, tc.want) {
				t.Fatalf("Aliases = %q, want %q", p.Aliases, tc.want)
			}
		})
	}
}

func TestManifestNames(t *testing.T) {
	m := &Manifest{Name: "resshift-lite-x4", Aliases: []string{"clean", "lite"}}
	if got := m.Names(); !slices.Equal(got, []string{"resshift-lite-x4", "clean", "lite"}) {
		t.Fatalf("Names() = %q", got)
	}
}
