package core

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

// TestLoadConfigFileBounds: a config path that is a FIFO (nobody writing:
// an open for reading would block forever), an endless device or a file
// over MaxConfigBytes fails at once with an error naming the path and what
// is wrong; a normal file still loads.
func TestLoadConfigFileBounds(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	big := filepath.Join(dir, "big.toml")
	os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxConfigBytes)+"\n"), 0o644)
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("[sampler]\nseed = 7\n"), 0o644)

	cases := []struct {
		path string
		kind error
		msg  string
	}{
		{fifo, vocab.ErrInvalidInput, "not a regular file (a named pipe (FIFO))"},
		{"/dev/zero", vocab.ErrTooLarge, "too large"},
		{big, vocab.ErrTooLarge, "too large"},
		{dir, vocab.ErrInvalidInput, "a directory"},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := LoadConfig(tc.path); done <- err }()
			select {
			case err := <-done:
				if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.path) {
					t.Errorf("error %v, want %v naming %s with %q", err, tc.kind, tc.path, tc.msg)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("LoadConfig(%s) blocked", tc.path)
			}
		})
	}
	cfg, err := LoadConfig(good)
	if err != nil || cfg.Sampler.Seed != 7 {
		t.Errorf("good config: seed %d, %v", cfg.Sampler.Seed, err)
	}
}
