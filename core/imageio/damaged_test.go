package imageio

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/resshift/resshift/internal/testimg"
)

// noisy returns a w×h image with detail everywhere, so that every encoder
// spreads its data over the whole file and a cut or a flipped byte lands in
// compressed pixel data.
func noisy(w, h int) *image.NRGBA {
	im := image.NewNRGBA(image.Rect(0, 0, w, h))
	s := uint32(12345)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s = s*1664525 + 1013904223
			im.SetNRGBA(x, y, color.NRGBA{uint8(x + int(s>>28)), uint8(y + int(s>>24)&15), uint8((x ^ y) + int(s>>20)&7), 255})
		}
	}
	return im
}

// damagedCase is one damaged file made from a real encode. mayDecode: the
// damage cannot be detected (WebP has no checksum: a flipped byte in its
// compressed data is another valid picture), so only determinism is
// required.
type damagedCase struct {
	name      string
	data      []byte
	mayDecode bool
}

// damagedInputs encodes a real image in each accepted format and damages
// the result in three ways: the last 10 bytes cut, the second half cut, and
// bytes flipped in the middle of the pixel data.
func damagedInputs(t testing.TB) []damagedCase {
	t.Helper()
	src := encPNG(t, noisy(384, 320))
	img := mustDecode(t, src)
	enc := map[string][]byte{
		"png":  src,
		"jpeg": mustEncode(t, img, EncodeOptions{Format: "jpeg", Quality: 90}),
		"webp": mustEncode(t, img, EncodeOptions{Format: "webp", Quality: 90}),
		"tiff": mustEncode(t, img, EncodeOptions{Format: "tiff"}),
		"gif":  encGIF(t, paletted(384, 320)),
		// Directory first: cuts truncate the strips, not the header.
		"tiff-dir-first": testimg.TIFFDirFirst(noisy(384, 320)),
	}
	var out []damagedCase
	for _, f := range []string{"png", "jpeg", "webp", "tiff", "tiff-dir-first", "gif"} {
		b := enc[f]
		flip := append([]byte(nil), b...)
		for i := len(b) / 2; i < len(b)/2+64 && i < len(b); i += 4 {
			flip[i] ^= 0xa5
		}
		out = append(out,
			damagedCase{f + "/last 10 bytes cut", b[:len(b)-10], false},
			damagedCase{f + "/half cut", b[:len(b)/2], false},
			// No checksum in WebP or uncompressed TIFF data: a flipped
			// byte there is another valid picture.
			damagedCase{f + "/bytes flipped", flip, f == "webp" || f == "tiff-dir-first"},
		)
	}
	return out
}

// decodeVerdict is "ok" with the size and a hash of the samples, or the
// error text of one Decode.
func decodeVerdict(data []byte) string {
	img, err := Decode(data, Limits{})
	if err != nil {
		return "error: " + err.Error()
	}
	h := fnv.New64a()
	binary.Write(h, binary.LittleEndian, img.RGB)
	return fmt.Sprintf("ok %d×%d %x", img.Width, img.Height, h.Sum64())
}

// TestDamagedDeterministic decodes every damaged input 24 times in a child
// process whose libvips runs 8 worker threads (the races of libvips'
// threaded decoding only show with several workers), and requires the same
// error every time: a damaged file never decodes, never differently.
func TestDamagedDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child test process")
	}
	const runs = 24
	cmd := exec.Command(os.Args[0], "-test.run=^TestDamagedChild$", "-test.v")
	cmd.Env = append(os.Environ(), "IMAGEIO_TEST_CONCURRENCY=8", "IMAGEIO_TEST_RUNS="+strconv.Itoa(runs))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	cases := map[string]damagedCase{}
	for _, c := range damagedInputs(t) {
		cases["CASE "+c.name] = c
	}
	seen := 0
	for _, line := range strings.Split(string(out), "\n") {
		name, rest, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasPrefix(name, "CASE ") {
			continue
		}
		seen++
		verdicts := strings.Split(rest, "\t")
		if len(verdicts) != runs {
			t.Errorf("%s: %d verdicts, want %d", name, len(verdicts), runs)
			continue
		}
		counts := map[string]int{}
		for _, v := range verdicts {
			counts[v]++
		}
		if len(counts) != 1 {
			t.Errorf("%s: want the same verdict every time, got %v", name, counts)
		} else if !strings.HasPrefix(verdicts[0], "error: ") && !cases[name].mayDecode {
			t.Errorf("%s: decoded (%s), want an error", name, verdicts[0])
		}
	}
	if want := len(cases); seen != want {
		t.Fatalf("child reported %d cases, want %d:\n%s", seen, want, out)
	}
}

// TestDamagedChild is the child of TestDamagedDeterministic; it does
// nothing unless IMAGEIO_TEST_RUNS is set.
func TestDamagedChild(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("IMAGEIO_TEST_RUNS"))
	if runs == 0 {
		t.Skip("child of TestDamagedDeterministic")
	}
	for _, c := range damagedInputs(t) {
		v := make([]string, runs)
		for i := range v {
			v[i] = strings.ReplaceAll(decodeVerdict(c.data), "\t", " ")
		}
		fmt.Printf("CASE %s\t%s\n", c.name, strings.Join(v, "\t"))
	}
}
