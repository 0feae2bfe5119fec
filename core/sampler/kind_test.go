package sampler

import "testing"

func TestParseKind(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Kind
		wantErr bool
	}{
		{"stochastic", Stochastic, false},
		{"deterministic", Deterministic, false},
		{"Stochastic", 0, true},
		{"ddim", 0, true},
		{"", 0, true},
	} {
		got, err := ParseKind(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseKind(%q) = %v, %v", tc.in, got, err)
		}
		if err == nil && got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
	if s := Kind(7).String(); s != "Sampler(7)" {
		t.Errorf("Kind(7).String() = %q", s)
	}
}
