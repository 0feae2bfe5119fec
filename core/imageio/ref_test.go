package imageio

import (
	"errors"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
)

func TestRefRoundTrip(t *testing.T) {
	const w, h = 11, 7
	cases := map[string][]byte{
		"rgb8":       encPNG(t, nrgba(w, h, false)),
		"rgba16":     encPNG(t, nrgba64(w, h, true)),
		"gray16":     encPNG(t, gray16(w, h)),
		"gray+alpha": grayAlphaPNG(t, w, h),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			img := mustDecode(t, data)
			ref, err := ToRef(img)
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			if ref.Width() != w || ref.Height() != h {
				t.Fatalf("ref %d×%d", ref.Width(), ref.Height())
			}
			back, err := FromRef(ref, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			sameImage(t, back, img)
			if back.Format != "tiff" {
				t.Errorf("format %q, want tiff (the transport)", back.Format)
			}
		})
	}
}

func TestFromRefConverts(t *testing.T) {
	// A govips-loaded JPEG: P3 profile → sRGB.
	ref, err := vips.NewImageFromBuffer(readFixture(t, "p3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	img, err := FromRef(ref, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Format != "jpeg" {
		t.Errorf("format %q", img.Format)
	}
	near(t, img, 3, 3, [3]int{200, 30, 30}, 3)

	// Orientation 6 is applied; the caller's ref is not changed.
	data := govipsExport(t, encPNG(t, smooth(16, 8)), func(r *vips.ImageRef) (*vips.ImageRef, error) {
		return r, r.SetOrientation(6)
	}, exportJPEG(95))
	ref6, err := vips.NewImageFromBuffer(data)
	if err != nil {
		t.Fatal(err)
	}
	defer ref6.Close()
	img, err = FromRef(ref6, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 8 || img.Height != 16 {
		t.Errorf("size %d×%d, want 8×16", img.Width, img.Height)
	}
	if ref6.Width() != 16 || ref6.Orientation() != 6 {
		t.Errorf("caller's ref changed: %d wide, orientation %d", ref6.Width(), ref6.Orientation())
	}
}

func TestRefErrors(t *testing.T) {
	if _, err := FromRef(nil, Limits{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("FromRef(nil): %v", err)
	}
	ref, err := vips.NewImageFromBuffer(encPNG(t, nrgba(40, 40, false)))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if _, err := FromRef(ref, Limits{MaxPixels: 100}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("FromRef over MaxPixels: %v", err)
	}
	if _, err := ToRef(&Image{Width: 1, Height: 1, Depth: 8, RGB: make([]float32, 2)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("ToRef(bad image): %v", err)
	}
}

func TestToRefMetadata(t *testing.T) {
	img := mustDecode(t, readFixture(t, "p3.jpg"))
	ref, err := ToRef(img)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if !ref.HasICCProfile() {
		t.Error("ICC profile not carried")
	}
	if o := ref.Orientation(); o > 1 {
		t.Errorf("orientation %d", o)
	}
}
