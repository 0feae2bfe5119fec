package modelpack

import (
	"slices"
	"strings"
	"testing"
)

const chainTable = `
[chain]
file        = "chain.onnx"
input_xt    = "x_t"
input_lq    = "lq"
input_y     = "y"
input_noise = "noise"
input_coef  = "coef"
output      = "x0"
`

func TestChainTable(t *testing.T) {
	px := pixelManifest + chainTable
	files := []string{"denoiser.onnx", "chain.onnx"}

	// Without the table a pack has no chain graph (backward compatible); with it the graph is listed last.
	old, err := LoadFS(mapFS(pixelManifest, "denoiser.onnx"), ".")
	if err != nil {
		t.Fatal(err)
	}
	if old.Chain != nil {
		t.Fatalf("pack without [chain]: Chain = %+v", old.Chain)
	}
	if _, ok := old.Graph(RoleChain); ok {
		t.Fatal("pack without [chain] lists a chain graph")
	}
	p, err := LoadFS(mapFS(px, files...), ".")
	if err != nil {
		t.Fatal(err)
	}
	g, ok := p.Graph(RoleChain)
	if !ok || g.File != "chain.onnx" || !slices.Equal(g.Inputs, []string{"x_t", "lq", "y", "noise", "coef"}) || !slices.Equal(g.Outputs, []string{"x0"}) {
		t.Fatalf("chain graph spec = %+v, %v", g, ok)
	}
	if gs := p.Graphs(); len(gs) != 2 || gs[1].Role != RoleChain {
		t.Fatalf("Graphs() = %+v", gs)
	}
	if err := p.CheckGraph(RoleChain, []string{"x_t", "lq", "y", "noise", "coef"}, []string{"x0"}); err != nil {
		t.Fatal(err)
	}
	err = p.CheckGraph(RoleChain, []string{"x_t", "lq", "y", "eps", "coef"}, []string{"x0"})
	for _, want := range []string{`model.toml: chain.input_noise: graph chain.onnx has no input "noise"`,
		`model.toml: chain: graph chain.onnx input "eps" is not declared`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckGraph error %v\ndoes not contain %q", err, want)
		}
	}
	if _, err := old.ReadGraph(string(RoleChain)); err == nil || !strings.Contains(err.Error(), "has no chain") {
		t.Errorf("ReadGraph(chain) of a pack without one: %v", err)
	}

	lat := latentManifest + chainTable
	cases := []struct {
		name, manifest string
		files          []string
		want           string
	}{
		{"file absent", px, files[:1], `model.toml: chain.file: "chain.onnx" not found in the pack`},
		{"file missing", edit(t, px, "chain", "file", "-"), files, "model.toml: chain.file: required"},
		{"file outside", edit(t, px, "chain", "file", `"../c.onnx"`), files, "model.toml: chain.file: \"../c.onnx\" must be a relative path"},
		{"file is the denoiser", edit(t, px, "chain", "file", `"denoiser.onnx"`), files, "model.toml: chain.file: \"denoiser.onnx\" is the denoiser's graph"},
		{"noise missing", edit(t, px, "chain", "input_noise", "-"), files, "model.toml: chain.input_noise: required"},
		{"coef empty", edit(t, px, "chain", "input_coef", `""`), files, "model.toml: chain.input_coef: must not be empty"},
		{"output missing", edit(t, px, "chain", "output", "-"), files, "model.toml: chain.output: required"},
		{"duplicate input", edit(t, px, "chain", "input_coef", `"y"`), files, `model.toml: chain.input_coef: input "y" is already used by chain.input_y`},
		{"unknown key", edit(t, px, "chain", "input_t", `"t"`), files, "model.toml: chain.input_t: unknown key"},
		{"one step", edit(t, px, "diffusion", "steps", "1"), files, "model.toml: chain: needs diffusion.steps >= 2"},
		{"latent", lat, []string{"denoiser.onnx", "encoder.onnx", "decoder.onnx", "chain.onnx"}, "model.toml: chain: section not allowed with space = \"latent\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFS(mapFS(tc.manifest, tc.files...), ".")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\ndoes not contain %q", err, tc.want)
			}
		})
	}
}
