package sampler

import "fmt"

// Kind selects the reverse process.
type Kind int

const (
	// Stochastic is the official posterior sampler (fresh noise at every step i > 0).
	Stochastic Kind = iota
	// Deterministic is the σ = 0 non-Markovian sampler of RESSHIFT.md §1.5:
	// noise enters only through the prior.
	Deterministic
)

// ParseKind accepts "stochastic" and "deterministic".
func ParseKind(s string) (Kind, error) {
	switch s {
	case "stochastic":
		return Stochastic, nil
	case "deterministic":
		return Deterministic, nil
	}
	return 0, fmt.Errorf("sampler: unknown kind %q (want \"stochastic\" or \"deterministic\")", s)
}

// String returns "stochastic", "deterministic" or "Kind(n)".
func (k Kind) String() string {
	switch k {
	case Stochastic:
		return "stochastic"
	case Deterministic:
		return "deterministic"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}
