package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/pipeline"
)

const upscaleUsage = `Usage: resshift upscale [flags] INPUT...

Upscales every INPUT by the model's scale (×4), or by --scale 2 or 3 (the
model's ×4 result downscaled with MATLAB's antialiased bicubic), and writes the
result atomically (a temporary file renamed into place: never a half-written
image).

INPUT is an image file, a folder (the images directly inside it: png, jpeg,
webp, tiff, gif, heif, avif; not recursive; symbolic links to files are
followed, links to folders are not), a glob pattern such as 'photos/*.jpg'
(quoted patterns are expanded by resshift), or - for one image on stdin.

Outputs go next to each input as NAME_xS.EXT (S the output scale) unless -o is
given. -o PATH is a folder if it exists as one, ends with '/' or has no
extension (it is created if missing); -o - writes the one output to stdout;
otherwise it is a file, which needs exactly one input. The output format is
--format, else the extension of the -o file, else the config's output.format,
else the input's format (png for gif/heif/avif inputs). avif and heif are
written where libvips can (heifsave). Existing outputs are not replaced unless
--overwrite is given; --skip-existing skips them instead (exit 0).

-j N upscales N files at once with one engine (N concurrent ONNX Runtime runs;
unless --threads is given, the cores are shared between them).
Before the model runs, each file's header is checked against the limits, and the
output folder and format are checked (JPEG holds at most 65500 pixels per side,
WebP 16383). A damaged file always fails and never replaces an existing output.
--timeout gives each file a time budget.

A bad file is reported (its name and what is wrong) and the others go on; the
last line is a summary "N upscaled, M failed" (with "K skipped" when
--skip-existing skipped some) and the exit status is 1 when anything failed.

Examples:
  resshift upscale photo.jpg                      # writes photo_x4.jpg
  resshift upscale --scale 2 photo.jpg            # writes photo_x2.jpg
  resshift upscale -o big.png small.png
  resshift upscale -o out/ --format webp --quality 85 shots/ 'more/*.png'
  resshift upscale -j 2 --skip-existing -o out/ shots/
  resshift upscale --model clean -o - - < in.png > out.png
  resshift upscale --sampler deterministic --seed 7 --tile 128 --threads 2 in.png`

// imageExts are the extensions picked from folders (lower case).
var imageExts = []string{".png", ".jpg", ".jpeg", ".jpe", ".webp", ".tif", ".tiff", ".gif", ".heic", ".heif", ".avif"}

func isImageName(name string) bool {
	return slices.Contains(imageExts, strings.ToLower(filepath.Ext(name)))
}

func hasGlobMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// upscaler holds one upscale invocation's state. one() may run on several
// goroutines (-j): mu guards written and the progress output.
type upscaler struct {
	e         *env
	eng       *core.Engine
	opt       core.Options
	enc       imageio.EncodeOptions
	formatSet bool   // output format chosen by flag or config (not per input)
	outFile   string // -o naming a file ("-" = stdout)
	outDir    string // -o naming a folder
	overwrite bool
	quiet     bool
	timeout   time.Duration // per file; 0 = none
	uf        upscaleFlags
	scale     int // output scale (--scale, default the model's)
	mu        sync.Mutex
	written   map[string]string // output path → its source, in this run
	prog      *progress
}

