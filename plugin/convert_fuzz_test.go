package plugin

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/resshift/resshift/plugin/proto"
)

// FuzzUpscaleHeader: the plugin's request conversion, from the bytes of the stream's first message (an
// UpscaleHeader) to Options, never panics; protobuf the plugin cannot decode is an error; Options.Validate
// refuses with an ErrInvalidInput *Error prefixed "plugin: options: ", or accepts options with every field in
// range that convert to protobuf and back unchanged. Seeded with headers as the host sends them.
func FuzzUpscaleHeader(f *testing.F) {
	seed, overlap, neg := uint64(7), 8, -3
	for _, o := range []Options{
		{},
		{Sampler: "deterministic", Seed: &seed, Tile: 64, Overlap: &overlap, Batch: 2, Format: "webp", Quality: 90,
			Lossless: true, StripMetadata: true, MaxInputPixels: 1 << 20},
		{Sampler: "stochastic", Format: "JPG", Quality: 80},
		{Sampler: "fast", Tile: -1, Overlap: &neg, Format: "gif", Quality: 101, MaxInputPixels: -1},
	} {
		b, err := proto.Marshal(&pb.UpscaleHeader{Size: 1234, Options: optionsToProto(o), Progress: true})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var hdr pb.UpscaleHeader
		if err := proto.Unmarshal(data, &hdr); err != nil {
			if err.Error() == "" {
				t.Fatal("protobuf error without a message")
			}
			return
		}
		o := optionsFromProto(hdr.GetOptions())
		if err := o.Validate(); err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidInput) || !strings.HasPrefix(pe.Msg, "plugin: options: ") {
				t.Fatalf("Validate error %#v, want an ErrInvalidInput *Error with a \"plugin: options: \" message", err)
			}
			return
		}
		if _, err := ParseOutputFormat(o.Format); err != nil || o.Tile < 0 || o.Batch < 0 || o.Quality < 0 || o.Quality > 100 ||
			o.MaxInputPixels < 0 || (o.Overlap != nil && *o.Overlap < 0) ||
			(o.Sampler != "" && o.Sampler != "deterministic" && o.Sampler != "stochastic") {
			t.Fatalf("Validate accepted %+v", o)
		}
		b, err := proto.Marshal(optionsToProto(o))
		if err != nil {
			t.Fatalf("marshal valid options: %v", err)
		}
		var back pb.Options
		if err := proto.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal marshalled options: %v", err)
		}
		if got := optionsFromProto(&back); !reflect.DeepEqual(got, o) {
			t.Fatalf("protobuf round trip: %+v → %+v", o, got)
		}
	})
}
