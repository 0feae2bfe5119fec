package main

import (
	"fmt"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/resshift/resshift/core/imageio"
)

// The pipeline on a sideways JPEG (EXIF orientation 6) with the cheap
// pointwise test pack in process: upright, ×4, resized, saved.
func TestPipeline(t *testing.T) {
	dir := t.TempDir()
	pack, err := filepath.Abs("../../core/testdata/models/pointwise-x4")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "engine.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("model = %q\n[runtime]\nintra_op_threads = 1\n", pack)), 0o644); err != nil {
		t.Fatal(err)
	}
	img := &imageio.Image{Width: 32, Height: 16, Depth: 8, RGB: make([]float32, 3*32*16)}
	for i := range img.RGB {
		img.RGB[i] = float32(i%97)/97 - 0.5
	}
	png, err := imageio.Encode(img, imageio.EncodeOptions{Format: "png"})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := vips.NewImageFromBuffer(png)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if err := ref.SetOrientation(6); err != nil {
		t.Fatal(err)
	}
	jpg, _, err := ref.ExportJpeg(vips.NewJpegExportParams())
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.jpg")
	if err := os.WriteFile(in, jpg, 0o644); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "out.png")
	if err := run([]string{"-config", cfg, "-width", "32", in, out}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, _, err := image.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	// upright 16×32 → ×4 = 64×128 → width 32 = 32×64.
	if c.Width != 32 || c.Height != 64 {
		t.Errorf("output %d×%d, want 32×64", c.Width, c.Height)
	}

	bad := filepath.Join(dir, "out.gif")
	if err := run([]string{"-config", cfg, in, bad}); err == nil || !strings.Contains(err.Error(), `".gif"`) {
		t.Errorf("gif output: %v", err)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Error("a file was written for a failed run")
	}
}
