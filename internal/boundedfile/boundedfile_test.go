package boundedfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resshift/resshift/vocab"
)

// call runs f and fails the test if it has not returned within 5 s (an
// open that blocks on a FIFO would hang the test binary otherwise).
func call(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("blocked for 5 s")
		return nil
	}
}

// TestOpenAndReadLimit: regular files open and read up to the limit;
// FIFOs, folders and (for Open) character devices are refused at once with
// ErrInvalidInput naming the path and what it is; missing files are
// ErrInvalidInput; files and endless devices over the limit are ErrTooLarge.
func TestOpenAndReadLimit(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ten := filepath.Join(dir, "ten")
	if err := os.WriteFile(ten, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(ten, link); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		name    string
		path    string
		max     int64
		charDev bool        // for Open
		openErr *vocab.Kind // nil: opens
		readErr *vocab.Kind // nil: ReadLimit returns want
		want    string
		msg     string // in the error, after the path
	}{
		{"regular", ten, 10, false, nil, nil, "0123456789", ""},
		{"symlink", link, 10, false, nil, nil, "0123456789", ""},
		{"over limit", ten, 9, false, nil, vocab.ErrTooLarge, "", ": too large: 10 bytes, limit 9"},
		{"fifo", fifo, 10, false, vocab.ErrInvalidInput, vocab.ErrInvalidInput, "", ": not a regular file (a named pipe (FIFO))"},
		{"folder", dir, 10, false, vocab.ErrInvalidInput, vocab.ErrInvalidInput, "", ": not a regular file (a directory)"},
		{"char device refused by Open", "/dev/null", 10, false, vocab.ErrInvalidInput, nil, "", ": not a regular file (a character device)"},
		{"char device allowed", "/dev/null", 10, true, nil, nil, "", ""},
		{"endless device", "/dev/zero", 1 << 20, true, nil, vocab.ErrTooLarge, "", ": too large: more than 1048576 bytes"},
		{"missing", missing, 10, false, vocab.ErrInvalidInput, vocab.ErrInvalidInput, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(what string, err error, kind *vocab.Kind, op string) {
				t.Helper()
				switch {
				case kind == nil && err != nil:
					t.Errorf("%s: %v", what, err)
				case kind != nil && !errors.Is(err, kind):
					t.Errorf("%s: error %v, want %v", what, err, kind)
				case kind != nil && vocab.KindOf(err) != kind:
					t.Errorf("%s: kind %v, want %v", what, vocab.KindOf(err), kind)
				case kind != nil && (!strings.HasPrefix(err.Error(), op+": ") || !strings.Contains(err.Error(), tc.path+tc.msg)):
					t.Errorf("%s: error %q, want %q naming %s%s", what, err, op+": …", tc.path, tc.msg)
				}
			}
			err := call(t, func() error {
				f, _, err := Open("open", tc.path, tc.charDev)
				if err == nil {
					f.Close()
				}
				return err
			})
			check("Open", err, tc.openErr, "open")
			if tc.name == "char device refused by Open" {
				return // ReadLimit always reads character devices: see "char device allowed"
			}
			var data []byte
			err = call(t, func() error { var err error; data, err = ReadLimit(tc.path, tc.max); return err })
			check("ReadLimit", err, tc.readErr, "read file")
			if tc.readErr == nil && string(data) != tc.want {
				t.Errorf("ReadLimit: %q, want %q", data, tc.want)
			}
		})
	}
}
