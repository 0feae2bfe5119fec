package plugin

import (
	"time"

	pb "github.com/resshift/resshift/plugin/proto"
)

func optionsToProto(o Options) *pb.Options {
	p := &pb.Options{Format: o.Format, Quality: int32(o.Quality), Lossless: o.Lossless,
		StripMetadata: o.StripMetadata, MaxInputPixels: o.MaxInputPixels, Seed: o.Seed}
	if o.Sampler != "" {
		p.Sampler = &o.Sampler
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
// are the zero Options, "use the defaults".
func optionsFromProto(p *pb.Options) Options {
	if p == nil {
		return Options{}
	}
	o := Options{Sampler: p.GetSampler(), Tile: int(p.GetTile()), Batch: int(p.GetBatch()),
		Format: p.GetFormat(), Quality: int(p.GetQuality()), Lossless: p.GetLossless(),
		StripMetadata: p.GetStripMetadata(), MaxInputPixels: p.GetMaxInputPixels()}
	if p.Seed != nil {
		v := *p.Seed
		o.Seed = &v
	}
	if p.Overlap != nil {
		v := int(*p.Overlap)
		o.Overlap = &v
	}
	return o
}

func infoToProto(i Info) *pb.InfoResponse {
	return &pb.InfoResponse{Model: i.Model, Version: i.Version, Description: i.Description, License: i.License,
		Scale: int32(i.Scale), Space: i.Space, Steps: int32(i.Steps), Provider: i.Provider, OrtVersion: i.ORTVersion,
		Defaults: optionsToProto(i.Defaults), MaxInputPixels: i.MaxInputPixels, MaxInputBytes: i.MaxInputBytes,
		MaxOutputPixels: i.MaxOutputPixels, Pid: int64(i.PID)}
}

func infoFromProto(p *pb.InfoResponse) Info {
	return Info{Model: p.GetModel(), Version: p.GetVersion(), Description: p.GetDescription(), License: p.GetLicense(),
		Scale: int(p.GetScale()), Space: p.GetSpace(), Steps: int(p.GetSteps()), Provider: p.GetProvider(),
		ORTVersion: p.GetOrtVersion(), Defaults: optionsFromProto(p.GetDefaults()), MaxInputPixels: p.GetMaxInputPixels(),
		MaxInputBytes: p.GetMaxInputBytes(), MaxOutputPixels: p.GetMaxOutputPixels(), PID: int(p.GetPid())}
}

func progressToProto(p Progress) *pb.Progress {
	return &pb.Progress{TilesDone: int32(p.TilesDone), Tiles: int32(p.Tiles), Step: int32(p.Step), Steps: int32(p.Steps)}
}

func progressFromProto(p *pb.Progress) Progress {
	return Progress{TilesDone: int(p.GetTilesDone()), Tiles: int(p.GetTiles()), Step: int(p.GetStep()), Steps: int(p.GetSteps())}
}

func resultToProto(r Response) *pb.ResultHeader {
	s := r.Stats
	return &pb.ResultHeader{Size: int64(len(r.Image)), Format: r.Format, Width: int32(r.Width), Height: int32(r.Height),
		Stats: &pb.Stats{Tiles: int32(s.Tiles), Batches: int32(s.Batches), DenoiserCalls: int32(s.DenoiserCalls),
			OrtNanos: int64(s.ORT), TotalNanos: int64(s.Total)}}
}

func resultFromProto(p *pb.ResultHeader) Response {
	s := p.GetStats()
	return Response{Format: p.GetFormat(), Width: int(p.GetWidth()), Height: int(p.GetHeight()),
		Stats: Stats{Tiles: int(s.GetTiles()), Batches: int(s.GetBatches()), DenoiserCalls: int(s.GetDenoiserCalls()),
			ORT: time.Duration(s.GetOrtNanos()), Total: time.Duration(s.GetTotalNanos())}}
}
