package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/vocab"
)

const infoUsage = `Usage: resshift info [--json] [--model NAME|DIR] [--config FILE] [--provider P]
       resshift info --models [--json]

--models lists the model packs embedded in the binary, which --model (and the
config's model key) select by name or alias.

Otherwise loads the model pack (the embedded default unless --model or the config names
one) into ONNX Runtime and prints what it is: name, version, description,
licence, scale, space, steps, tiling, the execution provider in use, the ONNX
Runtime version, whether the sampling chain runs as one fused graph, the
precision (fp16 when the graphs carry float16 weights), for cuda/tensorrt the
GPU (name, memory, compute capability) with the CUDA driver, CUDA runtime and
cuDNN versions loaded, the diffusion parameters and the schedule table (one row per
code index i = 0..T-1: sqrt_eta, eta, the posterior mean coefficients of x_t
and x0, the posterior std and the input scale applied to x_t before the
denoiser).

--json prints one JSON object: the fields of the text output, with
"schedule": {"sqrt_eta": [...], "eta": [...], "posterior_mean_coef_xt": [...],
"posterior_mean_coef_x0": [...], "posterior_std": [...], "input_scale": [...]}
indexed by step 0..T-1 in full float64 precision.

Examples:
  resshift info
  resshift info --models
  resshift info --json --model packs/resshift-v3`

// scheduleJSON is the schedule table in the JSON output of info.
type scheduleJSON struct {
	SqrtEta      []float64 `json:"sqrt_eta"`
	Eta          []float64 `json:"eta"`
	CoefXt       []float64 `json:"posterior_mean_coef_xt"`
	CoefX0       []float64 `json:"posterior_mean_coef_x0"`
	PosteriorStd []float64 `json:"posterior_std"`
	InputScale   []float64 `json:"input_scale"`
}

type diffusionJSON struct {
	Steps          int     `json:"steps"`
	Kappa          float64 `json:"kappa"`
	Power          float64 `json:"power"`
	MinNoiseLevel  float64 `json:"min_noise_level"`
	EtasEnd        float64 `json:"etas_end"`
	Schedule       string  `json:"schedule"`
	PredictType    string  `json:"predict_type"`
	NormalizeInput bool    `json:"normalize_input"`
}

// defaultsJSON are the configured per-call defaults.
type defaultsJSON struct {
	Sampler vocab.Sampler `json:"sampler"` // written as its name
	Seed    uint64        `json:"seed"`
	Tile    int           `json:"tile"`
	Overlap int           `json:"overlap"`
	Batch   int           `json:"batch"`
}

type infoJSON struct {
	core.Info
	Diffusion diffusionJSON `json:"diffusion"`
	Defaults  defaultsJSON  `json:"defaults"`
	Schedule  scheduleJSON  `json:"schedule"`
}

