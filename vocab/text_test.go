package vocab

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestSamplerText: a Sampler reads and writes the names of configs and wire
// messages; "" is SamplerDefault; anything else is refused naming it.
func TestSamplerText(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  Sampler
		ok    bool
		valid bool
	}{
		{"stochastic", Stochastic, true, true},
		{"deterministic", Deterministic, true, true},
		{"", SamplerDefault, true, false},
		{"Stochastic", SamplerDefault, false, false},
		{"euler", SamplerDefault, false, false},
	} {
		var k Sampler
		err := k.UnmarshalText([]byte(tc.in))
		if k != tc.want || (err == nil) != tc.ok {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v, ok %v", tc.in, k, err, tc.want, tc.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), `"`+tc.in+`"`) {
				t.Errorf("UnmarshalText(%q): error %v, want ErrInvalidInput quoting the input", tc.in, err)
			}
			continue
		}
		if k.Valid() != tc.valid {
			t.Errorf("%q: Valid() = %v", tc.in, k.Valid())
		}
		b, err := k.MarshalText()
		if err != nil || string(b) != tc.in {
			t.Errorf("%v.MarshalText() = %q, %v; want %q", k, b, err, tc.in)
		}
	}
	if _, err := Sampler(7).MarshalText(); err == nil || Sampler(7).Valid() {
		t.Errorf("Sampler(7): MarshalText error %v, Valid %v", err, Sampler(7).Valid())
	}
}

// TestFormatText: a Format reads every name and alias of ParseFormat and
// writes the canonical name; unknown names and values are refused.
func TestFormatText(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true}, {"png", "png", true}, {"jpg", "jpeg", true}, {"TIF", "tiff", true},
		{" heic ", "heif", true}, {"webp", "webp", true}, {"avif", "avif", true},
		{"bmp", "", false}, {"image/png", "", false},
	} {
		var f Format
		err := f.UnmarshalText([]byte(tc.in))
		if string(f) != tc.want || (err == nil) != tc.ok {
			t.Errorf("UnmarshalText(%q) = %q, %v; want %q, ok %v", tc.in, f, err, tc.want, tc.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.in) {
				t.Errorf("UnmarshalText(%q): error %v, want ErrInvalidInput naming the input", tc.in, err)
			}
			continue
		}
		if f.Known() != (tc.want != "") {
			t.Errorf("%q: Known() = %v", f, f.Known())
		}
		if b, err := f.MarshalText(); err != nil || string(b) != tc.want {
			t.Errorf("%q.MarshalText() = %q, %v", f, b, err)
		}
	}
	// Values set in Go are written as they are (the reader parses them) and are not Known.
	for _, f := range []Format{"jpg", "bmp", "PNG"} {
		if b, err := f.MarshalText(); err != nil || string(b) != string(f) || f.Known() {
			t.Errorf("Format(%q): MarshalText %q, %v; Known %v", string(f), b, err, f.Known())
		}
	}
}

// TestTypedFieldsOnTheWire: struct fields of these types read and write the
// same JSON and TOML strings as plain string fields.
func TestTypedFieldsOnTheWire(t *testing.T) {
	type msg struct {
		Sampler Sampler `json:"sampler" toml:"sampler"`
		Format  Format  `json:"format,omitempty" toml:"format"`
	}
	var m msg
	if err := json.Unmarshal([]byte(`{"sampler":"deterministic","format":"jpg"}`), &m); err != nil || m != (msg{Deterministic, JPEG}) {
		t.Fatalf("JSON decode: %+v, %v", m, err)
	}
	if b, err := json.Marshal(m); err != nil || string(b) != `{"sampler":"deterministic","format":"jpeg"}` {
		t.Errorf("JSON encode: %s, %v", b, err)
	}
	if b, err := json.Marshal(msg{}); err != nil || string(b) != `{"sampler":""}` {
		t.Errorf("JSON encode of the zero value: %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"sampler":"ddim"}`), &m); err == nil || !strings.Contains(err.Error(), `"ddim"`) {
		t.Errorf("JSON decode of a bad sampler: %v", err)
	}
	var tm msg
	if _, err := toml.Decode("sampler = \"stochastic\"\nformat = \"tif\"\n", &tm); err != nil || tm != (msg{Stochastic, TIFF}) {
		t.Fatalf("TOML decode: %+v, %v", tm, err)
	}
	var sb strings.Builder
	if err := toml.NewEncoder(&sb).Encode(tm); err != nil || sb.String() != "sampler = \"stochastic\"\nformat = \"tiff\"\n" {
		t.Errorf("TOML encode: %q, %v", sb.String(), err)
	}
}
