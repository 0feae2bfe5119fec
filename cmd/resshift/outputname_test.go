package main

import (
	"testing"

	"github.com/resshift/resshift/queue"
	"github.com/resshift/resshift/vocab"
)

// TestBatchOutputName: --format picks the extension (vocab.Format.Ext; avif
// and heif used to get none), else the input's own when resshift writes
// that format, else .png.
func TestBatchOutputName(t *testing.T) {
	for _, tc := range []struct {
		src    string
		format vocab.Format
		want   string
	}{
		{"a/photo.jpg", "", "photo_x4.jpg"},
		{"a/photo.JPEG", "", "photo_x4.JPEG"},
		{"scan.tif", "", "scan_x4.tif"},
		{"anim.gif", "", "anim_x4.png"},
		{"noext", "", "noext_x4.png"},
		{"photo.jpg", "png", "photo_x4.png"},
		{"photo.png", "jpeg", "photo_x4.jpg"},
		{"photo.png", "tiff", "photo_x4.tiff"},
		{"photo.png", "webp", "photo_x4.webp"},
		{"photo.png", "avif", "photo_x4.avif"},
		{"photo.png", "heif", "photo_x4.heif"},
	} {
		b := &batchRun{opt: queue.Options{Format: tc.format}}
		if got := b.outputName(tc.src); got != tc.want {
			t.Errorf("outputName(%q) with format %q = %q, want %q", tc.src, tc.format, got, tc.want)
		}
	}
}
