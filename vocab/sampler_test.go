package vocab

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSampler(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Sampler
		ok   bool
	}{
		{"stochastic", Stochastic, true},
		{"deterministic", Deterministic, true},
		{"Stochastic", 0, false}, // names are exact: configs and wire messages spell them so
		{"ddim", 0, false},
		{"", 0, false},
	} {
		got, err := ParseSampler(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseSampler(%q) = %v, %v", tc.in, got, err)
			continue
		}
		if err != nil && (!errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), `"`+tc.in+`"`)) {
			t.Errorf("ParseSampler(%q): error %v, want ErrInvalidInput quoting the input", tc.in, err)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
	if s := Sampler(7).String(); s != "Sampler(7)" {
		t.Errorf("Sampler(7).String() = %q", s)
	}
}
