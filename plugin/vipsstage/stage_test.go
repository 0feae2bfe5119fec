package vipsstage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/hashicorp/go-hclog"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/modelpack"
	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/plugin/vipsstage"
)

var pluginBin, packDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "resshift-vipsstage-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	pluginBin = filepath.Join(dir, "resshift-plugin")
	build := exec.Command("go", "build", "-o", pluginBin, "../cmd/resshift-plugin")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build resshift-plugin:", err)
		return 1
	}
	if packDir, err = filepath.Abs("../../core/testdata/models/oracle-x4"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// upscalers returns the stage's two ways to run: the engine in process and
// the plugin process, both with the cheap pointwise test pack.
func upscalers(t *testing.T) map[string]vipsstage.Upscaler {
	t.Helper()
	cfg := core.DefaultConfig()
	cfg.Runtime.IntraOpThreads = 1
	pack, err := modelpack.LoadDir(packDir)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := core.NewFromPack(cfg, pack, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })

	cfgPath := filepath.Join(t.TempDir(), "plugin.toml")
	body := fmt.Sprintf("model = %q\n[runtime]\nintra_op_threads = 1\n", packDir)
	if err := os.WriteFile(cfgPath, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := plugin.NewHost(plugin.HostConfig{Path: pluginBin, Args: []string{"-config", cfgPath},
		Logger: hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Warn})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	viaPlugin, err := vipsstage.Plugin(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]vipsstage.Upscaler{"in-process": vipsstage.Engine(eng), "plugin": viaPlugin}
}

// pattern is a w×h image: left half red, right half blue, with a gradient;
// alpha (when set) transparent on the left half, opaque on the right.
func pattern(w, h, depth int, alpha bool) *imageio.Image {
	img := &imageio.Image{Width: w, Height: h, Depth: depth, RGB: make([]float32, 3*w*h)}
	if alpha {
		img.Alpha = make([]float32, w*h)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			g := float32(y)/float32(h) - 0.5
			if x < w/2 {
				img.RGB[i], img.RGB[2*w*h+i] = 0.8, -0.8
			} else {
				img.RGB[i], img.RGB[2*w*h+i] = -0.8, 0.8
			}
			img.RGB[w*h+i] = g + 0.001*float32(x)
			if alpha {
				img.Alpha[i] = 1
				if x < w/2 {
					img.Alpha[i] = -1
				}
			}
		}
	}
	return img
}

func load(t *testing.T, data []byte) *vips.ImageRef {
	t.Helper()
	ref, err := vips.NewImageFromBuffer(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ref.Close)
	return ref
}

