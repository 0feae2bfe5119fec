package vocab

import "fmt"

// Sampler selects the reverse process. The zero value, [SamplerDefault],
// means "not chosen": a request field (plugin.Options.Sampler, the C
// options' RESSHIFT_SAMPLER_DEFAULT) that takes the configured default. A
// configuration (core.Config's sampler.kind) and an engine call
// (core.Options.Sampler) must name a kind: there SamplerDefault is refused
// like an unknown kind ([Sampler.Valid]).
//
// Sampler reads and writes its name as text ([Sampler.MarshalText],
// [Sampler.UnmarshalText]), so TOML configs and JSON messages carry
// "stochastic" or "deterministic" (and "" for SamplerDefault).
type Sampler int

const (
	// SamplerDefault is "not chosen" (see [Sampler]); its name is "".
	SamplerDefault Sampler = iota
	// Stochastic is the official posterior sampler (fresh noise at every
	// step i > 0).
	Stochastic
	// Deterministic is the σ = 0 non-Markovian sampler of RESSHIFT.md §1.5:
	// noise enters only through the prior.
	Deterministic
)

// ParseSampler accepts "stochastic" and "deterministic" (exactly; these are
// the names of configs, flags and wire messages). Any other name, ""
// included, is an ErrInvalidInput error naming it.
func ParseSampler(s string) (Sampler, error) {
	switch s {
	case "stochastic":
		return Stochastic, nil
	case "deterministic":
		return Deterministic, nil
	}
	return SamplerDefault, NewError(ErrInvalidInput,
		fmt.Sprintf("sampler: unknown kind %q (want \"stochastic\" or \"deterministic\")", s), nil)
}

// Valid reports whether k is Stochastic or Deterministic (not
// SamplerDefault or an out-of-range value).
func (k Sampler) Valid() bool { return k == Stochastic || k == Deterministic }

// String returns "stochastic", "deterministic", "" for SamplerDefault, or
// "Sampler(n)" for an out-of-range value.
func (k Sampler) String() string {
	switch k {
	case SamplerDefault:
		return ""
	case Stochastic:
		return "stochastic"
	case Deterministic:
		return "deterministic"
	}
	return fmt.Sprintf("Sampler(%d)", int(k))
}

// MarshalText writes k's name (String); an out-of-range value is an error.
func (k Sampler) MarshalText() ([]byte, error) {
	if k != SamplerDefault && !k.Valid() {
		return nil, NewError(ErrInvalidInput, fmt.Sprintf("sampler: unknown kind %d", int(k)), nil)
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a name with ParseSampler; "" is SamplerDefault (an
// unset field; whoever needs a kind refuses it, see [Sampler.Valid]).
func (k *Sampler) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*k = SamplerDefault
		return nil
	}
	v, err := ParseSampler(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
