package sampler

import "github.com/resshift/resshift/vocab"

// Kind selects the reverse process: the shared vocabulary's sampler kind. A
// Sampler needs Stochastic or Deterministic; the zero value
// (vocab.SamplerDefault, "not chosen") is no kind here.
type Kind = vocab.Sampler

const (
	// Stochastic is the official posterior sampler (fresh noise at every step i > 0).
	Stochastic = vocab.Stochastic
	// Deterministic is the σ = 0 non-Markovian sampler of RESSHIFT.md §1.5:
	// noise enters only through the prior.
	Deterministic = vocab.Deterministic
)
