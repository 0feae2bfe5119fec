package main

import (
	"math"
	"time"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/core/tile"
	"github.com/resshift/resshift/vocab"
)

// The values of include/resshift.h that the option checks read, in Go so
// that the checks run without cgo (fuzz tests); capi/cdefs.go asserts at
// compile time that they equal the header's.
const (
	rsDefault = -1 // RESSHIFT_DEFAULT

	samplerDefault       = 0 // RESSHIFT_SAMPLER_DEFAULT
	samplerDeterministic = 1 // RESSHIFT_SAMPLER_DETERMINISTIC
	samplerStochastic    = 2 // RESSHIFT_SAMPLER_STOCHASTIC

	formatDefault = 0 // RESSHIFT_FORMAT_DEFAULT
	formatSame    = 1 // RESSHIFT_FORMAT_SAME
	formatPNG     = 2 // RESSHIFT_FORMAT_PNG
	formatJPEG    = 3 // RESSHIFT_FORMAT_JPEG
	formatWebP    = 4 // RESSHIFT_FORMAT_WEBP
	formatTIFF    = 5 // RESSHIFT_FORMAT_TIFF
)

// cOptions is a plain Go copy of a caller's resshift_options (after the size
// rule, readSizedBytes), made by optionsFromBytes. progress and progressUser
// are C addresses, held as integers so that the Go garbage collector never
// sees them (in a fuzz test they are arbitrary bytes); only the cgo side
// uses them (cPointer), checkOptions never reads them.
type cOptions struct {
	sampler, useSeed                         int32
	seed                                     uint64
	tile, overlap, batch                     int32
	format, quality, stripMetadata, lossless int32
	progress, progressUser                   uintptr
	timeoutMS                                int64
}

// cTiling reads the C options' tiling values as a tile.Settings:
// RESSHIFT_DEFAULT (-1) is the default of each (0 for tile and batch,
// tile.OverlapDefault, also -1, for overlap).
func cTiling(t, overlap, batch int32) tile.Settings {
	s := tile.Settings{Tile: int(t), Overlap: int(overlap), Batch: int(batch)}
	if t == rsDefault {
		s.Tile = 0
	}
	if batch == rsDefault {
		s.Batch = 0
	}
	return s
}

// checkOptions checks a caller's options and applies them over the engine's
// configured per-call and encoder options (opt, enc); it returns them and the
// call's time budget (0 = none). A bad value records INVALID_ARGUMENT with a
// message starting "options.<member>" and returns false. The progress
// callback is left to the caller (cgo). On success the tiling values pass
// tile.Settings.Check, enc.Quality is within 0..100 and the budget is >= 0
// (timeout_ms milliseconds, refused where that overflows a time.Duration).
func (c *call) checkOptions(o cOptions, opt core.Options, enc imageio.EncodeOptions) (core.Options, imageio.EncodeOptions, time.Duration, bool) {
	bad := func(format string, args ...any) (core.Options, imageio.EncodeOptions, time.Duration, bool) {
		c.fail(stInvalid, "options."+format, args...)
		return opt, enc, 0, false
	}
	switch o.sampler {
	case samplerDefault:
	case samplerDeterministic:
		opt.Sampler = vocab.Deterministic
	case samplerStochastic:
		opt.Sampler = vocab.Stochastic
	default:
		return bad("sampler: must be RESSHIFT_SAMPLER_DEFAULT (0), _DETERMINISTIC (1) or _STOCHASTIC (2), got %d", o.sampler)
	}
	if o.useSeed != 0 {
		opt.Seed = o.seed
	}
	ts := cTiling(o.tile, o.overlap, o.batch)
	if ps := ts.Check(); len(ps) > 0 {
		if ps[0].Field != "overlap" {
			ps[0].Msg += " (or RESSHIFT_DEFAULT, -1)"
		}
		return bad("%s", ps[0])
	}
	opt = opt.With(ts)
	switch o.format {
	case formatDefault:
	case formatSame:
		enc.Format = ""
	case formatPNG:
		enc.Format = vocab.PNG.String()
	case formatJPEG:
		enc.Format = vocab.JPEG.String()
	case formatWebP:
		enc.Format = vocab.WebP.String()
	case formatTIFF:
		enc.Format = vocab.TIFF.String()
	default:
		return bad("format: must be a resshift_format (0..5), got %d", o.format)
	}
	switch {
	case o.quality == rsDefault:
	case o.quality >= 0 && o.quality <= 100:
		enc.Quality = int(o.quality)
	default:
		return bad("quality: must be 1..100, 0 (format default) or RESSHIFT_DEFAULT (-1), got %d", o.quality)
	}
	switch o.stripMetadata {
	case rsDefault:
	case 0, 1:
		enc.Strip = o.stripMetadata == 1
	default:
		return bad("strip_metadata: must be 0, 1 or RESSHIFT_DEFAULT (-1), got %d", o.stripMetadata)
	}
	enc.Lossless = o.lossless != 0
	if o.timeoutMS < 0 || o.timeoutMS > math.MaxInt64/int64(time.Millisecond) {
		return bad("timeout_ms: must be >= 0 (0 = no limit), got %d", o.timeoutMS)
	}
	return opt, enc, time.Duration(o.timeoutMS) * time.Millisecond, true
}

// cEngineParams is a plain Go copy of a caller's resshift_engine_params
// (after the size rule), made by paramsFromBytes. The strings are C
// addresses (0 = not set), held as integers like cOptions.progress, that only
// the cgo side reads (goString).
type cEngineParams struct {
	configPath, model, provider, ortLibrary               uintptr
	intraOpThreads, interOpThreads, concurrency, deviceID int32
}

// checkParams checks the numeric members of a caller's engine parameters and
// applies those that are not RESSHIFT_DEFAULT to rt. A bad value records
// INVALID_ARGUMENT with a message starting "params.<member>" and returns
// false, leaving rt unchanged. On success every value set is >= its minimum
// (0, or 1 for concurrency).
func (c *call) checkParams(p cEngineParams, rt *ort.Config) bool {
	fields := []struct {
		name string
		v    int32
		dst  *int
		min  int
	}{
		{"intra_op_threads", p.intraOpThreads, &rt.IntraOpThreads, 0},
		{"inter_op_threads", p.interOpThreads, &rt.InterOpThreads, 0},
		{"concurrency", p.concurrency, &rt.Concurrency, 1},
		{"device_id", p.deviceID, &rt.DeviceID, 0},
	}
	for _, f := range fields {
		if f.v != rsDefault && int(f.v) < f.min {
			c.fail(stInvalid, "params.%s: must be >= %d or RESSHIFT_DEFAULT (-1), got %d", f.name, f.min, f.v)
			return false
		}
	}
	for _, f := range fields {
		if f.v != rsDefault {
			*f.dst = int(f.v)
		}
	}
	return true
}