func runUpscale(ctx context.Context, e *env, args []string) error {
	fs := newFlags("upscale", upscaleUsage)
	var ef engineFlags
	ef.register(fs, withSeed|withSampler|withOutput)
	out := fs.String("o", "", "output `path`: a file (one input only), a folder, or - for stdout (default: next to each input as NAME_xS.EXT)")
	overwrite := fs.Bool("overwrite", false, "replace existing outputs (default: refuse and report)")
	quiet := fs.Bool("q", false, "quiet: no progress or per-file lines; errors and a failure summary only")
	timeout := fs.Duration("timeout", 0, "time budget per file (e.g. 90s, 5m): a file not done in time fails with \"timed out after …\" and nothing is written for it; 0 = no limit")
	var uf upscaleFlags
	uf.register(fs)
	inputs, err := parse(e, fs, args)
	if err != nil {
		return helpOK(err)
	}
	ef.recordSet(fs)
	if len(inputs) == 0 {
		return usagef("upscale", "no input: give image files, folders or glob patterns")
	}
	if err := ef.check("upscale"); err != nil {
		return err
	}
	if *timeout < 0 {
		return usagef("upscale", "--timeout %v: must be >= 0", *timeout)
	}
	if err := uf.check(*out, inputs, *overwrite); err != nil {
		return err
	}
	u := &upscaler{e: e, overwrite: *overwrite, quiet: *quiet, timeout: *timeout, uf: uf, written: map[string]string{}}
	if err := u.planOutput(*out, inputs, &ef); err != nil {
		return err
	}
	cfg, err := ef.loadConfig()
	if err != nil {
		return err
	}
	uf.configure(&cfg, &ef)
	if u.outFile != "" && u.outFile != stdioName && !ef.set["format"] {
		// The -o file's extension wins over the config's format.
		if f, ok := canonicalFormat(strings.TrimPrefix(filepath.Ext(u.outFile), ".")); ok {
			cfg.Output.Format = f
		} else if cfg.Output.Format == "" {
			return usagef("upscale", "-o %s: cannot tell the output format from the extension %q; add --format png|jpeg|webp|tiff|avif|heif", u.outFile, filepath.Ext(u.outFile))
		}
	}
	eng, err := newEngine(e, cfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	u.eng = eng
	if u.opt, err = ef.options("upscale", eng); err != nil {
		return err
	}
	if u.scale, err = uf.outputScale(eng); err != nil {
		return err
	}
	u.enc = pipeline.EncodeOptions(eng)
	u.formatSet = u.enc.Format != ""
	if u.outDir != "" {
		if err := os.MkdirAll(u.outDir, 0o755); err != nil {
			return fmt.Errorf("create output folder: %w", err)
		}
	}

	srcs, bad := expandInputs(inputs, u.scale)
	total := len(srcs)
	u.prog = newProgress(e, *quiet)
	failed := 0
	for _, b := range bad {
		u.fail(b.path, b.err)
		failed++
	}
	var done, skipped int
	u.forEach(ctx, srcs, func(i int, src string) {
		err := u.one(ctx, src, i+1, total)
		u.mu.Lock()
		defer u.mu.Unlock()
		switch {
		case err == nil:
			done++
		case errors.Is(err, errSkipped):
			skipped++
		case interrupted(ctx) && errors.Is(err, core.ErrCanceled):
			// not a failure of this file: the user stopped the run
		default:
			u.fail(src, err)
			failed++
		}
	})
	u.prog.clear()
	if total == 0 && failed == 0 {
		fmt.Fprintln(e.stderr, "resshift upscale: no images found")
		return errReported
	}
	left := total - done - skipped - failed + len(bad)
	if !*quiet || failed > 0 || interrupted(ctx) {
		line := fmt.Sprintf("%d upscaled, %d failed", done, failed)
		if skipped > 0 {
			line = fmt.Sprintf("%d upscaled, %d skipped, %d failed", done, skipped, failed)
		}
		if interrupted(ctx) && left > 0 {
			line += fmt.Sprintf(", %d not done", left)
		}
		fmt.Fprintln(e.stderr, line)
	}
	switch {
	case interrupted(ctx):
		return context.Canceled
	case failed > 0:
		return errReported
	}
	return nil
}

// planOutput interprets -o (see upscaleUsage). Mistakes are usage errors.
func (u *upscaler) planOutput(out string, inputs []string, ef *engineFlags) error {
	if out == "" {
		return nil
	}
	if out == stdioName {
		u.outFile = out // uf.check made sure there is exactly one input file
		return nil
	}
	multi := len(inputs) > 1
	for _, in := range inputs {
		if fi, err := os.Stat(in); err == nil && fi.IsDir() {
			multi = true
		} else if err != nil && hasGlobMeta(in) {
			multi = true
		}
	}
	fi, err := os.Stat(out)
	switch {
	case err == nil && fi.IsDir(), err != nil && (strings.HasSuffix(out, string(os.PathSeparator)) || filepath.Ext(out) == ""):
		if slices.Contains(inputs, stdioName) {
			return usagef("upscale", "-o %s is a folder: - (stdin) needs -o FILE or -o - (stdout)", out)
		}
		u.outDir = out
		return nil
	case multi:
		return usagef("upscale", "-o %s names a file, which takes exactly one input image (got %s); give a folder to write several outputs",
			out, describeInputs(inputs))
	}
	u.outFile = out
	if ef.set["format"] {
		want := ef.outFormat // parsed by check
		if got, ok := canonicalFormat(strings.TrimPrefix(filepath.Ext(out), ".")); ok && got != want {
			return usagef("upscale", "-o %s has a %s extension but --format is %s", out, got, want)
		}
	}
	return nil
}

func describeInputs(inputs []string) string {
	if len(inputs) == 1 {
		return fmt.Sprintf("%q, a folder or pattern", inputs[0])
	}
	return fmt.Sprintf("%d inputs", len(inputs))
}

// badInput is an argument that names no usable file.
type badInput struct {
	path string
	err  error
}

// derivedName matches the default output names (NAME_x4) so that a folder
// upscaled in place is not upscaled again on the next run.
var derivedName = regexp.MustCompile(`^(.+)_x(\d+)$`)

// expandInputs turns the arguments into a list of files, in argument order,
// folders sorted by name, without duplicates.
func expandInputs(args []string, scale int) (srcs []string, bad []badInput) {
	seen := map[string]bool{}
	add := func(p string) {
		c := filepath.Clean(p)
		if !seen[c] {
			seen[c] = true
			srcs = append(srcs, p)
		}
	}
	for _, arg := range args {
		if arg == stdioName {
			add(arg)
			continue
		}
		fi, err := os.Stat(arg)
		switch {
		case err == nil && fi.IsDir():
			files, err := folderImages(arg, scale)
			if err != nil {
				bad = append(bad, badInput{arg, err})
				continue
			}
			if len(files) == 0 {
				bad = append(bad, badInput{arg, fmt.Errorf("folder has no images (%s)", strings.Join(imageExts, " "))})
			}
			for _, f := range files {
				add(f)
			}
		case err == nil:
			add(arg)
		case hasGlobMeta(arg):
			matches, gerr := filepath.Glob(arg)
			if gerr != nil {
				bad = append(bad, badInput{arg, fmt.Errorf("bad glob pattern: %v", gerr)})
				continue
			}
			n := 0
			for _, m := range matches {
				if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
					add(m)
					n++
				}
			}
			if n == 0 {
				bad = append(bad, badInput{arg, errors.New("no files match this pattern")})
			}
		default:
			bad = append(bad, badInput{arg, errors.New("no such file or folder")})
		}
	}
	return srcs, bad
}

