package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"github.com/resshift/resshift/vocab"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/core/tile"
)

// The byte offsets of resshift_options and resshift_engine_params members
// on LP64 (include/resshift.h), for building seeds; TestStructLayout checks
// them against the header through optionsFromBytes and paramsFromBytes.
var (
	optionsLayout = map[string]int{"sampler": 8, "use_seed": 12, "seed": 16, "tile": 24, "overlap": 28, "batch": 32,
		"format": 36, "quality": 40, "strip_metadata": 44, "lossless": 48, "progress": 56, "progress_user": 64, "timeout_ms": 72}
	optionsSize  = 80
	paramsLayout = map[string]int{"config_path": 8, "model": 16, "provider": 24, "ort_library": 32,
		"intra_op_threads": 40, "inter_op_threads": 44, "concurrency": 48, "device_id": 52}
	paramsSize = 56
)

// setMember writes v (int32 or 64-bit by the member's width) at the member's offset.
func setMember(b []byte, layout map[string]int, name string, v int64) {
	switch off := layout[name]; name {
	case "seed", "progress", "progress_user", "timeout_ms", "config_path", "model", "provider", "ort_library":
		binary.NativeEndian.PutUint64(b[off:], uint64(v))
	default:
		binary.NativeEndian.PutUint32(b[off:], uint32(int32(v)))
	}
}

// withMembers returns the defaults of a struct with the given members set.
func withMembers(defaults []byte, layout map[string]int, members map[string]int64) []byte {
	b := bytes.Clone(defaults)
	for name, v := range members {
		setMember(b, layout, name, v)
	}
	return b
}

func TestStructLayout(t *testing.T) {
	if sizeField != 8 {
		t.Skip("the seeds' offsets are LP64's")
	}
	o := optionsDefaults()
	if len(o) != optionsSize {
		t.Fatalf("sizeof(resshift_options) = %d, want %d", len(o), optionsSize)
	}
	got := optionsFromBytes(withMembers(o, optionsLayout, map[string]int64{"sampler": 1, "use_seed": 2, "seed": 3 << 40,
		"tile": 4, "overlap": 5, "batch": 6, "format": 7, "quality": 8, "strip_metadata": 9, "lossless": 10,
		"progress": 11, "progress_user": 12, "timeout_ms": 13 << 40}))
	want := cOptions{sampler: 1, useSeed: 2, seed: 3 << 40, tile: 4, overlap: 5, batch: 6, format: 7, quality: 8,
		stripMetadata: 9, lossless: 10, progress: 11, progressUser: 12, timeoutMS: 13 << 40}
	if got != want {
		t.Errorf("options members at the seeds' offsets read as %+v, want %+v", got, want)
	}
	p := paramsDefaults()
	if len(p) != paramsSize {
		t.Fatalf("sizeof(resshift_engine_params) = %d, want %d", len(p), paramsSize)
	}
	gotP := paramsFromBytes(withMembers(p, paramsLayout, map[string]int64{"config_path": 1, "model": 2, "provider": 3,
		"ort_library": 4, "intra_op_threads": 5, "inter_op_threads": 6, "concurrency": 7, "device_id": 8}))
	wantP := cEngineParams{configPath: 1, model: 2, provider: 3, ortLibrary: 4, intraOpThreads: 5, interOpThreads: 6,
		concurrency: 7, deviceID: 8}
	if gotP != wantP {
		t.Errorf("params members at the seeds' offsets read as %+v, want %+v", gotP, wantP)
	}
}

// callerStruct builds the caller's memory that the library reads: a size
// member, then members, zero-padded or cut to the bytes the size rule
// reads (sizedView).
func callerStruct(size uint64, members []byte, ours int) []byte {
	src := make([]byte, sizeField, int(sizeField)+len(members))
	putSize(src, uintptr(size))
	src = append(src, members...)
	n := int(sizedView(uintptr(size), uintptr(ours)))
	if len(src) < n {
		src = append(src, make([]byte, n-len(src))...)
	}
	return src[:n]
}

