package metric

import (
	"encoding/json"
	"image"
	"image/color"
	"math"
	"os"
	"strings"
	"testing"
)

func solid(w, h int, r, g, b uint8) *Image {
	m := &Image{W: w, H: h, Pix: make([]uint8, 3*w*h)}
	for i := 0; i < w*h; i++ {
		m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2] = r, g, b
	}
	return m
}

type vectorCase struct {
	Border     int
	PSNR, SSIM float64
}

func loadVectors(t *testing.T) (a, b *Image, cases []vectorCase) {
	t.Helper()
	raw, err := os.ReadFile("testdata/metric_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		W, H  int
		A, B  []int // not []uint8, which encoding/json reads as base64
		Cases []vectorCase
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	toU8 := func(s []int) []uint8 {
		out := make([]uint8, len(s))
		for i, x := range s {
			out[i] = uint8(x)
		}
		return out
	}
	return &Image{W: v.W, H: v.H, Pix: toU8(v.A)}, &Image{W: v.W, H: v.H, Pix: toU8(v.B)}, v.Cases
}

// Golden values from the independent NumPy reference (testdata/gen_vectors.py).
func TestGolden(t *testing.T) {
	a, b, cases := loadVectors(t)
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range cases {
		p, err := PSNRY(a, b, c.Border)
		if err != nil {
			t.Fatal(err)
		}
		s, err := SSIMY(a, b, c.Border)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(p-c.PSNR) > 1e-9 || math.Abs(s-c.SSIM) > 1e-9 {
			t.Errorf("border %d: PSNR %.12f SSIM %.12f, want %.12f %.12f", c.Border, p, s, c.PSNR, c.SSIM)
		}
	}
}

func TestIdenticalAndSymmetric(t *testing.T) {
	a, b, _ := loadVectors(t)
	for _, border := range []int{0, 1, 4} {
		p, err := PSNRY(a, a, border)
		if err != nil || !math.IsInf(p, 1) {
			t.Errorf("PSNR(a, a) = %v, %v", p, err)
		}
		s, err := SSIMY(a, a, border)
		if err != nil || math.Abs(s-1) > 1e-12 {
			t.Errorf("SSIM(a, a) = %v, %v", s, err)
		}
		p1, _ := PSNRY(a, b, border)
		p2, _ := PSNRY(b, a, border)
		s1, _ := SSIMY(a, b, border)
		s2, _ := SSIMY(b, a, border)
		if p1 != p2 || math.Abs(s1-s2) > 1e-15 {
			t.Errorf("border %d: not symmetric: %v/%v %v/%v", border, p1, p2, s1, s2)
		}
	}
}

// Hand-computed cases.
func TestHandComputed(t *testing.T) {
	// One white pixel in a 2×2 black image: ΔY = 65.481+128.553+24.966 = 219,
	// MSE = 219²/4 → PSNR = 20·log10(2·255/219).
	a := solid(2, 2, 0, 0, 0)
	b := solid(2, 2, 0, 0, 0)
	b.Pix[0], b.Pix[1], b.Pix[2] = 255, 255, 255
	p, err := PSNRY(a, b, 0)
	if want := 20 * math.Log10(2*255.0/219); err != nil || math.Abs(p-want) > 1e-12 {
		t.Errorf("PSNR = %v, want %v (%v)", p, want, err)
	}
	// With border 1 of a 4×4 image only the centre 2×2 counts.
	a4, b4 := solid(4, 4, 10, 20, 30), solid(4, 4, 10, 20, 30)
	b4.Pix[0] = 200 // corner: cropped away
	if p, _ := PSNRY(a4, b4, 1); !math.IsInf(p, 1) {
		t.Errorf("border crop ignored: PSNR %v", p)
	}
	// Pure red: Y = 16 + 65.481 = 81.481; pure blue 16 + 24.966.
	ya, _ := LumaY(solid(1, 1, 255, 0, 0))
	yb, _ := LumaY(solid(1, 1, 0, 0, 255))
	if math.Abs(ya[0]-81.481) > 1e-12 || math.Abs(yb[0]-40.966) > 1e-12 {
		t.Errorf("luma red %v blue %v", ya[0], yb[0])
	}
	// Grey images: the luma is the grey value itself.
	yg, _ := LumaY(&Image{W: 2, H: 1, C: 1, Pix: []uint8{0, 255}})
	yg16, _ := LumaY(&Image{W: 1, H: 1, C: 1, Pix16: []uint16{65535}})
	if yg[0] != 0 || yg[1] != 255 || yg16[0] != 255 {
		t.Errorf("grey luma %v %v", yg, yg16)
	}
	pg, _ := PSNRY(&Image{W: 2, H: 1, C: 1, Pix: []uint8{0, 0}}, &Image{W: 2, H: 1, C: 1, Pix: []uint8{0, 51}}, 0)
	if want := 10 * math.Log10(255*255/(51*51/2.0)); math.Abs(pg-want) > 1e-12 {
		t.Errorf("grey PSNR %v, want %v", pg, want)
	}
	// Two constant images: σ terms vanish, SSIM = (2·μ1·μ2 + C1)/(μ1² + μ2² + C1).
	g1, g2 := 100.0, 140.0
	m1, m2 := 16+219*g1/255, 16+219*g2/255
	want := (2*m1*m2 + ssimC1) / (m1*m1 + m2*m2 + ssimC1)
	s, err := SSIMY(solid(13, 12, 100, 100, 100), solid(13, 12, 140, 140, 140), 0)
	if err != nil || math.Abs(s-want) > 1e-12 {
		t.Errorf("SSIM constants = %v, want %v (%v)", s, want, err)
	}
}

// 16-bit input v·257 gives exactly the 8-bit metrics.
func TestSixteenBit(t *testing.T) {
	a, b, _ := loadVectors(t)
	wide := func(m *Image) *Image {
		w := &Image{W: m.W, H: m.H, Pix16: make([]uint16, len(m.Pix))}
		for i, v := range m.Pix {
			w.Pix16[i] = uint16(v) * 257
		}
		return w
	}
	p8, _ := PSNRY(a, b, 2)
	p16, err := PSNRY(wide(a), wide(b), 2)
	s8, _ := SSIMY(a, b, 2)
	s16, _ := SSIMY(wide(a), b, 2) // mixed depths are fine
	if err != nil || math.Abs(p8-p16) > 1e-9 || math.Abs(s8-s16) > 1e-9 {
		t.Errorf("16-bit PSNR %v vs %v, SSIM %v vs %v (%v)", p16, p8, s16, s8, err)
	}
}

func TestFromImage(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix = []uint8{7, 200}
	rgba := image.NewNRGBA(image.Rect(1, 1, 3, 2))
	rgba.SetNRGBA(1, 1, color.NRGBA{1, 2, 3, 128})
	rgba.SetNRGBA(2, 1, color.NRGBA{4, 5, 6, 255})
	g16 := image.NewGray16(image.Rect(0, 0, 1, 1))
	g16.SetGray16(0, 0, color.Gray16{Y: 65535})
	ycc := image.NewYCbCr(image.Rect(0, 0, 1, 1), image.YCbCrSubsampleRatio444)
	ycc.Y[0], ycc.Cb[0], ycc.Cr[0] = 128, 128, 128
	for _, tc := range []struct {
		name    string
		img     image.Image
		pix     []uint8
		pix16   []uint16
		c, w, h int
	}{
		{"gray", gray, []uint8{7, 200}, nil, 1, 2, 1},
		{"nrgba-offset", rgba, []uint8{1, 2, 3, 4, 5, 6}, nil, 3, 2, 1},
		{"gray16", g16, nil, []uint16{65535}, 1, 1, 1},
		{"ycbcr", ycc, []uint8{128, 128, 128}, nil, 3, 1, 1},
	} {
		m := FromImage(tc.img)
		if m.C != tc.c || m.W != tc.w || m.H != tc.h || string(m.Pix) != string(tc.pix) || len(m.Pix16) != len(tc.pix16) {
			t.Errorf("%s: got %+v", tc.name, m)
			continue
		}
		for i := range tc.pix16 {
			if m.Pix16[i] != tc.pix16[i] {
				t.Errorf("%s: Pix16 %v", tc.name, m.Pix16)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	ok := solid(12, 12, 1, 2, 3)
	for _, tc := range []struct {
		name   string
		a, b   *Image
		border int
		want   string
		ssim   bool
	}{
		{"size", ok, solid(12, 13, 1, 2, 3), 0, "sizes differ", false},
		{"channels", ok, &Image{W: 12, H: 12, C: 1, Pix: make([]uint8, 144)}, 0, "channel counts differ", false},
		{"bad channels", &Image{W: 12, H: 12, C: 2, Pix: make([]uint8, 288)}, ok, 0, "2 channels", false},
		{"nil", nil, ok, 0, "nil image", false},
		{"short", &Image{W: 12, H: 12, Pix: make([]uint8, 10)}, ok, 0, "needs 432 samples", false},
		{"both", &Image{W: 12, H: 12, Pix: make([]uint8, 432), Pix16: make([]uint16, 432)}, ok, 0, "both", false},
		{"empty", &Image{}, &Image{}, 0, "invalid image size", false},
		{"negative border", ok, ok, -1, "negative border", false},
		{"border eats all", ok, ok, 6, "leaves nothing", false},
		{"ssim too small", ok, ok, 1, "at least 11x11", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.ssim {
				_, err = SSIMY(tc.a, tc.b, tc.border)
			} else {
				_, err = PSNRY(tc.a, tc.b, tc.border)
				_, err2 := SSIMY(tc.a, tc.b, tc.border)
				if err2 == nil {
					t.Error("SSIMY accepted it")
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func BenchmarkSSIMY512(b *testing.B) {
	x, y := solid(512, 512, 1, 2, 3), solid(512, 512, 3, 2, 1)
	for i := range x.Pix {
		x.Pix[i] = uint8(i * 7)
	}
	for b.Loop() {
		if _, err := SSIMY(x, y, 4); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFromImageRGBA(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 2, 1))
	m.SetRGBA(0, 0, color.RGBA{10, 20, 30, 255})
	m.SetRGBA(1, 0, color.RGBA{50, 25, 0, 128}) // premultiplied → NRGBA ≈ {99, 49, 0}
	got := FromImage(m)
	nr := color.NRGBAModel.Convert(color.RGBA{50, 25, 0, 128}).(color.NRGBA)
	want := []uint8{10, 20, 30, nr.R, nr.G, nr.B}
	if got.C != 3 || string(got.Pix) != string(want) {
		t.Errorf("FromImage(RGBA) = %v, want %v", got.Pix, want)
	}
}
