package pipeline

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/vocab"
)

// logo returns a w×h hard-edged logo: an opaque red disc on fully transparent
// pixels whose (invisible) colour is bg (in [-1, 1]).
func logo(w, h int, bg float32) *imageio.Image {
	n := w * h
	img := &imageio.Image{Width: w, Height: h, RGB: make([]float32, 3*n), Alpha: make([]float32, n), Depth: 8, Format: "png"}
	cx, cy, r := float64(w)/2, float64(h)/2, float64(min(w, h))/3
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) <= r {
				img.RGB[i], img.RGB[n+i], img.RGB[2*n+i] = 1, -1, -1
				img.Alpha[i] = 1
			} else {
				img.RGB[i], img.RGB[n+i], img.RGB[2*n+i] = bg, bg, bg
				img.Alpha[i] = -1
			}
		}
	}
	return img
}

// A logo on a transparent background keeps its colour up to the edge: the
// colour of transparent pixels must not bleed into the upscaled edge (no dark
// fringe from transparent black, no light one from transparent white). Issue 12.
func TestAlphaNoFringe(t *testing.T) {
	for _, pack := range []string{"oracle-x4", "default"} {
		for _, bg := range []struct {
			name string
			v    float32
		}{{"transparent black", -1}, {"transparent white", 1}} {
			t.Run(fmt.Sprintf("%s/%s", pack, bg.name), func(t *testing.T) {
				var e *core.Engine
				if pack == "default" {
					e = defaultEngine(t)
				} else {
					e = testEngine(t, pack)
				}
				img := logo(32, 32, bg.v)
				o := e.Options()
				o.Sampler = vocab.Deterministic
				out, _, err := UpscaleImage(context.Background(), e, img, o)
				if err != nil {
					t.Fatal(err)
				}
				n := out.Width * out.Height
				// Visible pixels (alpha >= 0.25): the colour stays red. Measured in
				// [0, 1]; a fringe from the background's colour moves R (black) or
				// G and B (white) by up to about half the range.
				worst, at := 0.0, -1
				visible := 0
				for i := 0; i < n; i++ {
					a := (float64(out.Alpha[i]) + 1) / 2
					if a < 0.25 {
						continue
					}
					visible++
					r := (float64(out.RGB[i]) + 1) / 2
					g := (float64(out.RGB[n+i]) + 1) / 2
					b := (float64(out.RGB[2*n+i]) + 1) / 2
					if d := max(1-r, g, b); d > worst {
						worst, at = d, i
					}
				}
				if visible < 1000 {
					t.Fatalf("only %d visible pixels", visible)
				}
				t.Logf("%d visible pixels, worst distance from red %.3f", visible, worst)
				if worst > 0.1 {
					t.Fatalf("colour fringe: pixel (%d, %d) alpha %.2f is %.2f away from red",
						at%out.Width, at/out.Width, (out.Alpha[at]+1)/2, worst)
				}
			})
		}
	}
}

// Opaque images are not touched by the premultiplication: same samples as
// the RGB path.
func TestAlphaOpaqueUnchanged(t *testing.T) {
	e := testEngine(t, "pointwise-x4")
	w, h := 24, 16
	img := &imageio.Image{Width: w, Height: h, RGB: smooth(w, h, 3), Alpha: make([]float32, w*h), Depth: 8}
	for i := range img.Alpha {
		img.Alpha[i] = 1
	}
	o := e.Options()
	out, _, err := UpscaleImage(context.Background(), e, img, o)
	if err != nil {
		t.Fatal(err)
	}
	want := upscale(t, e, img.RGB, w, h, nil)
	if d := maxDiff(out.RGB, want); d != 0 {
		t.Fatalf("opaque RGBA differs from RGB by %g", d)
	}
}

func TestFillTransparent(t *testing.T) {
	const w, h = 40, 3
	n := w * h
	mk := func(alphaAt func(x int) float32) ([]float32, []float32) {
		rgb, a := make([]float32, 3*n), make([]float32, n)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := y*w + x
				a[i] = alphaAt(x)
				rgb[i], rgb[n+i], rgb[2*n+i] = 0.5, -0.25, -1 // visible colour
				if a[i] == -1 {
					rgb[i], rgb[n+i], rgb[2*n+i] = 1, 1, 1 // invisible white
				}
			}
		}
		return rgb, a
	}
	for _, tc := range []struct {
		name    string
		alpha   func(x int) float32
		same    bool // the input slice comes back
		filledX []int
	}{
		{"opaque", func(int) float32 { return 1 }, true, nil},
		{"half transparent", func(int) float32 { return 0 }, true, nil},
		{"all transparent", func(int) float32 { return -1 }, true, nil},
		{"left visible", func(x int) float32 {
			if x < 2 {
				return 0
			}
			return -1
		}, false, []int{2, 3, 17, 18, 30, 39}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rgb, a := mk(tc.alpha)
			got := fillTransparent(rgb, a, w, h)
			if tc.same != (&got[0] == &rgb[0]) {
				t.Fatalf("returned the input: %v, want %v", &got[0] == &rgb[0], tc.same)
			}
			if rgb[n-1] != 1 && tc.alpha(w-1) == -1 {
				t.Fatal("input modified")
			}
			for _, x := range tc.filledX {
				i := w + x
				if got[i] != 0.5 || got[n+i] != -0.25 || got[2*n+i] != -1 {
					t.Errorf("x=%d: filled colour (%g, %g, %g), want the visible (0.5, -0.25, -1)", x, got[i], got[n+i], got[2*n+i])
				}
			}
		})
	}
}
