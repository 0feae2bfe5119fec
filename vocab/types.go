package vocab

import "time"

// Progress reports the state of an upscale call; the engine, the plugin and
// the stage report it after every denoiser call.
type Progress struct {
	TilesDone int // tiles fully sampled and blended
	Tiles     int // tiles in the plan
	Step      int // denoiser calls done in the current batch (1..Steps)
	Steps     int // denoiser calls per batch (the model's T)
}

// Stats are the timings of one upscale call.
type Stats struct {
	Tiles         int
	Batches       int
	DenoiserCalls int           // denoiser applications (a fused chain call counts its T)
	ChainCalls    int           // calls of the pack's fused chain graph (0 on the per-step path)
	ORT           time.Duration // time inside ONNX Runtime runs (encoder, denoiser, decoder)
	// ORT per graph: the encoder, the denoiser (or chain) and the decoder calls; they add up to ORT.
	EncoderORT, DenoiserORT, DecoderORT time.Duration
	Total                               time.Duration // the whole call, including decode/encode where the callee did them
}

// ModelInfo describes a loaded model and the runtime running it: what
// core.Info, plugin.Info, the C ABI's resshift_info and `resshift info`
// share. The JSON names are those of `resshift info --json`.
type ModelInfo struct {
	Model       string `json:"model"`       // the pack's name
	Version     string `json:"version"`     // the pack's version
	Description string `json:"description"` // one line
	License     string `json:"license"`     // the weights' licence
	Scale       int    `json:"scale"`       // upscaling factor
	Space       string `json:"space"`       // "pixel" or "latent"
	Steps       int    `json:"steps"`       // diffusion steps (denoiser calls per tile)
	Provider    string `json:"provider"`    // the execution provider in use: "cpu", "cuda", "tensorrt"
	ORTVersion  string `json:"ort_version"` // the loaded ONNX Runtime version
}
