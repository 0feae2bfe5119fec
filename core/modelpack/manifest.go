// Package modelpack reads and validates model packs: a directory (or an fs.FS) holding a model.toml manifest
// and the ONNX graphs it names. The format is documented in docs/model-pack.md; this package is its
// reference implementation. It is pure Go (no cgo).
package modelpack

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/resshift/resshift/core/tile"
)

// ManifestFile is the name of the manifest inside a pack.
const ManifestFile = "model.toml"

// Spaces.
const (
	SpacePixel  = "pixel"
	SpaceLatent = "latent"
)

// Role is what a graph of a pack does; its value is the graph's manifest section ("denoiser").
type Role string

// Graph roles, as accepted by Manifest.Graph, Manifest.CheckGraph and Pack.ReadGraph.
const (
	RoleDenoiser Role = "denoiser"
	RoleEncoder  Role = "encoder"
	RoleDecoder  Role = "decoder"
	RoleChain    Role = "chain"
)

// Feed is what the engine feeds to one input of a graph: GraphSpec.Feeds[k] describes GraphSpec.Inputs[k], so
// the engine binds its tensors by feed, whatever the graph names its inputs and in whatever order.
type Feed int

// Graph input feeds.
const (
	FeedXT       Feed = iota + 1 // denoiser: x_t times the schedule's input scale; chain: the prior sample x_T
	FeedTimestep                 // denoiser: the step index i of every tile, N values of TimestepType
	FeedLQ                       // the LR tiles, N×3×h×w
	FeedY                        // the HR prior mean (bicubic upsampling of the LR tile), N×3×H×W
	FeedNoise                    // chain: the step noise, N×(T-1)×3×H×W
	FeedCoef                     // chain: the per-call coefficients, T×5
	FeedCodec                    // encoder, decoder: the single input
)

// String names the feed like the manifest key suffix that declares it ("input_xt"; "input" for codecs).
func (f Feed) String() string {
	switch f {
	case FeedXT:
		return "input_xt"
	case FeedTimestep:
		return "input_timestep"
	case FeedLQ:
		return "input_lq"
	case FeedY:
		return "input_y"
	case FeedNoise:
		return "input_noise"
	case FeedCoef:
		return "input_coef"
	case FeedCodec:
		return "input"
	}
	return fmt.Sprintf("Feed(%d)", int(f))
}

// Timestep tensor types (denoiser.timestep_type).
const (
	TimestepInt64   = "int64"
	TimestepFloat32 = "float32"
)

// Manifest is the decoded model.toml. Optional sections are nil when absent.
type Manifest struct {
	Name        string    `toml:"name"`
	Aliases     []string  `toml:"aliases"` // optional short names ("clean"); see Names
	Version     string    `toml:"version"`
	Description string    `toml:"description"`
	License     string    `toml:"license"`
	Scale       int       `toml:"scale"`
	Space       string    `toml:"space"`
	Diffusion   Diffusion `toml:"diffusion"`
	Denoiser    Denoiser  `toml:"denoiser"`
	Encoder     *Codec    `toml:"encoder"`
	Decoder     *Codec    `toml:"decoder"`
	Latent      *Latent   `toml:"latent"`
	Tiling      Tiling    `toml:"tiling"`
	Chain       *Chain    `toml:"chain"` // optional, pixel space: the whole sampling chain in one graph

	source  string          // file name used in errors, e.g. "models/x/model.toml"
	defined map[string]bool // dotted keys present in the file
}

// Diffusion holds ResShift's diffusion.params (RESSHIFT.md §1.3, §3.1).
type Diffusion struct {
	Steps          int     `toml:"steps"`
	Kappa          float64 `toml:"kappa"`
	Schedule       string  `toml:"schedule"` // default "exponential"
	Power          float64 `toml:"power"`
	MinNoiseLevel  float64 `toml:"min_noise_level"`
	EtasEnd        float64 `toml:"etas_end"`
	PredictType    string  `toml:"predict_type"` // default "xstart"
	NormalizeInput bool    `toml:"normalize_input"`
}

