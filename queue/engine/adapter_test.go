package engine_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/queue"
	"github.com/resshift/resshift/queue/engine"
	"github.com/resshift/resshift/vocab"
)

func pngBytes(t *testing.T, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 16), uint8(y * 16), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestUpscaler runs the adapter on the real engine (embedded default model):
// formats come back named, and the engine's invalid-input errors match
// queue.ErrBadInput while the options' own checks happen at New.
func TestUpscaler(t *testing.T) {
	imageio.Startup(imageio.Config{})
	cfg := core.DefaultConfig()
	cfg.Runtime.IntraOpThreads = 1
	eng, err := core.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	up, err := engine.New(eng, eng.Options())
	if err != nil {
		t.Fatal(err)
	}
	in := pngBytes(t, 12, 8)
	tests := []struct {
		name    string
		in      []byte
		opt     queue.Options
		format  vocab.Format // "" = an error is wanted
		badData bool         // the error matches queue.ErrBadInput
	}{
		{"png as the input", in, queue.Options{}, "png", false},
		{"webp", in, queue.Options{Format: "webp", Quality: 80}, "webp", false},
		{"jpeg stripped", in, queue.Options{Format: "jpeg", Strip: true}, "jpeg", false},
		{"tiff", in, queue.Options{Format: "tiff"}, "tiff", false},
		{"not an image", []byte("hello"), queue.Options{}, "", true},
		{"truncated png", in[:len(in)/2], queue.Options{}, "", true},
		{"unknown format", in, queue.Options{Format: "bmp"}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, f, err := up.Upscale(context.Background(), tc.in, tc.opt)
			if tc.format == "" {
				if err == nil || errors.Is(err, queue.ErrBadInput) != tc.badData {
					t.Fatalf("err %v, want an error with ErrBadInput = %v", err, tc.badData)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f != tc.format || vocab.Sniff(out) != tc.format {
				t.Fatalf("format %q (sniffed %q), want %q", f, vocab.Sniff(out), tc.format)
			}
			img, err := imageio.Decode(out, imageio.Limits{})
			if err != nil || img.Width != 48 || img.Height != 32 {
				t.Fatalf("output %v %v, want 48×32", img, err)
			}
		})
	}
	bad := eng.Options()
	bad.Tile = 3
	if _, err := engine.New(eng, bad); err == nil {
		t.Error("New accepted tile 3")
	}
}
