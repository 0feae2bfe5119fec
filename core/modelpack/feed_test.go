package modelpack

import (
	"slices"
	"testing"
)

// Every graph declares one feed per input, in the order of its inputs, so the engine can bind by feed.
func TestGraphFeeds(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		files    []string
		want     map[Role][]Feed
	}{
		{"pixel", pixelManifest, []string{"denoiser.onnx"}, map[Role][]Feed{
			RoleDenoiser: {FeedXT, FeedTimestep, FeedLQ, FeedY}}},
		{"pixel with chain", pixelManifest + chainTable, []string{"denoiser.onnx", "chain.onnx"}, map[Role][]Feed{
			RoleDenoiser: {FeedXT, FeedTimestep, FeedLQ, FeedY}, RoleChain: {FeedXT, FeedLQ, FeedY, FeedNoise, FeedCoef}}},
		{"latent", latentManifest, []string{"denoiser.onnx", "encoder.onnx", "decoder.onnx"}, map[Role][]Feed{
			RoleDenoiser: {FeedXT, FeedTimestep, FeedLQ}, RoleEncoder: {FeedCodec}, RoleDecoder: {FeedCodec}}},
	}
	for _, tc := range tests {
		p, err := LoadFS(mapFS(tc.manifest, tc.files...), ".")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		gs := p.Graphs()
		if len(gs) != len(tc.want) {
			t.Fatalf("%s: %d graphs, want %d", tc.name, len(gs), len(tc.want))
		}
		for _, g := range gs {
			if !slices.Equal(g.Feeds, tc.want[g.Role]) || len(g.Feeds) != len(g.Inputs) {
				t.Errorf("%s: %s feeds %v for inputs %v, want %v", tc.name, g.Role, g.Feeds, g.Inputs, tc.want[g.Role])
			}
		}
	}
	for f, want := range map[Feed]string{FeedXT: "input_xt", FeedCoef: "input_coef", FeedCodec: "input", Feed(0): "Feed(0)"} {
		if f.String() != want {
			t.Errorf("Feed %d: %q, want %q", int(f), f.String(), want)
		}
	}
}