// Denoiser names the denoiser graph and its inputs and output.
type Denoiser struct {
	File          string `toml:"file"`
	InputXT       string `toml:"input_xt"`
	InputTimestep string `toml:"input_timestep"`
	TimestepType  string `toml:"timestep_type"` // "int64" (default) or "float32"
	InputLQ       string `toml:"input_lq"`
	InputY        string `toml:"input_y"` // optional, pixel space only
	Output        string `toml:"output"`
}

// Chain names the optional fused-chain graph of a pixel pack: T applications of the denoiser's weights plus the
// sampler's update in one graph (training/export.py Chain). Its inputs are the prior sample x_T (N×3×H×W), the LR
// tile lq (N×3×h×w), y (N×3×H×W), the step noise (N×(T-1)×3×H×W, slot k used after call k) and the per-call
// coefficients coef (T×5: input scale, a, b, c, s for x ← a·x + b·clamp(x̂0) + c·y + s·noise[k]); its output is
// the final x0 (N×3×H×W). The engine computes every number (core/chain.go); the graph only applies them.
type Chain struct {
	File       string `toml:"file"`
	InputXT    string `toml:"input_xt"`
	InputLQ    string `toml:"input_lq"`
	InputY     string `toml:"input_y"`
	InputNoise string `toml:"input_noise"`
	InputCoef  string `toml:"input_coef"`
	Output     string `toml:"output"`
}

// Codec names an encoder or decoder graph (latent space) with its single input and output.
type Codec struct {
	File   string `toml:"file"`
	Input  string `toml:"input"`
	Output string `toml:"output"`
}

// Latent describes the latent space.
type Latent struct {
	Channels int `toml:"channels"`
	Factor   int `toml:"factor"` // HR pixels per latent pixel
}

// Tiling holds the padding multiple and the default tile plan, in LR pixels.
type Tiling struct {
	Multiple int  `toml:"multiple"`
	Tile     int  `toml:"tile"`
	Overlap  int  `toml:"overlap"`   // default 0
	Fixed    bool `toml:"fixed"`     // default false
	MaxBatch int  `toml:"max_batch"` // default 1
}

// SamplerParams are the sampler's parameters taken from the manifest. Its fields have the names, types and
// order of core/sampler.Params, so a plain conversion sampler.Params(m.SamplerParams()) maps it.
type SamplerParams struct {
	Steps                                int
	Kappa, Power, MinNoiseLevel, EtasEnd float64
	Schedule, PredictType                string
	NormalizeInput, Latent               bool
}

// SamplerParams returns the diffusion parameters for the sampler.
func (m *Manifest) SamplerParams() SamplerParams {
	d := m.Diffusion
	return SamplerParams{
		Steps: d.Steps, Kappa: d.Kappa, Power: d.Power, MinNoiseLevel: d.MinNoiseLevel, EtasEnd: d.EtasEnd,
		Schedule: d.Schedule, PredictType: d.PredictType, NormalizeInput: d.NormalizeInput,
		Latent: m.Space == SpaceLatent,
	}
}

// IsLatent reports whether the pack works in latent space.
func (m *Manifest) IsLatent() bool { return m.Space == SpaceLatent }

// FieldError is one manifest problem; it prints as "model.toml: diffusion.kappa: must be > 0".
type FieldError struct {
	File string // the manifest's name as shown to the user
	Key  string // dotted key ("diffusion.kappa"), empty for file-level problems
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Key == "" {
		return e.File + ": " + e.Msg
	}
	return e.File + ": " + e.Key + ": " + e.Msg
}