// folderImages lists the images directly inside dir, skipping hidden files
// and NAME_x<scale> files that sit next to their source NAME. Symbolic links
// to files are followed; links to folders are not (folders are not
// recursive, so no link loop can trap a run); a broken link is listed, and
// its read fails with the reason.
func folderImages(dir string, scale int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	stems := map[string]bool{}
	var names []string
	for _, en := range entries {
		n := en.Name()
		if strings.HasPrefix(n, ".") || !isImageName(n) || !followFile(dir, en) {
			continue
		}
		names = append(names, n)
		stems[strings.TrimSuffix(n, filepath.Ext(n))] = true
	}
	var out []string
	for _, n := range names {
		stem := strings.TrimSuffix(n, filepath.Ext(n))
		if m := derivedName.FindStringSubmatch(stem); m != nil && m[2] == fmt.Sprint(scale) && stems[m[1]] {
			continue
		}
		out = append(out, filepath.Join(dir, n))
	}
	return out, nil
}

// outputFor returns the output path and format for src.
func (u *upscaler) outputFor(src string) (path, format string) {
	ext := filepath.Ext(src)
	if src == stdioName {
		ext = ""
	}
	in, known := canonicalFormat(strings.TrimPrefix(ext, "."))
	inFormat := in.String()
	known = known && outputFormatOf(inFormat) == inFormat // avif, heif inputs: png by default
	switch {
	case u.formatSet:
		f, _ := canonicalFormat(u.enc.Format)
		format = f.String()
	case known:
		format = inFormat
	default:
		format = "png" // gif, heif, avif, unknown: PNG holds every layout losslessly
	}
	if u.outFile != "" {
		return u.outFile, format
	}
	outExt := ext
	if !known || inFormat != format {
		outExt = formatExt[format]
	}
	name := fmt.Sprintf("%s_x%d%s", strings.TrimSuffix(filepath.Base(src), ext), u.scale, outExt)
	dir := u.outDir
	if dir == "" {
		dir = filepath.Dir(src)
	}
	return filepath.Join(dir, name), format
}

