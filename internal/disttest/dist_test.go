// Package disttest checks the relocatable bundle of `make dist`: unpacked into
// a temporary folder, its binaries and library upscale an image in a clean
// environment (no RESSHIFT_* variables, the working directory elsewhere, no
// path to this source tree), finding ONNX Runtime beside themselves. It runs
// from `make test-dist` (part of `make test`), which builds the tarball and
// names it in RESSHIFT_DIST_TARBALL; without it the tests are skipped.
package disttest

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/internal/testimg"
)

// unpack extracts the tarball into a new temporary folder and returns the bundle's folder.
func unpack(t *testing.T) string {
	t.Helper()
	tarball := os.Getenv("RESSHIFT_DIST_TARBALL")
	if tarball == "" {
		t.Skip("RESSHIFT_DIST_TARBALL not set: run `make test-dist`")
	}
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", tarball, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("unpack %s: %v\n%s", tarball, err, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || !entries[0].IsDir() {
		t.Fatalf("the tarball must hold one folder, got %v (%v)", entries, err)
	}
	return filepath.Join(dir, entries[0].Name())
}

// cleanEnv is a minimal environment: a system PATH, a HOME, nothing of the caller's.
func cleanEnv(home string, extra ...string) []string {
	return append([]string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "LANG=C"}, extra...)
}

func TestDistLayout(t *testing.T) {
	b := unpack(t)
	for _, f := range []string{"resshift", "resshift-plugin", "libresshift.so", "libresshift.so.1", "resshift.h", "libonnxruntime.so.1", "LICENSE"} {
		if _, err := os.Stat(filepath.Join(b, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	for _, f := range []string{"resshift", "resshift-plugin", "libresshift.so"} {
		ef, err := elf.Open(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		rp, _ := ef.DynString(elf.DT_RUNPATH)
		rp2, _ := ef.DynString(elf.DT_RPATH)
		ef.Close()
		if !strings.Contains(strings.Join(append(rp, rp2...), ":"), "$ORIGIN") {
			t.Errorf("%s: RUNPATH %v RPATH %v, want $ORIGIN", f, rp, rp2)
		}
		data, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if root := testimg.ModuleRoot(t); bytes.Contains(data, []byte(root+"/third_party")) {
			t.Errorf("%s: holds the path of this source tree's ONNX Runtime", f)
		}
	}
	if fi, err := os.Stat(filepath.Join(b, "resshift")); err == nil && fi.Size() > 40<<20 {
		t.Errorf("resshift is %d MiB, want < 40 MiB", fi.Size()>>20)
	}
}

func TestDistUpscale(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("linux bundle")
	}
	b := unpack(t)
	work := t.TempDir()
	in := filepath.Join(work, "in.png")
	data, err := os.ReadFile(filepath.Join(testimg.ModuleRoot(t), "examples", "data", "balloons.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = work, cleanEnv(work, "RESSHIFT_THREADS=2")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
		}
		return string(out)
	}
	out := run(filepath.Join(b, "resshift"), "version")
	if !strings.Contains(out, "onnxruntime  1.") || !strings.Contains(out, "libvips") {
		t.Fatalf("version:\n%s", out)
	}
	run(filepath.Join(b, "resshift"), "upscale", "-q", "--model", "clean", "-o", "out.png", "in.png")
	img, err := imageio.DecodeFile(filepath.Join(work, "out.png"), imageio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 768 || img.Height != 512 {
		t.Fatalf("out.png is %d×%d, want 768×512", img.Width, img.Height)
	}
	// The library, from a host that is not in the bundle (Python, ctypes):
	// ONNX Runtime is found beside libresshift.so.
	if _, err := exec.LookPath("/usr/bin/python3"); err == nil {
		py := `import sys; sys.path.insert(0, sys.argv[1]); import resshift
with resshift.Engine(intra_op_threads=2) as e:
    out = e.upscale_encoded(open("in.png", "rb").read(), format="png")
    open("lib.png", "wb").write(out)
print(resshift.version())`
		cmd := exec.Command("/usr/bin/python3", "-c", py, filepath.Join(testimg.ModuleRoot(t), "examples", "python"))
		cmd.Dir, cmd.Env = work, cleanEnv(work, "RESSHIFT_LIB="+filepath.Join(b, "libresshift.so"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("python via the bundled library: %v\n%s", err, out)
		}
		if img, err := imageio.DecodeFile(filepath.Join(work, "lib.png"), imageio.Limits{}); err != nil || img.Width != 768 {
			t.Fatalf("lib.png: %v", err)
		}
	}
	// The plugin starts (run by hand it says it is a plugin and exits 1).
	cmd := exec.Command(filepath.Join(b, "resshift-plugin"))
	cmd.Dir, cmd.Env = work, cleanEnv(work)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "is a plugin") {
		t.Fatalf("resshift-plugin: %v\n%s", err, out)
	}
}
