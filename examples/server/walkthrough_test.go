package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// The walk-through in docs/plugin.md creates the folder that server.toml
// serves, and puts there the image its curl command asks for.
func TestWalkthroughCreatesTheSourceRoot(t *testing.T) {
	doc, err := os.ReadFile("../../docs/plugin.md")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(doc), "## The example server")
	if i < 0 {
		t.Fatal("docs/plugin.md: no example server section")
	}
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(string(doc[i:]))
	if block == nil {
		t.Fatal("docs/plugin.md: no walk-through commands")
	}
	cfg := DefaultConfig()
	if _, err := toml.DecodeFile("server.toml", &cfg); err != nil {
		t.Fatal(err)
	}
	rootDir := cfg.Source.LocalRoot
	if !strings.Contains(block[1], "mkdir -p "+rootDir+"\n") && !strings.Contains(block[1], "mkdir -p "+rootDir+" ") {
		t.Errorf("the walk-through does not create source.local_root %q:\n%s", rootDir, block[1])
	}
	m := regexp.MustCompile(`local:///([^@\s]+)`).FindStringSubmatch(block[1])
	if m == nil || !strings.Contains(block[1], filepath.Join(rootDir, m[1])) {
		t.Errorf("the walk-through does not put the image it fetches (%v) into %s:\n%s", m, rootDir, block[1])
	}
}

// A source root that does not exist is a config error that says what to do.
func TestLoadConfigMissingSourceRoot(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ root, want string }{
		{filepath.Join(dir, "nope"), "does not exist: create it"},
		{filepath.Join(dir, "file"), "is not a directory"},
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		p := filepath.Join(dir, "s.toml")
		if err := os.WriteFile(p, []byte("[source]\nlocal_root = \""+tc.root+"\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(p)
		if err == nil || !strings.Contains(err.Error(), "source.local_root") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.root, err, tc.want)
		}
	}
}

// server.toml is read bounded and never blocks: a FIFO, a folder or an
// endless device is refused at once with a message naming the problem.
func TestLoadConfigNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{fifo, "not a regular file"},
		{dir, "not a regular file"},
		{"/dev/zero", "too large"},
		{filepath.Join(dir, "missing.toml"), "no such file"},
	} {
		done := make(chan error, 1)
		go func() { _, err := LoadConfig(tc.path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.HasPrefix(err.Error(), "config: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want an error containing %q", tc.path, err, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: LoadConfig still blocked after 5 s", tc.path)
		}
	}
}
