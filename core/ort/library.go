package ort

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvLibrary names the environment variable holding the ONNX Runtime library path.
const EnvLibrary = "RESSHIFT_ORT_LIB"

// defaultLibraryPath is the library fetched by `make ort`, baked in at link time:
//
//	-ldflags "-X github.com/resshift/resshift/core/ort.defaultLibraryPath=/abs/third_party/onnxruntime/lib/libonnxruntime.so.1"
var defaultLibraryPath string

// repoLibrary is where `make ort` puts the library, relative to the module root.
const repoLibrary = "third_party/onnxruntime/lib/libonnxruntime.so.1"

// libraryNames are the file names looked for in a directory.
func libraryNames() []string {
	switch runtime.GOOS {
	case "darwin":
		return []string{"libonnxruntime.dylib"}
	case "windows":
		return []string{"onnxruntime.dll"}
	default:
		return []string{"libonnxruntime.so.1", "libonnxruntime.so"}
	}
}

// resolver holds the process facts ResolveLibrary depends on, replaceable in tests.
type resolver struct {
	getenv     func(string) string
	executable func() (string, error)
	getwd      func() (string, error)
	baked      string
}

var defaultResolver = resolver{getenv: os.Getenv, executable: os.Executable, getwd: os.Getwd}

// ResolveLibrary finds the ONNX Runtime shared library. In order:
//  1. configured (a file, or a directory holding libonnxruntime.so.1), when not empty;
//  2. $RESSHIFT_ORT_LIB (file or directory), when set;
//  3. next to the executable: its directory and ../lib (also after resolving symlinks);
//  4. the folder baked in at link time by the Makefile (defaultLibraryPath);
//  5. third_party/onnxruntime/lib/libonnxruntime.so.1 in the module root found by walking up from the working
//     directory to the first go.mod (so `go test` works in any package after `make ort`).
//
// An explicitly configured path (1 or 2) that does not hold the library is an error; it does not fall through
// to the automatic search. The "not found" error lists every path tried and how to fix it.
func ResolveLibrary(configured string) (string, error) {
	r := defaultResolver
	r.baked = defaultLibraryPath
	return r.resolve(configured)
}

func (r resolver) resolve(configured string) (string, error) {
	if configured != "" {
		return explicit(configured, "the configured library path")
	}
	if env := r.getenv(EnvLibrary); env != "" {
		return explicit(env, EnvLibrary)
	}
	var tried []string
	try := func(p string) (string, bool) {
		if p == "" {
			return "", false
		}
		for _, t := range tried {
			if t == p {
				return "", false
			}
		}
		tried = append(tried, p)
		if isFile(p) {
			return p, true
		}
		return "", false
	}
	// 3. next to the executable
	if exe, err := r.executable(); err == nil {
		dirs := []string{filepath.Dir(exe)}
		if real, err := filepath.EvalSymlinks(exe); err == nil && filepath.Dir(real) != dirs[0] {
			dirs = append(dirs, filepath.Dir(real))
		}
		for _, d := range dirs {
			for _, sub := range []string{d, filepath.Join(d, "..", "lib")} {
				for _, name := range libraryNames() {
					if p, ok := try(filepath.Clean(filepath.Join(sub, name))); ok {
						return abs(p), nil
					}
				}
			}
		}
	}
	// 4. baked in by the Makefile
	if r.baked != "" {
		p := r.baked
		if isDir(p) {
			p = filepath.Join(p, libraryNames()[0])
		}
		if p, ok := try(p); ok {
			return abs(p), nil
		}
	}
	// 5. the module root above the working directory
	if wd, err := r.getwd(); err == nil {
		for d := wd; ; {
			if isFile(filepath.Join(d, "go.mod")) {
				if p, ok := try(filepath.Join(d, filepath.FromSlash(repoLibrary))); ok {
					return p, nil
				}
				break
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	return "", fmt.Errorf("ort: ONNX Runtime shared library not found; tried:\n  %s\n"+
		"run `make ort` (it fetches ONNX Runtime into %s) or set %s to the path of %s",
		strings.Join(tried, "\n  "), filepath.Dir(repoLibrary), EnvLibrary, libraryNames()[0])
}

// explicit resolves a path the user named: a file, or a directory holding the library.
func explicit(p, from string) (string, error) {
	if isDir(p) {
		for _, name := range libraryNames() {
			if f := filepath.Join(p, name); isFile(f) {
				return abs(f), nil
			}
		}
		return "", fmt.Errorf("ort: %s %q is a directory without %s; run `make ort` or set %s to the library file",
			from, p, strings.Join(libraryNames(), " or "), EnvLibrary)
	}
	if isFile(p) {
		return abs(p), nil
	}
	_, err := os.Stat(p)
	if err == nil {
		err = errors.New("not a regular file")
	}
	return "", fmt.Errorf("ort: %s %q: %w; run `make ort` or set %s to the path of %s",
		from, p, err, EnvLibrary, libraryNames()[0])
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
