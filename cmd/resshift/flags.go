package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/core/tile"
	"github.com/resshift/resshift/vocab"
)

// newFlags returns a flag set whose errors come back to the caller (nothing
// is printed by the flag package itself); usage is the text printed by -h
// before the flag list.
func newFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	usages[fs] = usage
	return fs
}

// usages holds the -h text of every flag set (flag.FlagSet has no field for it).
var usages = map[*flag.FlagSet]string{}

// printUsage writes the usage text and the flags of fs to w.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, strings.TrimRight(usages[fs], "\n"))
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parse parses args with flags and positional arguments in any order ("--"
// ends the flags). -h prints the usage to stdout and returns errHelp.
func parse(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			printUsage(e.stdout, fs)
			return nil, errHelp
		}
		if err != nil {
			return nil, usagef(fs.Name(), "%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// errHelp: -h was asked for and the usage printed; the command exits 0.
var errHelp = errors.New("help printed")

// helpOK turns errHelp into success.
func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// engineFlags are the flags that configure the engine, shared by upscale,
// bench and eval. They override the config file and the environment.
type engineFlags struct {
	config        string
	model         string
	seed          uint64
	sampler       string
	tile          int
	overlap       int
	batch         int
	threads       int
	provider      string
	allowFallback bool
	format        string
	quality       int
	strip         bool

	kind      vocab.Sampler // --sampler, parsed by check
	outFormat vocab.Format  // --format, parsed by check

	groups int             // flag groups registered
	set    map[string]bool // flags given on the command line (of those registered)
}

// flag groups for register.
const (
	withSeed    = 1 << iota // --seed
	withSampler             // --sampler
	withOutput              // --format, --quality, --strip
)

func (f *engineFlags) register(fs *flag.FlagSet, groups int) {
	f.groups = groups
	def := core.DefaultConfig() // the help states the code's defaults (TestHelpDefaultsMatchCode)
	fs.StringVar(&f.config, "config", "", "TOML config `file` (see configs/default.toml)")
	fs.StringVar(&f.model, "model", "", modelUsage)
	if groups&withSeed != 0 {
		fs.Uint64Var(&f.seed, "seed", 0, fmt.Sprintf("noise seed (default from config: %d)", def.Sampler.Seed))
	}
	if groups&withSampler != 0 {
		fs.StringVar(&f.sampler, "sampler", "", "sampler: deterministic or stochastic (default from config: "+def.Sampler.Kind.String()+")")
	}
	fs.IntVar(&f.tile, "tile", 0, "LR tile side in pixels, a multiple of the model's padding multiple (default: the model's)")
	fs.IntVar(&f.overlap, "overlap", 0, "LR overlap between tiles in pixels, or -1 for the default (default: the model's)")
	fs.IntVar(&f.batch, "batch", 0, fmt.Sprintf("tiles per ONNX Runtime call (default %d)", max(def.Tiling.Batch, 1)))
	fs.IntVar(&f.threads, "threads", 0, "ONNX Runtime intra-op threads (0 = one per core)")
	fs.StringVar(&f.provider, "provider", "", "execution provider: cpu, cuda or tensorrt (default "+def.Runtime.Provider+")")
	fs.BoolVar(&f.allowFallback, "allow-fallback", false, "fall back to the CPU (with a warning) when the provider cannot load")
	if groups&withOutput != 0 {
		fs.StringVar(&f.format, "format", "", "output format: png, jpeg, webp, tiff, avif or heif (avif/heif where libvips can write them; default: the output file's extension, else the input's format)")
		fs.IntVar(&f.quality, "quality", 0, fmt.Sprintf("JPEG/WebP/AVIF/HEIF quality 1..100 (default %d JPEG, %d WebP, %d AVIF/HEIF)",
			imageio.DefaultJPEGQuality, imageio.DefaultWebPQuality, imageio.DefaultHEIFQuality))
		fs.BoolVar(&f.strip, "strip", false, "drop metadata (EXIF, XMP, IPTC, ICC)")
	}
}

// recordSet remembers which flags were given; call after parse.
func (f *engineFlags) recordSet(fs *flag.FlagSet) {
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
}

// check validates the flag values themselves (usage errors, exit 2).
func (f *engineFlags) check(cmd string) error {
	var msgs []string
	bad := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	if f.set["sampler"] && f.groups&withSampler != 0 {
		var err error
		if f.kind, err = vocab.ParseSampler(f.sampler); err != nil {
			bad("--sampler %q: want deterministic or stochastic", f.sampler)
		}
	}
	vals := map[string]int{"tile": f.tile, "overlap": f.overlap, "batch": f.batch}
	for _, p := range f.tiling().Check() {
		bad("--%s %d: %s", p.Field, vals[p.Field], p.Msg)
	}
	if f.set["threads"] && (f.threads < 0 || f.threads > 1024) {
		bad("--threads %d: must be in 0..1024 (0 = one per core)", f.threads)
	}
	if f.set["provider"] && !slices.Contains([]string{ort.ProviderCPU, ort.ProviderCUDA, ort.ProviderTensorRT}, f.provider) {
		bad("--provider %q: want cpu, cuda or tensorrt", f.provider)
	}
	if f.set["format"] {
		var ok bool
		if f.outFormat, ok = canonicalFormat(f.format); !ok {
			bad("--format %q: want png, jpeg, webp, tiff, avif or heif", f.format)
		}
	}
	if f.set["quality"] && (f.quality < 1 || f.quality > 100) {
		bad("--quality %d: must be in 1..100", f.quality)
	}
	if len(msgs) > 0 {
		return usagef(cmd, "%s", strings.Join(msgs, "; "))
	}
	return nil
}

// tiling returns the tiling flags as a tile.Settings: a flag not given, or
// given its default spelling (--tile 0, --overlap -1, --batch 0), asks for
// the default.
func (f *engineFlags) tiling() tile.Settings {
	s := tile.DefaultSettings
	if f.set["tile"] {
		s.Tile = f.tile
	}
	if f.set["overlap"] {
		s.Overlap = f.overlap
	}
	if f.set["batch"] {
		s.Batch = f.batch
	}
	return s
}

// loadConfig returns the configuration: defaults, then --config, then
// RESSHIFT_* variables, then the flags (as check parsed them; call check
// first), validated.
func (f *engineFlags) loadConfig() (core.Config, error) {
	cfg, err := core.LoadConfig(f.config)
	if err != nil {
		return cfg, err
	}
	s := f.set
	if s["model"] {
		cfg.Model = f.model
	}
	if s["seed"] {
		cfg.Sampler.Seed = f.seed
	}
	if s["sampler"] && f.groups&withSampler != 0 {
		cfg.Sampler.Kind = f.kind
	}
	t := f.tiling().Over(cfg.Tiling.Settings())
	cfg.Tiling.Tile, cfg.Tiling.Overlap, cfg.Tiling.Batch = t.Tile, t.Overlap, t.Batch
	if s["threads"] {
		cfg.Runtime.IntraOpThreads = f.threads
	}
	if s["provider"] {
		cfg.Runtime.Provider = f.provider
	}
	if s["allow-fallback"] {
		cfg.Runtime.AllowFallback = f.allowFallback
	}
	if s["format"] {
		cfg.Output.Format = f.outFormat
	}
	if s["quality"] {
		cfg.Output.Quality = f.quality
	}
	if s["strip"] {
		cfg.Output.StripMetadata = f.strip
	}
	return cfg, cfg.Validate()
}

// newEngine creates the engine for cfg. A provider that cannot load is
// reported with the provider's name and the way out.
func newEngine(e *env, cfg core.Config) (*core.Engine, error) {
	eng, err := core.New(cfg, e.log)
	if err != nil {
		var pe *ort.ProviderError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("provider %q cannot be used: %w", pe.Provider, err)
		}
		return nil, err
	}
	return eng, nil
}

// options returns the engine's configured per-call options with the tiling
// flags applied (also for fixed-shape models, whose configured tile is
// otherwise ignored, so that a wrong --tile is reported rather than dropped),
// checked against the model. The error names the flag or the config key.
func (f *engineFlags) options(cmd string, eng *core.Engine) (core.Options, error) {
	s := f.tiling()
	o := eng.Options().With(s)
	// A smaller tile than the model's default overlap allows: shrink the
	// default overlap rather than refuse a tile the user chose.
	if !s.Sets("overlap") && eng.Config().Tiling.Overlap == tile.OverlapDefault && o.Overlap >= o.Tile {
		o.Overlap = o.Tile / 4
	}
	var ce *core.OptionError
	if err := eng.CheckOptions(o); errors.As(err, &ce) {
		if s.Sets(ce.Field) || ce.Field == "sampler" && f.set["sampler"] {
			return o, usagef(cmd, "--%s %s", ce.Field, ce.Msg)
		}
		return o, fmt.Errorf("config: %s %s", ce.Field, ce.Msg)
	}
	return o, nil
}

// canonicalFormat is vocab.ParseFormat for a name that must name a format
// ("" does not): png, jpeg, webp, tiff, avif or heif, from a name or alias.
func canonicalFormat(s string) (vocab.Format, bool) {
	f, err := vocab.ParseFormat(s)
	return f, err == nil && f != vocab.FormatAuto
}

// interrupted reports whether ctx was cancelled (Ctrl-C).
func interrupted(ctx context.Context) bool { return ctx.Err() != nil }
