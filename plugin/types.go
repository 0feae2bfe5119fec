package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/resshift/resshift/core/tile"
	"github.com/resshift/resshift/vocab"
)

// Upscaler is the plugin contract. The gRPC client dispensed to hosts, [*Host]
// and the in-process implementation in plugin/local all satisfy it, so a host
// can switch between in-process and out-of-process with one constructor.
//
// Implementations are safe for concurrent use by many goroutines.
type Upscaler interface {
	// Upscale decodes req.Image, upscales it by the model's scale and returns
	// the encoded result. Errors match ErrInvalidInput (and ErrTooLarge for
	// limits), ErrCanceled (ctx done, or Progress returned an error),
	// ErrUnavailable (the plugin process is gone) or ErrInternal.
	Upscale(ctx context.Context, req Request) (Response, error)
	// Info describes the model, the defaults and the limits.
	Info(ctx context.Context) (Info, error)
}

// Request is one upscale call.
type Request struct {
	// Image is an encoded image (JPEG, PNG, WebP, TIFF, GIF, HEIF/AVIF first
	// page). It is only read, and not retained after Upscale returns.
	Image []byte
	// Options tune the call; the zero value uses the plugin's configured defaults.
	Options Options
	// Progress, when set, is called from the goroutine that called Upscale
	// after every batch of tiles. Returning a non-nil error cancels the
	// call, which then fails with an error matching ErrCanceled.
	Progress func(Progress) error
}

// Options of one request. Zero values (and nil pointers) mean the plugin's
// configured default; Info.Defaults reports those. The zero Sampler
// (vocab.SamplerDefault) and the zero Format (vocab.FormatAuto) are "unset";
// on the wire they travel as their names (an absent sampler, an empty
// format), which the plugin reads into these types once, refusing a bad
// name with an ErrInvalidInput error naming it. Set them from the vocab
// constants: Validate refuses a non-canonical Format("jpg") (read a name
// with ParseOutputFormat).
type Options struct {
	Sampler vocab.Sampler // vocab.Stochastic | vocab.Deterministic; vocab.SamplerDefault = the plugin's
	Seed    *uint64       // noise seed
	Tile    int           // LR tile side
	Overlap *int          // LR overlap between tiles; nil or -1 (tile.OverlapDefault) = the default
	Batch   int           // tiles per ONNX Runtime call

	Format        vocab.Format // output, one of OutputFormats; vocab.FormatAuto = the plugin's output.format, else the input's
	Quality       int          // JPEG/WebP quality 1..100
	Lossless      bool         // lossless WebP
	StripMetadata bool         // drop ICC/EXIF/XMP/IPTC from the output

	// MaxInputPixels is a tighter input limit (width×height) for this
	// request, checked from the image header before any pixel is decoded;
	// 0 = the plugin's limit. It cannot raise the plugin's limit.
	MaxInputPixels int64
}

// Tiling returns the tiling values as a tile.Settings: a nil Overlap is
// tile.OverlapDefault, and so is an Overlap of -1 (the spelling of the
// default in the TOML config, the CLI and the C options).
func (o Options) Tiling() tile.Settings {
	s := tile.Settings{Tile: o.Tile, Overlap: tile.OverlapDefault, Batch: o.Batch}
	if o.Overlap != nil {
		s.Overlap = *o.Overlap
	}
	return s
}

// Validate checks the options that can be checked without the model (the
// plugin checks the rest: tile and batch against the model); the tiling
// limits are tile.Settings.Check's.
func (o Options) Validate() error {
	var bad []string
	if o.Sampler != vocab.SamplerDefault && !o.Sampler.Valid() {
		bad = append(bad, samplerProblem(o.Sampler.String()))
	}
	for _, p := range o.Tiling().Check() {
		bad = append(bad, p.String())
	}
	if o.Format != vocab.FormatAuto && !slices.Contains(OutputFormats, o.Format) {
		bad = append(bad, formatProblem(string(o.Format)))
	}
	if o.Quality < 0 || o.Quality > 100 {
		bad = append(bad, fmt.Sprintf("quality: must be 0 (default) or 1..100, got %d", o.Quality))
	}
	if o.MaxInputPixels < 0 {
		bad = append(bad, fmt.Sprintf("max input pixels: must be >= 0, got %d", o.MaxInputPixels))
	}
	if len(bad) > 0 {
		return &Error{Kind: ErrInvalidInput, Msg: "plugin: options: " + strings.Join(bad, "; ")}
	}
	return nil
}

// OutputFormats are the output formats a request may ask for: not AVIF or
// HEIF, whose encoders a plugin's libvips may lack.
var OutputFormats = []vocab.Format{vocab.PNG, vocab.JPEG, vocab.WebP, vocab.TIFF}

// ParseOutputFormat reads a request's output format name with
// vocab.ParseFormat (aliases included; "" is vocab.FormatAuto, the plugin's
// default) and refuses a format not in OutputFormats with an
// ErrInvalidInput error naming it. The plugin reads the wire's format with
// it; hosts that take a format name from their own callers (a URL, a form)
// can too.
func ParseOutputFormat(s string) (vocab.Format, error) {
	f, err := vocab.ParseFormat(s)
	if err != nil || (f != vocab.FormatAuto && !slices.Contains(OutputFormats, f)) {
		return vocab.FormatAuto, &Error{Kind: ErrInvalidInput, Msg: formatProblem(s)}
	}
	return f, nil
}

// parseSampler reads the wire's sampler name: "" is vocab.SamplerDefault.
func parseSampler(s string) (vocab.Sampler, error) {
	if s == "" {
		return vocab.SamplerDefault, nil
	}
	k, err := vocab.ParseSampler(s)
	if err != nil {
		return vocab.SamplerDefault, &Error{Kind: ErrInvalidInput, Msg: samplerProblem(s)}
	}
	return k, nil
}

func samplerProblem(got string) string {
	return fmt.Sprintf("sampler: want deterministic or stochastic, got %q", got)
}

func formatProblem(got string) string {
	return fmt.Sprintf("format: want png, jpeg, webp or tiff, got %q", got)
}

// Progress reports the state of an Upscale call (the shared vocabulary's).
type Progress = vocab.Progress

// Response is the result of an Upscale call.
type Response struct {
	Image         []byte       // the encoded result, owned by the caller
	Format        vocab.Format // the format of Image: one of OutputFormats
	Width, Height int          // size of the result in pixels
	Stats         Stats
}

// ContentType is the MIME type of the encoded result.
func (r Response) ContentType() string { return r.Format.MIME() }

// Stats are the engine's timings of one call (the shared vocabulary's);
// Total is decode, upscale and encode in the plugin.
type Stats = vocab.Stats

// Info describes the plugin's model (the shared vocab.ModelInfo, as
// core.Info has it), defaults and limits.
type Info struct {
	vocab.ModelInfo
	// Defaults are the options a request gets for its unset fields (all set).
	Defaults Options
	// Effective limits; 0 = none.
	MaxInputPixels, MaxInputBytes, MaxOutputPixels int64
	// PID is the plugin's process id (the host's own for in-process upscalers).
	PID int
}
