package core

import (
	"strings"
	"testing"
)

// TestValidateOutputFormat: output.format takes every name and alias of
// vocab.ParseFormat, like imageio and the plugin do ("tif" was refused
// here while they accepted it), and refuses the rest naming the field.
func TestValidateOutputFormat(t *testing.T) {
	for _, tc := range []struct {
		format string
		ok     bool
	}{
		{"", true}, {"png", true}, {"jpeg", true}, {"jpg", true}, {"webp", true},
		{"tiff", true}, {"tif", true}, {"avif", true}, {"heif", true}, {"heic", true},
		{"TIF", true}, {" jpg ", true},
		{"bmp", false}, {"gif", false}, {"jpe", false},
	} {
		c := DefaultConfig()
		c.Output.Format = tc.format
		err := c.Validate()
		switch {
		case tc.ok && err != nil:
			t.Errorf("output.format %q: %v", tc.format, err)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), "output.format") || !strings.Contains(err.Error(), tc.format)):
			t.Errorf("output.format %q: error %v, want one naming output.format and the value", tc.format, err)
		}
	}
}