// checkSizeRule runs the size rule on the caller's struct src over our
// defaults and checks its properties: the struct is refused exactly when
// its size is below the size member or more than maxStructGrowth past ours
// (INVALID_ARGUMENT, "<name>.size is ..."), or when a byte past ours is not
// zero (UNSUPPORTED naming that byte's offset); an accepted struct has our
// size, the caller's bytes up to its size and our defaults past it. It
// returns our struct, or nil when refused.
func checkSizeRule(t *testing.T, defaults, src []byte, name, initFn string) []byte {
	t.Helper()
	ours := len(defaults)
	theirs := sizeOf(src)
	c := &call{op: "resshift_fuzz"}
	dst := bytes.Clone(defaults)
	ok := c.readSizedBytes(dst, src, name, initFn)
	prefix := "resshift_fuzz: " + name
	if theirs < sizeField || theirs > uintptr(ours)+maxStructGrowth {
		if ok || c.code != stInvalid || !strings.HasPrefix(c.msg, prefix+".size is ") || !strings.Contains(c.msg, initFn) {
			t.Fatalf("size %d: ok %v, status %d %q; want INVALID_ARGUMENT %q... naming %s", theirs, ok, c.code, c.msg, prefix+".size is", initFn)
		}
		return nil
	}
	for i := ours; i < int(theirs); i++ {
		if src[i] != 0 {
			want := fmt.Sprintf("non-zero byte at offset %d of %d", i, theirs)
			if ok || c.code != stUnsupported || !strings.HasPrefix(c.msg, prefix+" has members ") || !strings.Contains(c.msg, want) {
				t.Fatalf("size %d with trailing bytes %x: ok %v, status %d %q; want UNSUPPORTED naming %q", theirs, src[ours:], ok, c.code, c.msg, want)
			}
			return nil
		}
	}
	if !ok || c.code != stOK || c.msg != "" {
		t.Fatalf("size %d refused: status %d %q", theirs, c.code, c.msg)
	}
	n := min(int(theirs), ours)
	if sizeOf(dst) != uintptr(ours) || !bytes.Equal(dst[sizeField:n], src[sizeField:n]) || !bytes.Equal(dst[n:], defaults[n:]) {
		t.Fatalf("size %d: read %x from %x over defaults %x", theirs, dst, src, defaults)
	}
	return dst
}