// ParseManifest decodes a manifest. source names the file in errors (ManifestFile when empty). Unknown keys are
// errors, all reported together. The result is not validated: call Validate.
func ParseManifest(data []byte, source string) (*Manifest, error) {
	if source == "" {
		source = ManifestFile
	}
	m := &Manifest{source: source}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(m)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, &FieldError{File: source, Key: perr.LastKey, Msg: fmt.Sprintf("line %d: %s", perr.Position.Line, perr.Message)}
		}
		// type mismatches: `toml: line 10 (last key "diffusion.kappa"): incompatible types: ...`
		msg := strings.TrimPrefix(err.Error(), "toml: ")
		if sm := decodeErrRE.FindStringSubmatch(msg); sm != nil {
			return nil, &FieldError{File: source, Key: sm[2], Msg: "line " + sm[1] + ": " + sm[3]}
		}
		return nil, &FieldError{File: source, Msg: msg}
	}
	var errs []error
	undecoded := md.Undecoded()
	sort.Slice(undecoded, func(i, j int) bool { return undecoded[i].String() < undecoded[j].String() })
	for _, k := range undecoded {
		errs = append(errs, &FieldError{File: source, Key: k.String(), Msg: "unknown key"})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	m.defined = map[string]bool{}
	for _, k := range md.Keys() {
		m.defined[k.String()] = true
	}
	m.applyDefaults()
	return m, nil
}

func (m *Manifest) applyDefaults() {
	if m.Diffusion.Schedule == "" && !m.has("diffusion.schedule") {
		m.Diffusion.Schedule = "exponential"
	}
	if m.Diffusion.PredictType == "" && !m.has("diffusion.predict_type") {
		m.Diffusion.PredictType = "xstart"
	}
	if m.Denoiser.TimestepType == "" && !m.has("denoiser.timestep_type") {
		m.Denoiser.TimestepType = TimestepInt64
	}
	if !m.has("tiling.max_batch") {
		m.Tiling.MaxBatch = 1
	}
}

// has reports whether a dotted key was present in the decoded file. Manifests built in Go (not parsed) count
// every key as present.
func (m *Manifest) has(key string) bool {
	if m.defined == nil {
		return true
	}
	return m.defined[key]
}

func (m *Manifest) file() string {
	if m.source == "" {
		return ManifestFile
	}
	return m.source
}

var (
	nameRE      = regexp.MustCompile(`^[a-z0-9._-]+$`)
	decodeErrRE = regexp.MustCompile(`^line (\d+) \(last key "([^"]+)"\): (.*)$`)
)

// validator collects FieldErrors.
type validator struct {
	m    *Manifest
	errs []error
}

