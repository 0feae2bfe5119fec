package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/pipeline"
)

// stdioName as an input reads stdin; as -o it writes stdout.
const stdioName = "-"

// maxJobs bounds -j.
const maxJobs = 64

// errSkipped: the output exists and --skip-existing was given.
var errSkipped = errors.New("skipped")

// upscaleFlags are the batch flags of upscale: --scale, -j, --skip-existing.
type upscaleFlags struct {
	scale        int
	jobs         int
	skipExisting bool
	set          map[string]bool
}

func (f *upscaleFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.scale, "scale", 0, "output scale 2, 3 or 4: the model's own (×4) or its result downscaled with antialiased bicubic (default: the model's)")
	fs.IntVar(&f.jobs, "j", 1, "upscale `N` files at once with one engine (1.."+fmt.Sprint(maxJobs)+")")
	fs.BoolVar(&f.skipExisting, "skip-existing", false, "skip inputs whose output exists (reported as skipped, not failed)")
}

// check validates the flags against -o and the inputs (usage errors).
func (f *upscaleFlags) check(out string, inputs []string, overwrite bool) error {
	f.set = map[string]bool{}
	var msgs []string
	bad := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	if f.jobs < 1 || f.jobs > maxJobs {
		bad("-j %d: must be in 1..%d", f.jobs, maxJobs)
	}
	if f.scale != 0 && (f.scale < 2 || f.scale > 4) {
		bad("--scale %d: want 2, 3 or 4", f.scale)
	}
	if f.skipExisting && overwrite {
		bad("--skip-existing and --overwrite exclude each other")
	}
	stdin := slices.Contains(inputs, stdioName)
	switch {
	case stdin && len(inputs) > 1:
		bad("- (stdin) must be the only input")
	case stdin && out == "":
		bad("- (stdin) needs -o FILE or -o - (stdout)")
	case out == stdioName && len(inputs) != 1:
		bad("-o - (stdout) takes exactly one input image (got %d inputs)", len(inputs))
	case out == stdioName && !stdin:
		if fi, err := os.Stat(inputs[0]); err != nil || fi.IsDir() {
			bad("-o - (stdout) takes exactly one input image file (%q is not one)", inputs[0])
		}
	}
	if len(msgs) > 0 {
		return usagef("upscale", "%s", joinMsgs(msgs))
	}
	return nil
}

func joinMsgs(m []string) string {
	s := m[0]
	for _, x := range m[1:] {
		s += "; " + x
	}
	return s
}

// configure sizes the engine for -j: as many concurrent ONNX Runtime runs as
// jobs, and, unless the thread count was set, the cores shared between them.
func (f *upscaleFlags) configure(cfg *core.Config, ef *engineFlags) {
	if f.jobs <= 1 {
		return
	}
	cfg.Runtime.Concurrency = max(cfg.Runtime.Concurrency, f.jobs)
	if cfg.Runtime.IntraOpThreads == 0 && !ef.set["threads"] {
		cfg.Runtime.IntraOpThreads = max(1, runtime.NumCPU()/f.jobs)
	}
}

// outputScale returns --scale checked against the model (default: its scale).
func (f *upscaleFlags) outputScale(eng *core.Engine) (int, error) {
	s := eng.Scale()
	if f.scale == 0 {
		return s, nil
	}
	if f.scale > s {
		return 0, usagef("upscale", "--scale %d: model %s upscales ×%d at most", f.scale, eng.Info().Model, s)
	}
	return f.scale, nil
}

// forEach runs do for every source, -j at a time, in order of start; it
// stops starting new ones when ctx is cancelled.
func (u *upscaler) forEach(ctx context.Context, srcs []string, do func(i int, src string)) {
	jobs := max(u.uf.jobs, 1)
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, src := range srcs {
		if interrupted(ctx) {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			do(i, src)
		}()
	}
	wg.Wait()
}

// decode reads src, or stdin for "-" (bounded by limits.max_file_bytes).
func (u *upscaler) decode(src string) (*imageio.Image, error) {
	lim := pipeline.Limits(u.eng)
	if src != stdioName {
		return imageio.DecodeFile(src, lim)
	}
	max := lim.MaxFileBytes
	if max <= 0 {
		max = imageio.DefaultMaxFileBytes
	}
	in := u.e.stdin
	if in == nil {
		in = os.Stdin
	}
	data, err := io.ReadAll(io.LimitReader(in, max+1))
	if err != nil {
		return nil, fmt.Errorf("read stdin: %w", err)
	}
	return imageio.Decode(data, lim)
}

// write stores data at dst atomically, or on stdout for "-".
func (u *upscaler) write(dst string, data []byte) error {
	if dst != stdioName {
		return imageio.WriteFileAtomic(dst, data)
	}
	if _, err := u.e.stdout.Write(data); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	return nil
}

// lineLocked prints a per-file line under the lock.
func (u *upscaler) lineLocked(s string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.prog.line(s)
}

// formatExt is the extension of each output format.
var formatExt = map[string]string{"png": ".png", "jpeg": ".jpg", "webp": ".webp", "tiff": ".tiff", "avif": ".avif", "heif": ".heic"}

// outputFormatOf is the default output format for an input of format f:
// the same for png, jpeg, webp and tiff, otherwise png (lossless, every layout).
func outputFormatOf(f string) string {
	switch f {
	case "png", "jpeg", "webp", "tiff":
		return f
	}
	return "png"
}

// followFile reports whether a folder entry is a file to upscale: a regular
// file, or a symbolic link that does not lead to a folder (a broken link is
// kept, so that its failure is reported).
func followFile(dir string, en os.DirEntry) bool {
	switch {
	case en.Type().IsRegular():
		return true
	case en.Type()&os.ModeSymlink != 0:
		fi, err := os.Stat(filepath.Join(dir, en.Name()))
		return err != nil || fi.Mode().IsRegular()
	}
	return false
}
