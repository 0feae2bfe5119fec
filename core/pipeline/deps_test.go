package pipeline

import (
	"os/exec"
	"strings"
	"testing"
)

// codecImports are the packages the engine (core) must not link: the
// codecs live at the edge (this package), so an engine-only binary runs
// where libvips is absent.
var codecImports = []string{
	"github.com/resshift/resshift/core/imageio",
	"github.com/resshift/resshift/core/pipeline",
	"github.com/davidbyttow/govips",
}

// TestEngineLinksNoCodec: `go list -deps -test` of package core, with and
// without the gpu build tag, names none of codecImports (the Makefile's
// test-engine-only target also checks the linked test binary with ldd).
func TestEngineLinksNoCodec(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	for _, tags := range []string{"", "gpu"} {
		t.Run("tags="+tags, func(t *testing.T) {
			out, err := exec.Command(goBin, "list", "-deps", "-test", "-tags", tags, "github.com/resshift/resshift/core").CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 10 {
				t.Fatalf("go list named only %d packages: %q", len(deps), deps)
			}
			for _, d := range deps {
				for _, bad := range codecImports {
					if d == bad || strings.HasPrefix(d, bad+"/") || strings.HasPrefix(d, bad+" ") {
						t.Errorf("core links %s (a codec): the engine must stay codec-free", d)
					}
				}
			}
		})
	}
}
