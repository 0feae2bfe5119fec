package vocab

import "fmt"

// Sampler selects the reverse process.
type Sampler int

const (
	// Stochastic is the official posterior sampler (fresh noise at every
	// step i > 0).
	Stochastic Sampler = iota
	// Deterministic is the σ = 0 non-Markovian sampler of RESSHIFT.md §1.5:
	// noise enters only through the prior.
	Deterministic
)

// ParseSampler accepts "stochastic" and "deterministic" (exactly; these are
// the names of configs, flags and wire messages). Any other name is an
// ErrInvalidInput error naming it.
func ParseSampler(s string) (Sampler, error) {
	switch s {
	case "stochastic":
		return Stochastic, nil
	case "deterministic":
		return Deterministic, nil
	}
	return 0, NewError(ErrInvalidInput,
		fmt.Sprintf("sampler: unknown kind %q (want \"stochastic\" or \"deterministic\")", s), nil)
}

// String returns "stochastic", "deterministic" or "Sampler(n)".
func (k Sampler) String() string {
	switch k {
	case Stochastic:
		return "stochastic"
	case Deterministic:
		return "deterministic"
	}
	return fmt.Sprintf("Sampler(%d)", int(k))
}
