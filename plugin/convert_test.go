package plugin

import (
	"errors"
	"strings"
	"testing"

	pb "github.com/resshift/resshift/plugin/proto"
	"github.com/resshift/resshift/vocab"
)

// TestOptionsFromProto: the wire's sampler and format names are read once,
// into vocab types: absent or empty is unset, aliases read as the canonical
// format, and a bad name is an ErrInvalidInput error naming it (each of two).
func TestOptionsFromProto(t *testing.T) {
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name    string
		in      *pb.Options
		sampler vocab.Sampler
		format  vocab.Format
		errs    []string // substrings of the error; nil = accepted
	}{
		{"absent", nil, vocab.SamplerDefault, vocab.FormatAuto, nil},
		{"unset", &pb.Options{}, vocab.SamplerDefault, vocab.FormatAuto, nil},
		{"empty sampler", &pb.Options{Sampler: str("")}, vocab.SamplerDefault, vocab.FormatAuto, nil},
		{"names", &pb.Options{Sampler: str("deterministic"), Format: "webp"}, vocab.Deterministic, vocab.WebP, nil},
		{"alias", &pb.Options{Sampler: str("stochastic"), Format: "JPG"}, vocab.Stochastic, vocab.JPEG, nil},
		{"avif reads (Validate refuses it for a request)", &pb.Options{Format: "avif"}, vocab.SamplerDefault, vocab.AVIF, nil},
		{"bad sampler", &pb.Options{Sampler: str("fancy")}, 0, "", []string{`sampler: want deterministic or stochastic, got "fancy"`}},
		{"bad format", &pb.Options{Format: "gif"}, 0, "", []string{`format: want png, jpeg, webp or tiff, got "gif"`}},
		{"both bad", &pb.Options{Sampler: str("Stochastic"), Format: "bmp"}, 0, "", []string{`got "Stochastic"`, `got "bmp"`}},
	} {
		o, err := optionsFromProto(tc.in)
		if tc.errs == nil {
			if err != nil || o.Sampler != tc.sampler || o.Format != tc.format {
				t.Errorf("%s: sampler %v format %q, %v; want %v, %q", tc.name, o.Sampler, o.Format, err, tc.sampler, tc.format)
			}
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidInput) || !strings.HasPrefix(err.Error(), "plugin: options: ") {
			t.Errorf("%s: error %#v, want an ErrInvalidInput *Error \"plugin: options: ...\"", tc.name, err)
			continue
		}
		for _, want := range tc.errs {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, want)
			}
		}
	}
	// A request's avif is refused by Validate in the same words.
	if err := (Options{Format: vocab.AVIF}).Validate(); err == nil || !strings.Contains(err.Error(), `format: want png, jpeg, webp or tiff, got "avif"`) {
		t.Errorf("Validate(avif) = %v", err)
	}
}

// TestInfoProtoRoundTrip: Info (its vocab.ModelInfo and its defaults, an
// avif output format included) survives the wire.
func TestInfoProtoRoundTrip(t *testing.T) {
	seed, overlap := uint64(3), 8
	in := Info{ModelInfo: vocab.ModelInfo{Model: "m", Version: "1", Description: "d", License: "l", Scale: 4, Space: "pixel",
		Steps: 4, Provider: "cpu", ORTVersion: "1.29.0"},
		Defaults:       Options{Sampler: vocab.Deterministic, Seed: &seed, Tile: 64, Overlap: &overlap, Batch: 2, Format: vocab.AVIF, Quality: 70},
		MaxInputPixels: 10, MaxInputBytes: 20, MaxOutputPixels: 30, PID: 42}
	got, err := infoFromProto(infoToProto(in))
	if err != nil {
		t.Fatal(err)
	}
	if got.ModelInfo != in.ModelInfo || got.Defaults.Sampler != vocab.Deterministic || got.Defaults.Format != vocab.AVIF ||
		*got.Defaults.Seed != seed || *got.Defaults.Overlap != overlap || got.MaxOutputPixels != 30 || got.PID != 42 {
		t.Errorf("round trip: %+v → %+v", in, got)
	}
}
