package imageio

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resshift/resshift/internal/testimg"
)

// withTimeout runs f and fails the test if it has not returned after d (a
// call that blocks on a FIFO would hang the test binary otherwise).
func withTimeout(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s blocked for %v", what, d)
	}
}

// mkfifo makes a named pipe in dir.
func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return p
}

// TestSpecialFilesRefused: a FIFO (no writer: open for reading would block
// forever), a directory and a character device are refused at once with
// ErrInvalid naming what they are; a symlink to a regular file is fine.
func TestSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, dir, "pipe.png")
	good := filepath.Join(dir, "ok.png")
	if err := os.WriteFile(good, encPNG(t, nrgba(8, 8, false)), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.png")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, want string
	}{
		{fifo, "a named pipe (FIFO)"},
		{dir, "a directory"},
		{"/dev/null", "a character device"},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			for name, f := range map[string]func() error{
				"DecodeFile":    func() error { _, err := DecodeFile(tc.path, Limits{}); return err },
				"OpenRegular":   func() error { _, _, err := OpenRegular(tc.path); return err },
				"ReadFileLimit": func() error { _, err := ReadFileLimit(tc.path, 1<<20); return err },
			} {
				if name == "ReadFileLimit" && tc.want == "a character device" {
					continue // it reads those, bounded: see TestReadFileLimit
				}
				var err error
				withTimeout(t, 5*time.Second, name, func() { err = f() })
				if !errors.Is(err, ErrInvalid) || !strings.Contains(fmtErr(err), tc.want) || !strings.Contains(fmtErr(err), tc.path) {
					t.Errorf("%s: error %v, want ErrInvalid naming %s and %q", name, err, tc.path, tc.want)
				}
			}
		})
	}
	if img, err := DecodeFile(link, Limits{}); err != nil || img.Width != 8 {
		t.Errorf("symlink to a regular file: %v", err)
	}
}

// TestReadFileLimit: the size bound holds for regular files (checked before
// reading) and for endless character devices (/dev/zero: bounded read).
func TestReadFileLimit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.toml")
	os.WriteFile(p, []byte("0123456789"), 0o644)
	if b, err := ReadFileLimit(p, 10); err != nil || string(b) != "0123456789" {
		t.Errorf("at the limit: %q, %v", b, err)
	}
	if _, err := ReadFileLimit(p, 9); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "too large") {
		t.Errorf("above the limit: %v", err)
	}
	if _, err := ReadFileLimit(filepath.Join(dir, "missing"), 9); !errors.Is(err, ErrInvalid) {
		t.Errorf("missing: %v", err)
	}
	// Character devices: read with the bound. /dev/zero never ends.
	withTimeout(t, 5*time.Second, "ReadFileLimit /dev/zero", func() {
		if _, err := ReadFileLimit("/dev/zero", 1<<20); !errors.Is(err, ErrTooLarge) || !strings.Contains(fmtErr(err), "/dev/zero: too large") {
			t.Errorf("/dev/zero: %v", err)
		}
	})
	if b, err := ReadFileLimit("/dev/null", 10); err != nil || len(b) != 0 {
		t.Errorf("/dev/null: %q, %v", b, err)
	}
}

// TestOutputLimitFromHeader: with OutputScale set, an 8192² PNG (within
// the input limit, ~65 KB) whose ×4 output exceeds MaxOutputPixels is
// refused from its header: no pixel is decoded.
func TestOutputLimitFromHeader(t *testing.T) {
	data := testimg.BlankPNG(8192, 8192)
	t.Logf("8192×8192 PNG: %d bytes", len(data))
	start := time.Now()
	_, err := Decode(data, Limits{OutputScale: 4})
	took := time.Since(start)
	if !errors.Is(err, ErrOutputTooLarge) || !errors.Is(err, ErrTooLarge) ||
		!strings.Contains(fmtErr(err), "its ×4 output 32768×32768 = 1073741824 pixels exceeds the output limit 268435456") {
		t.Fatalf("error %v, want the output limit from the header", err)
	}
	t.Logf("refused in %v", took)
	// Decoding 64 Mpx takes seconds; reading a header, microseconds.
	if took > time.Second {
		t.Errorf("refusal took %v: was the image decoded?", took)
	}
	// Scale 1 (or unset): the same file is within the limits.
	if _, err := Decode(hugePNG(8192, 8192), Limits{OutputScale: 1}); errors.Is(err, ErrTooLarge) {
		t.Errorf("OutputScale 1: %v", err)
	}
}

