package testimg

import (
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot returns the directory holding go.mod above the working directory
// (a test's package directory); it fails the test when there is none.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatal("go.mod not found above " + wd)
		}
	}
}

// DataDir returns ../shared/data/<sub...> next to the module root, skipping the
// test when it is absent (the data is never part of the repository).
func DataDir(t testing.TB, sub ...string) string {
	t.Helper()
	d := filepath.Join(append([]string{ModuleRoot(t), "..", "shared", "data"}, sub...)...)
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		t.Skipf("evaluation data not present at %s", d)
	}
	return d
}
