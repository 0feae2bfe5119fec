package main

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFetchLocalSpecialFiles: a FIFO in the source root (nobody writing: a
// blocking open would hang the request forever) and a folder are refused at
// once with 404; a regular file is served.
func TestFetchLocalSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.png"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "ok.png"), []byte("bytes"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	s, err := newSources(SourceConfig{LocalRoot: dir}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"pipe.png", "sub"} {
		done := make(chan error, 1)
		go func() { _, err := s.fetchLocal(name); done <- err }()
		select {
		case err := <-done:
			var he *httpError
			if !errors.As(err, &he) || he.status != http.StatusNotFound {
				t.Errorf("%s: error %v, want a 404 httpError", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("fetchLocal(%s) blocked", name)
		}
	}
	if b, err := s.fetchLocal("ok.png"); err != nil || string(b) != "bytes" {
		t.Errorf("regular file: %q, %v", b, err)
	}
}