func (v *validator) add(key, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{File: v.m.file(), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// required reports (and records) a missing key; it returns true when the key is present.
func (v *validator) required(key string) bool {
	if !v.m.has(key) {
		v.add(key, "required")
		return false
	}
	return true
}

func (v *validator) requiredString(key, val string) bool {
	if !v.required(key) {
		return false
	}
	if strings.TrimSpace(val) == "" {
		v.add(key, "must not be empty")
		return false
	}
	return true
}

func (v *validator) positive(key string, val float64) {
	if v.required(key) && (!(val > 0) || math.IsInf(val, 0)) {
		v.add(key, "must be > 0 (got %v)", val)
	}
}

// graphFile checks a graph path: relative, slash-separated, inside the pack.
func (v *validator) graphFile(key, file string) {
	if !v.requiredString(key, file) {
		return
	}
	if !validPackPath(file) {
		v.add(key, "%q must be a relative path inside the pack (slash-separated, no \"..\")", file)
	}
}

func validPackPath(file string) bool {
	return file != "." && !strings.Contains(file, `\`) && path.Clean(file) == file && validFSPath(file)
}

// Validate checks the manifest alone (not the files it names; Pack.Validate does both) and returns every
// problem joined with errors.Join, each a *FieldError naming the file and the key.
func (m *Manifest) Validate() error {
	v := &validator{m: m}

	// top level
	if v.requiredString("name", m.Name) && !nameRE.MatchString(m.Name) {
		v.add("name", "%q must match [a-z0-9._-]+", m.Name)
	}
	v.aliases()
	if v.required("scale") && !slices.Contains([]int{1, 2, 4, 8}, m.Scale) {
		v.add("scale", "must be 1, 2, 4 or 8, got %d", m.Scale)
	}
	spaceOK := false
	if v.required("space") {
		switch m.Space {
		case SpacePixel, SpaceLatent:
			spaceOK = true
		default:
			v.add("space", "must be %q or %q, got %q", SpacePixel, SpaceLatent, m.Space)
		}
	}

	// [diffusion]
	d := m.Diffusion
	if v.required("diffusion.steps") && (d.Steps < 1 || d.Steps > 1000) {
		v.add("diffusion.steps", "must be in 1..1000, got %d", d.Steps)
	}
	v.positive("diffusion.kappa", d.Kappa)
	v.positive("diffusion.power", d.Power)
	v.positive("diffusion.min_noise_level", d.MinNoiseLevel)
	if v.required("diffusion.etas_end") && !(d.EtasEnd > 0 && d.EtasEnd <= 1) {
		v.add("diffusion.etas_end", "must be in (0, 1], got %v", d.EtasEnd)
	}
	if d.Schedule != "exponential" {
		v.add("diffusion.schedule", "unsupported schedule %q (only \"exponential\")", d.Schedule)
	}
	if d.PredictType != "xstart" {
		v.add("diffusion.predict_type", "unsupported predict_type %q (only \"xstart\")", d.PredictType)
	}
	v.required("diffusion.normalize_input")
	if d.Steps > 1 && d.Kappa > 0 && d.MinNoiseLevel > 0 && d.EtasEnd > 0 && d.EtasEnd <= 1 {
		// RESSHIFT.md §1.3: sqrt_eta rises from min(min_noise_level/kappa, min_noise_level) to etas_end.
		if start := math.Min(d.MinNoiseLevel/d.Kappa, d.MinNoiseLevel); start >= d.EtasEnd {
			v.add("diffusion.min_noise_level", "gives sqrt_eta_start = %g, which must be below etas_end = %g", start, d.EtasEnd)
		}
	}

	// [denoiser]
	dn := m.Denoiser
	v.graphFile("denoiser.file", dn.File)
	v.requiredString("denoiser.input_xt", dn.InputXT)
	v.requiredString("denoiser.input_timestep", dn.InputTimestep)
	v.requiredString("denoiser.input_lq", dn.InputLQ)
	v.requiredString("denoiser.output", dn.Output)
	if dn.TimestepType != TimestepInt64 && dn.TimestepType != TimestepFloat32 {
		v.add("denoiser.timestep_type", "must be \"int64\" or \"float32\", got %q", dn.TimestepType)
	}
	yDeclared := dn.InputY != "" || (m.defined != nil && m.defined["denoiser.input_y"])
	if yDeclared && dn.InputY == "" {
		v.add("denoiser.input_y", "must not be empty (leave the key out when the graph takes no y)")
	}
	names := map[string]string{}
	for _, kv := range [][2]string{{"denoiser.input_xt", dn.InputXT}, {"denoiser.input_timestep", dn.InputTimestep},
		{"denoiser.input_lq", dn.InputLQ}, {"denoiser.input_y", dn.InputY}} {
		if kv[1] == "" {
			continue
		}
		if prev, dup := names[kv[1]]; dup {
			v.add(kv[0], "input %q is already used by %s", kv[1], prev)
		}
		names[kv[1]] = kv[0]
	}

	// space-specific sections
	if spaceOK && m.Space == SpacePixel {
		for _, s := range []struct {
			key     string
			present bool
		}{{"latent", m.Latent != nil}, {"encoder", m.Encoder != nil}, {"decoder", m.Decoder != nil}} {
			if s.present {
				v.add(s.key, "section not allowed with space = \"pixel\"")
			}
		}
	}
	if spaceOK && m.Space == SpaceLatent {
		if yDeclared {
			v.add("denoiser.input_y", "not allowed with space = \"latent\" (the latent denoiser gets x_t, t and lq)")
		}
		if m.Latent == nil {
			v.add("latent", "section required with space = \"latent\"")
		} else {
			if v.required("latent.channels") && (m.Latent.Channels < 1 || m.Latent.Channels > 64) {
				v.add("latent.channels", "must be in 1..64, got %d", m.Latent.Channels)
			}
			if v.required("latent.factor") && m.Latent.Factor < 1 {
				v.add("latent.factor", "must be >= 1, got %d", m.Latent.Factor)
			}
		}
		for _, c := range []struct {
			key string
			g   *Codec
		}{{"encoder", m.Encoder}, {"decoder", m.Decoder}} {
			if c.g == nil {
				v.add(c.key, "section required with space = \"latent\"")
				continue
			}
			v.graphFile(c.key+".file", c.g.File)
			v.requiredString(c.key+".input", c.g.Input)
			v.requiredString(c.key+".output", c.g.Output)
		}
	}

	if m.Chain != nil {
		v.chain(spaceOK && m.Space == SpaceLatent)
	}

	// [tiling]
	t := m.Tiling
	multOK, tileOK := false, false
	if v.required("tiling.multiple") {
		if t.Multiple < 1 || t.Multiple > 1024 {
			v.add("tiling.multiple", "must be in 1..1024, got %d", t.Multiple)
		} else {
			multOK = true
		}
	}
	if v.required("tiling.tile") {
		if t.Tile < 1 || t.Tile > tile.MaxTile {
			v.add("tiling.tile", "must be in 1..%d, got %d", tile.MaxTile, t.Tile)
		} else {
			tileOK = true
		}
	}
	if multOK && tileOK && t.Tile%t.Multiple != 0 {
		v.add("tiling.tile", "%d must be a multiple of tiling.multiple = %d", t.Tile, t.Multiple)
	}
	if t.Overlap < 0 {
		v.add("tiling.overlap", "must be >= 0, got %d", t.Overlap)
	} else if tileOK && t.Overlap >= t.Tile {
		v.add("tiling.overlap", "%d must be smaller than tiling.tile = %d", t.Overlap, t.Tile)
	}
	if t.MaxBatch < 1 || t.MaxBatch > tile.MaxBatch {
		v.add("tiling.max_batch", "must be in 1..%d, got %d", tile.MaxBatch, t.MaxBatch)
	}
	if spaceOK && m.Space == SpaceLatent && m.Latent != nil && m.Latent.Factor >= 1 && m.Scale >= 1 {
		f := m.Latent.Factor
		if multOK && (t.Multiple*m.Scale)%f != 0 {
			v.add("tiling.multiple", "%d × scale %d must be a multiple of latent.factor = %d", t.Multiple, m.Scale, f)
		}
		if tileOK && (t.Tile*m.Scale)%f != 0 {
			v.add("tiling.tile", "%d × scale %d must be a multiple of latent.factor = %d", t.Tile, m.Scale, f)
		}
	}
	return errors.Join(v.errs...)
}

// chain validates the optional [chain] table.
func (v *validator) chain(latent bool) {
	c, m := v.m.Chain, v.m
	if latent {
		v.add("chain", "section not allowed with space = \"latent\" (the chain graph is pixel space only)")
	}
	if m.Diffusion.Steps == 1 {
		v.add("chain", "needs diffusion.steps >= 2 (one step is one denoiser call already)")
	}
	v.graphFile("chain.file", c.File)
	names := map[string]string{}
	for _, kv := range [][2]string{{"chain.input_xt", c.InputXT}, {"chain.input_lq", c.InputLQ}, {"chain.input_y", c.InputY},
		{"chain.input_noise", c.InputNoise}, {"chain.input_coef", c.InputCoef}} {
		if !v.requiredString(kv[0], kv[1]) {
			continue
		}
		if prev, dup := names[kv[1]]; dup {
			v.add(kv[0], "input %q is already used by %s", kv[1], prev)
		}
		names[kv[1]] = kv[0]
	}
	v.requiredString("chain.output", c.Output)
	if c.File != "" && c.File == m.Denoiser.File {
		v.add("chain.file", "%q is the denoiser's graph; the chain needs its own file", c.File)
	}
}

// GraphSpec is one graph of a pack with the names the engine feeds and reads, in the engine's order.
type GraphSpec struct {
	Role    Role     // RoleDenoiser, RoleEncoder, RoleDecoder or RoleChain
	File    string   // path inside the pack
	Inputs  []string // denoiser: x_t, timestep, lq[, y]; codecs: input; chain: x_t, lq, y, noise, coef
	Feeds   []Feed   // what the engine feeds to Inputs[k]
	Outputs []string
}

// Graphs lists the pack's graphs: the denoiser, then the encoder and decoder for latent packs, then the chain
// graph when the pack has one.
func (m *Manifest) Graphs() []GraphSpec {
	dn := m.Denoiser
	in, feeds := []string{dn.InputXT, dn.InputTimestep, dn.InputLQ}, []Feed{FeedXT, FeedTimestep, FeedLQ}
	if dn.InputY != "" {
		in, feeds = append(in, dn.InputY), append(feeds, FeedY)
	}
	gs := []GraphSpec{{Role: RoleDenoiser, File: dn.File, Inputs: in, Feeds: feeds, Outputs: []string{dn.Output}}}
	codec := []Feed{FeedCodec}
	if m.Encoder != nil {
		gs = append(gs, GraphSpec{Role: RoleEncoder, File: m.Encoder.File, Inputs: []string{m.Encoder.Input}, Feeds: codec,
			Outputs: []string{m.Encoder.Output}})
	}
	if m.Decoder != nil {
		gs = append(gs, GraphSpec{Role: RoleDecoder, File: m.Decoder.File, Inputs: []string{m.Decoder.Input}, Feeds: codec,
			Outputs: []string{m.Decoder.Output}})
	}
	if c := m.Chain; c != nil {
		gs = append(gs, GraphSpec{Role: RoleChain, File: c.File, Inputs: []string{c.InputXT, c.InputLQ, c.InputY, c.InputNoise, c.InputCoef},
			Feeds: []Feed{FeedXT, FeedLQ, FeedY, FeedNoise, FeedCoef}, Outputs: []string{c.Output}})
	}
	return gs
}

// Graph returns the spec of one role.
func (m *Manifest) Graph(role Role) (GraphSpec, bool) {
	for _, g := range m.Graphs() {
		if g.Role == role {
			return g, true
		}
	}
	return GraphSpec{}, false
}

// CheckGraph compares the names a graph really has (for example from core/ort.Inspect) with the names the
// manifest declares for role. Every declared name must exist, and every graph input must be declared (the
// engine can feed nothing else). Errors name the manifest key and are joined.
func (m *Manifest) CheckGraph(role Role, inputs, outputs []string) error {
	v := &validator{m: m}
	g, ok := m.Graph(role)
	if !ok {
		v.add(string(role), "no such graph in this pack")
		return errors.Join(v.errs...)
	}
	var inKeys, outKeys []string
	switch role {
	case RoleDenoiser:
		inKeys = []string{"denoiser.input_xt", "denoiser.input_timestep", "denoiser.input_lq", "denoiser.input_y"}
		outKeys = []string{"denoiser.output"}
	case RoleChain:
		inKeys = []string{"chain.input_xt", "chain.input_lq", "chain.input_y", "chain.input_noise", "chain.input_coef"}
		outKeys = []string{"chain.output"}
	default:
		inKeys = []string{string(role) + ".input"}
		outKeys = []string{string(role) + ".output"}
	}
	for i, name := range g.Inputs {
		if !slices.Contains(inputs, name) {
			v.add(inKeys[i], "graph %s has no input %q (its inputs: %s)", g.File, name, strings.Join(inputs, ", "))
		}
	}
	for _, name := range inputs {
		if !slices.Contains(g.Inputs, name) {
			v.add(string(role), "graph %s input %q is not declared in the manifest (the engine cannot feed it)", g.File, name)
		}
	}
	for i, name := range g.Outputs {
		if !slices.Contains(outputs, name) {
			v.add(outKeys[i], "graph %s has no output %q (its outputs: %s)", g.File, name, strings.Join(outputs, ", "))
		}
	}
	return errors.Join(v.errs...)
}