func encode(t *testing.T, img *imageio.Image, format string) []byte {
	t.Helper()
	b, err := imageio.Encode(img, imageio.EncodeOptions{Format: format})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rotatedJPEG is a 32×16 pattern stored sideways with EXIF orientation 6
// (displayed 16×32: the stored left half, red, on top).
func rotatedJPEG(t *testing.T) []byte {
	ref := load(t, encode(t, pattern(32, 16, 8, false), "png"))
	if err := ref.SetOrientation(6); err != nil {
		t.Fatal(err)
	}
	data, _, err := ref.ExportJpeg(&vips.JpegExportParams{Quality: 95})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestStage(t *testing.T) {
	ups := upscalers(t)
	p3, err := os.ReadFile("../../core/imageio/testdata/p3.jpg")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		data  func(*testing.T) []byte
		w, h  int // upright input size
		check func(t *testing.T, in, out *imageio.Image, ref *vips.ImageRef)
	}{
		{"rgba", func(t *testing.T) []byte { return encode(t, pattern(24, 16, 8, true), "png") }, 24, 16,
			func(t *testing.T, in, out *imageio.Image, ref *vips.ImageRef) {
				if ref.Bands() != 4 || !ref.HasAlpha() || out.Alpha == nil {
					t.Fatalf("%d bands, alpha %v", ref.Bands(), ref.HasAlpha())
				}
				// Away from the edge the alpha stays 0 (left) and 255 (right).
				if a, b := out.Alpha[10*out.Width+4], out.Alpha[10*out.Width+out.Width-5]; a != -1 || b != 1 {
					t.Errorf("alpha %v / %v, want -1 / 1", a, b)
				}
			}},
		{"16-bit", func(t *testing.T) []byte { return encode(t, pattern(20, 12, 16, false), "png") }, 20, 12,
			func(t *testing.T, in, out *imageio.Image, ref *vips.ImageRef) {
				if ref.BandFormat() != vips.BandFormatUshort || out.Depth != 16 {
					t.Fatalf("band format %v, depth %d", ref.BandFormat(), out.Depth)
				}
				// 16-bit precision, not 8-bit levels stretched.
				fine := 0
				for _, v := range out.RGB[out.Width*out.Height : 2*out.Width*out.Height] {
					if l := math.Round((float64(v) + 1) * 32767.5); math.Mod(l, 257) != 0 {
						fine++
					}
				}
				if fine == 0 {
					t.Error("the result has only 8-bit levels")
				}
			}},
		{"exif orientation 6", rotatedJPEG, 16, 32,
			func(t *testing.T, in, out *imageio.Image, ref *vips.ImageRef) {
				if o := ref.Orientation(); o > 1 {
					t.Errorf("orientation %d, want 1", o)
				}
				n := out.Width * out.Height
				top, bottom := 5*out.Width+out.Width/2, (out.Height-6)*out.Width+out.Width/2
				if r, b := out.RGB[top], out.RGB[2*n+top]; r < 0.5 || b > -0.5 {
					t.Errorf("top is r=%v b=%v, want red", r, b)
				}
				if r, b := out.RGB[bottom], out.RGB[2*n+bottom]; r > -0.5 || b < 0.5 {
					t.Errorf("bottom is r=%v b=%v, want blue", r, b)
				}
			}},
		{"autorotated by the pipeline", func(t *testing.T) []byte { return rotatedJPEG(t) }, 16, 32, nil},
		{"display p3 profile", func(*testing.T) []byte { return p3 }, 0, 0,
			func(t *testing.T, in, out *imageio.Image, ref *vips.ImageRef) {
				if !ref.HasICCProfile() {
					t.Error("no colour profile on the result")
				}
				// The fixture is (200, 30, 30) in sRGB once converted.
				n, i := out.Width*out.Height, 12*out.Width+12
				for c, want := range []float64{200, 30, 30} {
					if got := (float64(out.RGB[c*n+i]) + 1) * 127.5; math.Abs(got-want) > 4 {
						t.Errorf("channel %d = %.1f, want %v", c, got, want)
					}
				}
			}},
	}
	for _, tc := range cases {
		results := map[string][]byte{}
		for _, name := range []string{"in-process", "plugin"} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				in := load(t, tc.data(t))
				if strings.HasPrefix(tc.name, "autorotated") {
					// In memory, as a pipeline does: the orientation field
					// goes, the EXIF block (still saying 6) stays.
					if err := in.AutoRotate(); err != nil {
						t.Fatal(err)
					}
				}
				inW, inO := in.Width(), in.Orientation()
				w, h := tc.w, tc.h
				if w == 0 {
					w, h = in.Width(), in.Height()
				}
				out, err := vipsstage.New(ups[name]).Upscale(context.Background(), in, vipsstage.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer out.Close()
				if out.Width() != 4*w || out.Height() != 4*h {
					t.Fatalf("result %d×%d, want %d×%d", out.Width(), out.Height(), 4*w, 4*h)
				}
				if in.Width() != inW || in.Orientation() != inO {
					t.Error("the input ref changed")
				}
				inImg, err := imageio.FromRef(in, imageio.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				outImg, err := imageio.FromRef(out, imageio.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if tc.check != nil {
					tc.check(t, inImg, outImg, out)
				}
				raw, err := out.ToBytes()
				if err != nil {
					t.Fatal(err)
				}
				results[name] = raw
			})
		}
		if a, b := results["in-process"], results["plugin"]; a != nil && b != nil && !bytes.Equal(a, b) {
			t.Errorf("%s: in-process and plugin results differ", tc.name)
		}
	}
}

func TestStageErrors(t *testing.T) {
	for name, u := range upscalers(t) {
		t.Run(name, func(t *testing.T) {
			s := vipsstage.New(u)
			ref := load(t, encode(t, pattern(40, 40, 8, false), "png"))
			if _, err := s.Upscale(context.Background(), nil, vipsstage.Options{}); !errors.Is(err, imageio.ErrInvalid) {
				t.Errorf("nil ref: %v", err)
			}
			if _, err := s.Upscale(context.Background(), ref, vipsstage.Options{Limits: imageio.Limits{MaxPixels: 1000}}); !errors.Is(err, imageio.ErrTooLarge) {
				t.Errorf("over the limit: %v", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := s.Upscale(ctx, ref, vipsstage.Options{}); !errors.Is(err, core.ErrCanceled) {
				t.Errorf("cancelled: %v", err)
			}
			bad := u.Options()
			bad.Batch = 99
			if _, err := s.Upscale(context.Background(), ref, vipsstage.Options{Engine: &bad}); !errors.Is(err, core.ErrInvalidInput) {
				t.Errorf("bad batch: %v", err)
			}
		})
	}
}
