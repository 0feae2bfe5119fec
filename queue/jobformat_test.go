package queue

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/resshift/resshift/vocab"
)

// TestJobFormat: a job message carries the format as its name; an alias
// reads as the canonical format, an unknown name is no job (an
// ErrInvalidInput decoding error naming it), and Job.check refuses a bad
// value set in Go before it is published.
func TestJobFormat(t *testing.T) {
	for _, tc := range []struct {
		body string
		want vocab.Format
		err  string // "" = decoded
	}{
		{`{"options":{}}`, vocab.FormatAuto, ""},
		{`{"options":{"format":"webp"}}`, vocab.WebP, ""},
		{`{"options":{"format":"jpg"}}`, vocab.JPEG, ""},
		{`{"options":{"format":"bmp"}}`, "", `"bmp"`},
	} {
		var j Job
		err := json.Unmarshal([]byte(tc.body), &j)
		if tc.err == "" {
			if err != nil || j.Options.Format != tc.want {
				t.Errorf("%s: format %q, %v; want %q", tc.body, j.Options.Format, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, vocab.ErrInvalidInput) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want ErrInvalidInput naming %s", tc.body, err, tc.err)
		}
	}
	// What Publish writes: the name as given, the canonical one for a parsed format.
	b, err := json.Marshal(Options{Format: vocab.JPEG, Quality: 80})
	if err != nil || string(b) != `{"format":"jpeg","quality":80}` {
		t.Errorf("marshal: %s, %v", b, err)
	}
	for _, tc := range []struct {
		f  vocab.Format
		ok bool
	}{{vocab.FormatAuto, true}, {vocab.TIFF, true}, {"jpg", true}, {"bmp", false}} {
		j := Job{ID: "a", Batch: "b", Input: "in/a", Output: "out/a", Options: Options{Format: tc.f}}
		err := j.check()
		if (err == nil) != tc.ok || (err != nil && (!strings.HasPrefix(err.Error(), "job a: options: ") || !strings.Contains(err.Error(), `"bmp"`))) {
			t.Errorf("check with format %q: %v", tc.f, err)
		}
	}
}