// FuzzOptions: the C ABI's reading of a caller's resshift_options — the size
// rule (readSizedBytes over the caller's bytes), the copy into Go
// (optionsFromBytes) and the checks (checkOptions) — never panics. The size
// rule has checkSizeRule's properties (members past the caller's size keep
// resshift_options_init's defaults; a larger size with non-zero trailing
// bytes is UNSUPPORTED). A refused value is INVALID_ARGUMENT with a message
// "options.<member>: ..." whose member is out of the header's range; accepted
// options apply every member over the engine's defaults: tiling that passes
// tile.Settings.Check, quality 0..100, strip, lossless, seed, sampler and
// format as the header says, and a budget of exactly timeout_ms >= 0
// milliseconds.
func FuzzOptions(f *testing.F) {
	defaults := optionsDefaults()
	ours := len(defaults)
	// Seeds: the structs capi/capitest and examples/c/test_capi.c pass.
	add := func(size uint64, m map[string]int64, extra ...byte) {
		if sizeField != 8 {
			return
		}
		b := append(withMembers(defaults, optionsLayout, m), extra...)
		f.Add(size, b[sizeField:])
	}
	add(uint64(ours), nil)
	add(0, nil)
	add(uint64(ours), map[string]int64{"sampler": 7})
	add(uint64(ours), map[string]int64{"tile": 6})
	add(uint64(ours), map[string]int64{"tile": 5000})
	add(uint64(ours), map[string]int64{"batch": -2})
	add(uint64(ours), map[string]int64{"overlap": -2})
	add(uint64(ours), map[string]int64{"batch": 1000})
	add(uint64(ours), map[string]int64{"quality": 101})
	add(uint64(ours)+8, nil, 0, 0, 0, 0, 0, 0, 0, 0)
	add(uint64(ours)+8, nil, 0, 0, 0, 1, 0, 0, 0, 0)
	add(uint64(optionsLayout["tile"]), map[string]int64{"tile": 6})
	add(uint64(sizeField), map[string]int64{"sampler": 7, "quality": 101})
	add(uint64(ours), map[string]int64{"format": formatJPEG, "lossless": 1})
	add(uint64(ours), map[string]int64{"format": 42})
	add(uint64(ours), map[string]int64{"format": formatWebP, "quality": 80, "strip_metadata": 1})
	add(uint64(ours), map[string]int64{"sampler": samplerStochastic, "use_seed": 1, "seed": 99, "tile": 16, "overlap": 4})
	add(uint64(ours), map[string]int64{"timeout_ms": 1000})
	add(uint64(ours), map[string]int64{"timeout_ms": math.MaxInt64})
	add(uint64(ours), map[string]int64{"timeout_ms": -1})
	add(uint64(ours)+maxStructGrowth+1, nil)

	base := core.Options{Seed: 7, Sampler: vocab.Deterministic, Tile: 64, Overlap: 8, Batch: 2}
	baseEnc := imageio.EncodeOptions{Format: "jpeg", Quality: 90, Strip: true}
	f.Fuzz(func(t *testing.T, size uint64, members []byte) {
		src := callerStruct(size, members, ours)
		dst := checkSizeRule(t, defaults, src, "options", "resshift_options_init")
		if dst == nil {
			return
		}
		o := optionsFromBytes(dst)
		c := &call{op: "resshift_fuzz"}
		opt, enc, timeout, ok := c.checkOptions(o, base, baseEnc)
		if !ok {
			valid := map[string]bool{
				"sampler":        o.sampler >= 0 && o.sampler <= 2,
				"tile":           o.tile >= -1 && o.tile <= tile.MaxTile,
				"overlap":        o.overlap >= -1 && o.overlap < tile.MaxTile,
				"batch":          o.batch >= -1 && o.batch <= tile.MaxBatch,
				"format":         o.format >= 0 && o.format <= 5,
				"quality":        o.quality >= -1 && o.quality <= 100,
				"strip_metadata": o.stripMetadata >= -1 && o.stripMetadata <= 1,
				"timeout_ms":     o.timeoutMS >= 0 && o.timeoutMS <= math.MaxInt64/int64(time.Millisecond),
			}
			member, _, _ := strings.Cut(strings.TrimPrefix(c.msg, "resshift_fuzz: options."), ":")
			if c.code != stInvalid || !strings.HasPrefix(c.msg, "resshift_fuzz: options.") {
				t.Fatalf("%+v refused with status %d %q", o, c.code, c.msg)
			}
			if v, known := valid[member]; !known || v {
				t.Fatalf("%+v refused naming %q, which is not an out-of-range member: %q", o, member, c.msg)
			}
			return
		}
		if c.code != stOK || c.msg != "" {
			t.Fatalf("accepted with status %d %q", c.code, c.msg)
		}
		if sizeOf(src) == sizeField || bytes.Equal(dst, defaults) { // nothing set: the engine's options unchanged
			if opt.Sampler != base.Sampler || opt.Seed != base.Seed || opt.Tiling() != base.Tiling() || enc != baseEnc || timeout != 0 {
				t.Fatalf("the defaults changed the options: %+v %+v %v", opt, enc, timeout)
			}
		}
		if ps := opt.Tiling().Check(); len(ps) > 0 || opt.Tiling() != cTiling(o.tile, o.overlap, o.batch).Over(base.Tiling()) {
			t.Fatalf("tiling %+v from %+v: %v", opt.Tiling(), o, ps)
		}
		wantSampler := map[int32]string{samplerDefault: base.Sampler.String(), samplerDeterministic: "deterministic", samplerStochastic: "stochastic"}[o.sampler]
		wantSeed := base.Seed
		if o.useSeed != 0 {
			wantSeed = o.seed
		}
		if fmt.Sprint(opt.Sampler) != wantSampler || opt.Seed != wantSeed {
			t.Fatalf("sampler %q seed %d from %+v", opt.Sampler, opt.Seed, o)
		}
		wantFormat := map[int32]string{formatDefault: baseEnc.Format, formatSame: "", formatPNG: "png", formatJPEG: "jpeg",
			formatWebP: "webp", formatTIFF: "tiff"}[o.format]
		if fmt.Sprint(enc.Format) != wantFormat || enc.Quality < 0 || enc.Quality > 100 ||
			(o.quality != rsDefault && enc.Quality != int(o.quality)) || (o.quality == rsDefault && enc.Quality != baseEnc.Quality) ||
			enc.Strip != (o.stripMetadata == 1 || o.stripMetadata == rsDefault && baseEnc.Strip) || enc.Lossless != (o.lossless != 0) {
			t.Fatalf("encoder options %+v from %+v", enc, o)
		}
		if timeout < 0 || timeout.Milliseconds() != o.timeoutMS || timeout%time.Millisecond != 0 {
			t.Fatalf("budget %v from timeout_ms %d", timeout, o.timeoutMS)
		}
	})
}

