package imageio

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// TestConcurrent decodes and encodes from many goroutines (the package has
// no shared mutable state; libvips is thread-safe) and checks the results
// equal the sequential ones.
func TestConcurrent(t *testing.T) {
	inputs := [][]byte{
		encPNG(t, nrgba64(24, 16, true)),
		encPNG(t, gray8(20, 12)),
		readFixture(t, "p3.jpg"),
		readFixture(t, "cmyk.jpg"),
	}
	formats := []string{"png", "jpeg", "webp", "tiff"}
	type result struct{ rgb, enc []byte }
	run := func(i int) (result, error) {
		img, err := Decode(inputs[i%len(inputs)], Limits{})
		if err != nil {
			return result{}, err
		}
		enc, err := Encode(img, EncodeOptions{Format: formats[i%len(formats)]})
		if err != nil {
			return result{}, err
		}
		return result{[]byte(fmt.Sprint(img.RGB)), enc}, nil
	}

	const n = 16
	want := make([]result, n)
	for i := range want {
		r, err := run(i)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = r
	}
	var wg sync.WaitGroup
	errs := make(chan error, n*2)
	for rep := 0; rep < 2; rep++ {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := run(i)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(r.rgb, want[i].rgb) || !bytes.Equal(r.enc, want[i].enc) {
					errs <- fmt.Errorf("job %d differs from the sequential run", i)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// recorder is a slog handler that keeps records.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// TestLogging: libvips/govips messages and the package's own warnings go to
// slog (nothing is printed through the log package or elsewhere).
func TestLogging(t *testing.T) {
	rec := &recorder{}
	old := slog.Default()
	slog.SetDefault(slog.New(rec)) // also captures the log package
	defer slog.SetDefault(old)

	// complete chunk structure, damaged IDAT data: libvips itself must complain
	big := encPNG(t, nrgba(64, 64, false))
	bad := append([]byte(nil), big...)
	for i := len(bad) / 2; i < len(bad)/2+16; i++ {
		bad[i] ^= 0x5a
	}
	if _, err := Decode(bad, Limits{}); err == nil {
		t.Fatal("damaged PNG decoded")
	}
	img := mustDecode(t, encPNG(t, nrgba(4, 4, true)))
	mustEncode(t, img, EncodeOptions{Format: "jpeg"})

	rec.mu.Lock()
	defer rec.mu.Unlock()
	var sawVips, sawFlatten bool
	for _, r := range rec.recs {
		switch {
		case strings.HasPrefix(r.Message, "libvips: "):
			sawVips = true
		case strings.Contains(r.Message, "jpeg cannot hold alpha"):
			sawFlatten = r.Level == slog.LevelWarn
		case strings.HasPrefix(r.Message, "imageio: "):
		default:
			t.Errorf("unexpected log record %q (printed, not routed?)", r.Message)
		}
	}
	if !sawVips {
		t.Error("no libvips warning routed to slog for a damaged PNG")
	}
	if !sawFlatten {
		t.Error("no warning for alpha flattened into a JPEG")
	}
}
