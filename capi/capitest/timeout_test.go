package capitest

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCTimeout: resshift_options.timeout_ms makes resshift_upscale,
// resshift_upscale_into and resshift_upscale_encoded fail with
// RESSHIFT_ERR_TIMEOUT ("timed out after …") and output nothing; a negative
// value is an invalid argument, a generous one changes nothing, and options
// from the 0.1 header (without the member) still work (see
// testdata/timeout.c).
func TestCTimeout(t *testing.T) {
	buildAll(t)
	root := moduleRoot(t)
	exe := filepath.Join(workDir, "timeout")
	must(t, run(root, nil, "cc", "-std=c99", "-Wall", "-Wextra", "-Werror",
		"-I", filepath.Join(root, "include"), filepath.Join(root, "capi", "capitest", "testdata", "timeout.c"),
		"-L", workDir, "-lresshift", "-Wl,-rpath,"+workDir, "-o", exe))
	img := writeFile(t, "timeout.png", testPNG(t))
	out, err := output(workDir, nil, exe, img)
	t.Log(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, " 0 failures") {
		t.Fatal("no summary line")
	}
}