// FuzzEngineParams: the C ABI's reading of a caller's resshift_engine_params
// (the size rule, paramsFromBytes, checkParams on the numeric members; the
// strings are C pointers, read only by the cgo side) never panics. The size
// rule has checkSizeRule's properties; a refused value is INVALID_ARGUMENT
// with a message "params.<member>: ..." whose member is below its minimum,
// leaving the runtime config unchanged; accepted values set each member that
// is not RESSHIFT_DEFAULT (>= 0; concurrency >= 1) and keep the rest.
func FuzzEngineParams(f *testing.F) {
	defaults := paramsDefaults()
	ours := len(defaults)
	add := func(size uint64, m map[string]int64) {
		if sizeField == 8 {
			f.Add(size, withMembers(defaults, paramsLayout, m)[sizeField:])
		}
	}
	add(uint64(ours), nil)
	add(0, nil)
	add(uint64(ours), map[string]int64{"intra_op_threads": 1, "concurrency": 2})
	add(uint64(ours), map[string]int64{"concurrency": 0})
	add(uint64(ours), map[string]int64{"device_id": -2})
	add(uint64(paramsLayout["concurrency"]), map[string]int64{"concurrency": 0})
	add(uint64(ours)+4, nil)

	base := ort.Config{IntraOpThreads: 3, InterOpThreads: 4, Concurrency: 5, DeviceID: 6, Provider: "cpu"}
	f.Fuzz(func(t *testing.T, size uint64, members []byte) {
		dst := checkSizeRule(t, defaults, callerStruct(size, members, ours), "params", "resshift_engine_params_init")
		if dst == nil {
			return
		}
		p := paramsFromBytes(dst)
		c := &call{op: "resshift_fuzz"}
		rt := base
		vals := []struct {
			name string
			v    int32
			got  int
			base int
			min  int32
		}{
			{"intra_op_threads", p.intraOpThreads, 0, base.IntraOpThreads, 0},
			{"inter_op_threads", p.interOpThreads, 0, base.InterOpThreads, 0},
			{"concurrency", p.concurrency, 0, base.Concurrency, 1},
			{"device_id", p.deviceID, 0, base.DeviceID, 0},
		}
		if !c.checkParams(p, &rt) {
			member, _, _ := strings.Cut(strings.TrimPrefix(c.msg, "resshift_fuzz: params."), ":")
			named := false
			for _, v := range vals {
				named = named || (v.name == member && v.v != rsDefault && v.v < v.min)
			}
			if c.code != stInvalid || !strings.HasPrefix(c.msg, "resshift_fuzz: params.") || !named || rt != base {
				t.Fatalf("%+v refused with status %d %q (runtime config %+v)", p, c.code, c.msg, rt)
			}
			return
		}
		vals[0].got, vals[1].got, vals[2].got, vals[3].got = rt.IntraOpThreads, rt.InterOpThreads, rt.Concurrency, rt.DeviceID
		for _, v := range vals {
			if (v.v == rsDefault && v.got != v.base) || (v.v != rsDefault && (v.got != int(v.v) || v.v < v.min)) {
				t.Fatalf("%s %d gave %d (configured %d)", v.name, v.v, v.got, v.base)
			}
		}
		if rt.Provider != base.Provider {
			t.Fatalf("provider changed to %q", rt.Provider)
		}
	})
}
