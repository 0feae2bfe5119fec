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
