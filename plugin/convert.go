package plugin

import (
	"strings"
	"time"

	pb "github.com/resshift/resshift/plugin/proto"
	"github.com/resshift/resshift/vocab"
)

// optionsToProto converts request options to the wire: the sampler and the
// format travel as their names (an unset sampler as an absent field, an
// unset format as "").
func optionsToProto(o Options) *pb.Options {
	p := &pb.Options{Format: o.Format.String(), Quality: int32(o.Quality), Lossless: o.Lossless,
		StripMetadata: o.StripMetadata, MaxInputPixels: o.MaxInputPixels, Seed: o.Seed}
	if o.Sampler != vocab.SamplerDefault {
		s := o.Sampler.String()
		p.Sampler = &s
	}
	if o.Tile != 0 {
		v := int32(o.Tile)
		p.Tile = &v
	}
	if o.Overlap != nil {
		v := int32(*o.Overlap)
		p.Overlap = &v
	}
	if o.Batch != 0 {
		v := int32(o.Batch)
		p.Batch = &v
	}
	return p
}

// optionsFromProto converts request options; absent options (nil: a header or an InfoResponse without them)
// are the zero Options, "use the defaults". It reads the sampler and format names once (an absent or empty
// name is unset); a bad name is an ErrInvalidInput *Error "plugin: options: ..." naming it (both when both are
// bad), in Options.Validate's words.
func optionsFromProto(p *pb.Options) (Options, error) {
	if p == nil {
		return Options{}, nil
	}
	var bad []string
	smp, err := parseSampler(p.GetSampler())
	if err != nil {
		bad = append(bad, err.(*Error).Msg)
	}
	// Any format name reads here (Info.Defaults may carry the plugin's avif or heif output.format);
	// Options.Validate refuses the formats a request may not ask for, in the same words.
	f, err := vocab.ParseFormat(p.GetFormat())
	if err != nil {
		bad = append(bad, formatProblem(p.GetFormat()))
	}
	if len(bad) > 0 {
		return Options{}, &Error{Kind: ErrInvalidInput, Msg: "plugin: options: " + strings.Join(bad, "; ")}
	}
	o := Options{Sampler: smp, Tile: int(p.GetTile()), Batch: int(p.GetBatch()),
		Format: f, Quality: int(p.GetQuality()), Lossless: p.GetLossless(),
		StripMetadata: p.GetStripMetadata(), MaxInputPixels: p.GetMaxInputPixels()}
	if p.Seed != nil {
		v := *p.Seed
		o.Seed = &v
	}
	if p.Overlap != nil {
		v := int(*p.Overlap)
		o.Overlap = &v
	}
	return o, nil
}

// infoToProto and infoFromProto carry Info; the defaults travel as request options (optionsToProto).
func infoToProto(i Info) *pb.InfoResponse {
	return &pb.InfoResponse{Model: i.Model, Version: i.Version, Description: i.Description, License: i.License,
		Scale: int32(i.Scale), Space: i.Space, Steps: int32(i.Steps), Provider: i.Provider, OrtVersion: i.ORTVersion,
		Defaults: optionsToProto(i.Defaults), MaxInputPixels: i.MaxInputPixels, MaxInputBytes: i.MaxInputBytes,
		MaxOutputPixels: i.MaxOutputPixels, Pid: int64(i.PID)}
}

// infoFromProto fails only on defaults the host cannot read (a bad sampler or format name).
func infoFromProto(p *pb.InfoResponse) (Info, error) {
	d, err := optionsFromProto(p.GetDefaults())
	if err != nil {
		return Info{}, err
	}
	return Info{ModelInfo: vocab.ModelInfo{Model: p.GetModel(), Version: p.GetVersion(), Description: p.GetDescription(),
		License: p.GetLicense(), Scale: int(p.GetScale()), Space: p.GetSpace(), Steps: int(p.GetSteps()),
		Provider: p.GetProvider(), ORTVersion: p.GetOrtVersion()},
		Defaults: d, MaxInputPixels: p.GetMaxInputPixels(), MaxInputBytes: p.GetMaxInputBytes(),
		MaxOutputPixels: p.GetMaxOutputPixels(), PID: int(p.GetPid())}, nil
}

func progressToProto(p Progress) *pb.Progress {
	return &pb.Progress{TilesDone: int32(p.TilesDone), Tiles: int32(p.Tiles), Step: int32(p.Step), Steps: int32(p.Steps)}
}

func progressFromProto(p *pb.Progress) Progress {
	return Progress{TilesDone: int(p.GetTilesDone()), Tiles: int(p.GetTiles()), Step: int(p.GetStep()), Steps: int(p.GetSteps())}
}

func resultToProto(r Response) *pb.ResultHeader {
	s := r.Stats
	return &pb.ResultHeader{Size: int64(len(r.Image)), Format: r.Format.String(), Width: int32(r.Width), Height: int32(r.Height),
		Stats: &pb.Stats{Tiles: int32(s.Tiles), Batches: int32(s.Batches), DenoiserCalls: int32(s.DenoiserCalls),
			OrtNanos: int64(s.ORT), TotalNanos: int64(s.Total)}}
}

// resultFromProto reads the result's format name as the plugin wrote it (vocab.Format.String); the host
// does not refuse a name it does not know.
func resultFromProto(p *pb.ResultHeader) Response {
	s := p.GetStats()
	return Response{Format: vocab.Format(p.GetFormat()), Width: int(p.GetWidth()), Height: int(p.GetHeight()),
		Stats: Stats{Tiles: int(s.GetTiles()), Batches: int(s.GetBatches()), DenoiserCalls: int(s.GetDenoiserCalls()),
			ORT: time.Duration(s.GetOrtNanos()), Total: time.Duration(s.GetTotalNanos())}}
}