func runInfo(ctx context.Context, e *env, args []string) error {
	fs := newFlags("info", infoUsage)
	var ef engineFlags
	asJSON := fs.Bool("json", false, "print one JSON object")
	fs.StringVar(&ef.config, "config", "", "TOML config `file`")
	fs.StringVar(&ef.model, "model", "", modelUsage)
	listModels := fs.Bool("models", false, "list the embedded model packs (name, aliases, scale, default) and exit")
	fs.StringVar(&ef.provider, "provider", "", "execution provider: cpu, cuda or tensorrt")
	fs.BoolVar(&ef.allowFallback, "allow-fallback", false, "fall back to the CPU when the provider cannot load")
	pos, err := parse(e, fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("info", "unexpected argument %q", pos[0])
	}
	ef.recordSet(fs)
	if *listModels {
		return printModels(e, *asJSON)
	}
	if err := ef.check("info"); err != nil {
		return err
	}
	cfg, err := ef.loadConfig()
	if err != nil {
		return err
	}
	eng, err := newEngine(e, cfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	r := infoReport(eng)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printInfo(e, r)
	return nil
}

func infoReport(eng *core.Engine) infoJSON {
	s := eng.Schedule()
	p := s.Params
	o := eng.Options()
	return infoJSON{
		Info: eng.Info(),
		Diffusion: diffusionJSON{Steps: p.Steps, Kappa: p.Kappa, Power: p.Power, MinNoiseLevel: p.MinNoiseLevel,
			EtasEnd: p.EtasEnd, Schedule: p.Schedule, PredictType: p.PredictType, NormalizeInput: p.NormalizeInput},
		Defaults: defaultsJSON{Sampler: o.Sampler, Seed: o.Seed, Tile: o.Tile, Overlap: o.Overlap, Batch: o.Batch},
		Schedule: scheduleJSON{SqrtEta: s.SqrtEta, Eta: s.Eta, CoefXt: s.CoefXt, CoefX0: s.CoefX0,
			PosteriorStd: s.PosteriorStd, InputScale: s.InputScale},
	}
}

func chainRow(chain bool) string {
	if chain {
		return "fused chain graph (one ONNX Runtime call per tile batch)"
	}
	return "per step (one denoiser call per step)"
}

func orNone(s string) string {
	if s == "" {
		return "not loaded"
	}
	return s
}

func printInfo(e *env, r infoJSON) {
	in := r.Info
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	shapes := "dynamic shapes"
	if in.FixedTile {
		shapes = "fixed shapes"
	}
	d := r.Diffusion
	rule := "pixel-space rule x_t/(3κ·sqrt_eta+1)"
	if in.Space == "latent" {
		rule = "latent rule x_t/sqrt(κ²·eta+1)"
	}
	if !d.NormalizeInput {
		rule = "off"
	}
	rows := [][2]string{
		{"model", fmt.Sprintf("%s %s (%s)", in.Model, in.Version, in.Source)},
		{"description", in.Description},
		{"license", in.License},
		{"scale", fmt.Sprintf("×%d", in.Scale)},
		{"space", in.Space},
		{"steps", fmt.Sprint(in.Steps)},
		{"tiling", fmt.Sprintf("tile %d, overlap %d, multiple %d, max batch %d, %s", in.Tile, in.Overlap, in.Multiple, in.MaxBatch, shapes)},
		{"provider", in.Provider},
		{"onnxruntime", in.ORTVersion},
		{"sampling", chainRow(in.Chain)},
		{"precision", map[bool]string{false: "fp32", true: "fp16 (graphs with float16 weights)"}[in.FP16]},
		{"diffusion", fmt.Sprintf("%s schedule, kappa %g, power %g, min_noise_level %g, etas_end %g, predict %s",
			d.Schedule, d.Kappa, d.Power, d.MinNoiseLevel, d.EtasEnd, d.PredictType)},
		{"input scale", rule},
		{"defaults", fmt.Sprintf("%s sampler, seed %d, tile %d, overlap %d, batch %d",
			r.Defaults.Sampler, r.Defaults.Seed, r.Defaults.Tile, r.Defaults.Overlap, r.Defaults.Batch)},
	}
	if g := in.GPU; g != nil {
		rows = append(rows, [2]string{"device", fmt.Sprintf("%d: %s, %d MiB, compute capability %s", g.Index, g.Name, g.MemoryMiB, g.Compute)},
			[2]string{"cuda", fmt.Sprintf("driver supports CUDA %s; runtime %s; cuDNN %s", g.DriverCUDA, orNone(g.RuntimeCUDA), orNone(g.CuDNN))})
		if len(g.Libraries) > 0 {
			rows = append(rows, [2]string{"gpu libraries", strings.Join(g.Libraries, ", ")})
		}
	} else if in.GPUError != "" {
		rows = append(rows, [2]string{"device", "unknown: " + in.GPUError})
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "\nschedule (code index i; sampling runs i = %d … 0)\n", in.Steps-1)
	tw = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "i\tsqrt_eta\teta\tcoef x_t\tcoef x0\tposterior std\tinput scale\t")
	s := r.Schedule
	for i := range s.SqrtEta {
		fmt.Fprintf(tw, "%d\t%.10f\t%.10f\t%.10f\t%.10f\t%.10f\t%.10f\t\n",
			i, s.SqrtEta[i], s.Eta[i], s.CoefXt[i], s.CoefX0[i], s.PosteriorStd[i], s.InputScale[i])
	}
	tw.Flush()
}