// TestCheckOutputPath: encoder size limits and the output folder are
// checked before any work.
func TestCheckOutputPath(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	fifo := mkfifo(t, dir, "pipe.png")
	cases := []struct {
		name, path, format string
		w, h               int
		kind               error
		msg                string
	}{
		{"png ok", filepath.Join(dir, "a.png"), "png", 70000, 100, nil, ""},
		{"jpeg at its limit", filepath.Join(dir, "a.jpg"), "jpg", 65500, 10, nil, ""},
		{"jpeg too wide", filepath.Join(dir, "a.jpg"), "jpeg", 65501, 10, ErrOutputTooLarge, "at most 65500 pixels per side"},
		{"webp at its limit", filepath.Join(dir, "a.webp"), "webp", 16383, 16383, nil, ""},
		{"webp too tall", filepath.Join(dir, "a.webp"), "WEBP", 100, 16384, ErrOutputTooLarge, "cannot be written as webp: at most 16383"},
		{"unknown format", filepath.Join(dir, "a.bmp"), "bmp", 10, 10, ErrInvalid, `output format "bmp"`},
		{"missing folder", filepath.Join(dir, "nope", "a.png"), "png", 10, 10, ErrInvalid, "output folder " + filepath.Join(dir, "nope")},
		{"folder is a file", filepath.Join(file, "a.png"), "png", 10, 10, ErrInvalid, "is not a folder"},
		{"target is a folder", ro, "png", 10, 10, ErrInvalid, "not a regular file (a directory)"},
		{"target is a FIFO", fifo, "png", 10, 10, ErrInvalid, "a named pipe (FIFO)"},
		{"zero size", filepath.Join(dir, "a.png"), "png", 0, 10, ErrInvalid, "output size 0×10"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		cases = append(cases, struct {
			name, path, format string
			w, h               int
			kind               error
			msg                string
		}{"read-only folder", filepath.Join(ro, "a.png"), "png", 10, 10, ErrInvalid, "output folder " + ro + " is not writable"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			withTimeout(t, 5*time.Second, "CheckOutput", func() { err = CheckOutput(tc.path, tc.format, tc.w, tc.h) })
			if tc.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
			} else if !errors.Is(err, tc.kind) || !strings.Contains(fmtErr(err), tc.msg) {
				t.Fatalf("error %v, want %v containing %q", err, tc.kind, tc.msg)
			}
		})
	}
	if got := entries(t, dir); len(got) != 3 { // file, pipe.png, ro
		t.Errorf("CheckOutput left files behind: %v", got)
	}
	// Encode enforces the same format limits.
	wide := &Image{Width: 16384, Height: 1, RGB: make([]float32, 3*16384), Depth: 8}
	if _, err := Encode(wide, EncodeOptions{Format: "webp"}); !errors.Is(err, ErrOutputTooLarge) {
		t.Errorf("Encode 16384×1 webp: %v", err)
	}
}

// TestStaleTempsRemoved: temporary files left by dead writers are removed
// by the next WriteFileAtomic into the folder; live writers' files, other
// hosts' recent files and files that only look similar are kept.
func TestStaleTempsRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child test process")
	}
	dir := t.TempDir()

	// A real writer killed with SIGKILL while its temporary file exists.
	cmd := exec.Command(os.Args[0], "-test.run=^TestTempWriterChild$")
	cmd.Env = append(os.Environ(), "IMAGEIO_TEST_TEMP_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var killed string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "TEMP "); ok {
			killed = p
			break
		}
	}
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()
	if killed == "" {
		t.Fatal("child wrote no temporary file")
	}

	write := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if age > 0 {
			old := time.Now().Add(-age)
			os.Chtimes(p, old, old)
		}
		return p
	}
	// Ours, live: this process's own PID.
	live, err := createTemp(dir, "b.png")
	if err != nil {
		t.Fatal(err)
	}
	live.Close()
	otherHost := "00000000"
	if hostTag() == otherHost {
		otherHost = "00000001"
	}
	keep := []string{
		live.Name(),
		write(".c.png.resshift-tmp-"+otherHost+"-999999-1", time.Hour),   // other host, recent
		write(".d.png.tmp-123", 48*time.Hour),                            // not our pattern
		write("e.png.resshift-tmp-"+hostTag()+"-999999-1", 48*time.Hour), // no leading dot
	}
	remove := []string{
		killed,
		write(".f.png.resshift-tmp-"+otherHost+"-999999-2", 48*time.Hour), // other host, old
	}
	if err := os.Symlink(keep[2], filepath.Join(dir, ".g.png.resshift-tmp-"+hostTag()+"-999999-3")); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, filepath.Join(dir, ".g.png.resshift-tmp-"+hostTag()+"-999999-3")) // a symlink

	if err := WriteFileAtomic(filepath.Join(dir, "a.png"), []byte("new")); err != nil {
		t.Fatal(err)
	}
	for _, p := range keep {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	for _, p := range remove {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", filepath.Base(p))
		}
	}
}

// TestTempWriterChild is the writer that TestStaleTempsRemoved kills; it
// does nothing unless IMAGEIO_TEST_TEMP_DIR is set.
func TestTempWriterChild(t *testing.T) {
	dir := os.Getenv("IMAGEIO_TEST_TEMP_DIR")
	if dir == "" {
		t.Skip("child of TestStaleTempsRemoved")
	}
	f, err := createTemp(dir, "a.png")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half an image"))
	os.Stdout.WriteString("TEMP " + f.Name() + "\n")
	time.Sleep(time.Minute)
}
