package plugin

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/resshift/resshift/plugin/proto"
	"github.com/resshift/resshift/vocab"
)

// FuzzUpscaleHeader: the plugin's request conversion, from the bytes of the stream's first message (an
// UpscaleHeader) to Options, never panics; protobuf the plugin cannot decode is an error; optionsFromProto (a
// sampler or format name it cannot read) or Options.Validate refuses with an ErrInvalidInput *Error prefixed
// "plugin: options: ", or accepts options with every field in range that convert to protobuf and back
// unchanged. Seeded with headers as the host sends them and with bad names.
func FuzzUpscaleHeader(f *testing.F) {
	seed, overlap := uint64(7), int32(8)
	str := func(s string) *string { return &s }
	i32 := func(v int32) *int32 { return &v }
	for _, o := range []*pb.Options{
		nil,
		{},
		{Sampler: str("deterministic"), Seed: &seed, Tile: i32(64), Overlap: &overlap, Batch: i32(2), Format: "webp", Quality: 90,
			Lossless: true, StripMetadata: true, MaxInputPixels: 1 << 20},
		{Sampler: str("stochastic"), Format: "JPG", Quality: 80},
		{Sampler: str(""), Format: "avif"},
		{Sampler: str("fast"), Tile: i32(-1), Overlap: i32(-3), Format: "gif", Quality: 101, MaxInputPixels: -1},
	} {
		b, err := proto.Marshal(&pb.UpscaleHeader{Size: 1234, Options: o, Progress: true})
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
		refused := func(stage string, err error) {
			var pe *Error
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidInput) || !strings.HasPrefix(pe.Msg, "plugin: options: ") {
				t.Fatalf("%s error %#v, want an ErrInvalidInput *Error with a \"plugin: options: \" message", stage, err)
			}
		}
		o, err := optionsFromProto(hdr.GetOptions())
		if err != nil {
			refused("optionsFromProto", err)
			return
		}
		if err := o.Validate(); err != nil {
			refused("Validate", err)
			return
		}
		if (o.Format != vocab.FormatAuto && !slices.Contains(OutputFormats, o.Format)) || o.Tile < 0 || o.Batch < 0 ||
			o.Quality < 0 || o.Quality > 100 || o.MaxInputPixels < 0 || (o.Overlap != nil && *o.Overlap < -1) ||
			(o.Sampler != vocab.SamplerDefault && !o.Sampler.Valid()) {
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
		if got, err := optionsFromProto(&back); err != nil || !reflect.DeepEqual(got, o) {
			t.Fatalf("protobuf round trip: %+v → %+v, %v", o, got, err)
		}
	})
}
