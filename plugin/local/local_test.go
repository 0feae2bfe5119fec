package local

import (
	"context"
	"errors"
	"image"
	"path/filepath"
	"testing"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/internal/testimg"
	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/vocab"
)

// TestUpscaleFormatSizeBeforeModel: an output the requested format cannot hold
// (WebP: 16383 px per side) is refused as ErrTooLarge before the model runs
// (no progress callback, i.e. no batch of tiles sampled).
func TestUpscaleFormatSizeBeforeModel(t *testing.T) {
	p, err := modelpack.LoadDir(filepath.Join("..", "..", "core", "testdata", "models", "oracle-x4"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := core.DefaultConfig()
	cfg.Runtime.IntraOpThreads = 1
	e, err := core.NewFromPack(cfg, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	u := New(e)
	wide := testimg.EncodePNG(image.NewGray(image.Rect(0, 0, 4100, 4))) // ×4 → 16400×16
	for _, c := range []struct {
		format vocab.Format
		fail   bool
	}{{"webp", true}, {"png", false}} {
		batches := 0
		_, err := u.Upscale(context.Background(), plugin.Request{Image: wide, Options: plugin.Options{Format: c.format},
			Progress: func(plugin.Progress) error { batches++; return nil }})
		switch {
		case c.fail && !errors.Is(err, plugin.ErrTooLarge):
			t.Errorf("%s: got %v, want ErrTooLarge", c.format, err)
		case c.fail && batches != 0:
			t.Errorf("%s: %d batches sampled before the format's size limit was checked", c.format, batches)
		case !c.fail && err != nil:
			t.Errorf("%s: %v", c.format, err)
		}
	}
}