// one upscales src; i of n is for progress.
func (u *upscaler) one(ctx context.Context, src string, i, n int) (err error) {
	start := time.Now()
	dst, format := u.outputFor(src)
	key := filepath.Clean(dst)
	if dst != stdioName {
		// Reserve the output for this source (released on failure), so that
		// two sources with the same output clash under -j as they do in turn.
		u.mu.Lock()
		prev, ok := u.written[key]
		if !ok {
			u.written[key] = src
		}
		u.mu.Unlock()
		if ok {
			return fmt.Errorf("output %s was already written from %s in this run; use separate folders or names", dst, prev)
		}
		defer func() {
			if err != nil {
				u.mu.Lock()
				delete(u.written, key)
				u.mu.Unlock()
			}
		}()
		if _, err := os.Lstat(dst); err == nil && !u.overwrite {
			if u.uf.skipExisting {
				u.lineLocked(fmt.Sprintf("%s: skipped, %s exists", src, dst))
				return errSkipped
			}
			return fmt.Errorf("output %s exists (use --overwrite to replace it, or --skip-existing)", dst)
		}
	}
	if u.timeout > 0 {
		fctx, cancel := context.WithTimeout(ctx, u.timeout)
		defer cancel()
		ctx = fctx
	}
	// The output limit is checked from the header, before decoding.
	img, err := u.decode(src)
	if errors.Is(err, imageio.ErrOutputTooLarge) {
		return fmt.Errorf("%w (limits.max_output_pixels)", err)
	} else if err != nil {
		return err
	}
	if src == stdioName && !u.formatSet {
		format = outputFormatOf(img.Format)
	}
	s := u.eng.Scale()
	if err := pipeline.Limits(u.eng).CheckOutput(img.Width*s, img.Height*s); err != nil {
		return fmt.Errorf("%d×%d input: %w (limits.max_output_pixels)", img.Width, img.Height, err)
	}
	// The format's size limit and a writable output folder, before the model run
	// (stdout: the size limit only).
	checkPath := dst
	if dst == stdioName {
		checkPath = ""
	}
	if err := imageio.CheckOutput(checkPath, format, img.Width*u.scale, img.Height*u.scale); err != nil {
		return err
	}
	opt := u.opt
	label := fmt.Sprintf("[%d/%d] %s", i, n, filepath.Base(src))
	if u.uf.jobs == 1 {
		// one file at a time: a progress bar (several at once: lines only)
		u.prog.begin(label, opt.Batch)
		opt.Progress = func(p core.Progress) error {
			u.prog.update(p)
			return nil
		}
	}
	out, st, err := pipeline.UpscaleImageTo(ctx, u.eng, img, u.scale, opt)
	if err != nil {
		return u.timedOut(ctx, err)
	}
	enc := u.enc
	enc.Format = format
	data, err := imageio.Encode(out, enc)
	if err != nil {
		return err
	}
	if err := u.timedOut(ctx, nil); err != nil {
		return err
	}
	if err := u.write(dst, data); err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.prog.line(fmt.Sprintf("%s → %s  %d×%d → %d×%d  %s, %s, %.2f s", label, dst, img.Width, img.Height,
		out.Width, out.Height, plural(st.Tiles, "tile"), plural(st.DenoiserCalls, "denoiser call"), time.Since(start).Seconds()))
	return nil
}

// timedOut replaces err with a "timed out" error when the file's --timeout
// budget (not an interruption of the whole run) has expired; otherwise it
// returns err.
func (u *upscaler) timedOut(ctx context.Context, err error) error {
	if u.timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %v (--timeout); nothing written", u.timeout)
	}
	return err
}

// fail reports a file that could not be upscaled.
func (u *upscaler) fail(src string, err error) {
	msg := err.Error()
	if !strings.Contains(msg, src) {
		msg = src + ": " + msg
	}
	u.prog.clear()
	fmt.Fprintf(u.e.stderr, "resshift upscale: FAILED %s\n", msg)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
