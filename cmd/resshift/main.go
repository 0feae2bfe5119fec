// Command resshift upscales images ×4 with ResShift diffusion super-resolution
// on ONNX Runtime, and inspects, benchmarks and evaluates model packs.
//
//	resshift upscale [flags] INPUT...   upscale files, folders or globs
//	resshift info [--json]              model pack, provider and schedule
//	resshift bench [flags]              time the engine on a synthetic image
//	resshift eval --hr DIR --lr DIR     PSNR-Y / SSIM-Y against a benchmark set
//	resshift worker --nats URL          pull upscale jobs from a JetStream queue
//	resshift batch -o OUT INPUT...      upscale many images through the job queue
//	resshift version                    versions of resshift, ONNX Runtime, libvips
//
// Exit status: 0 on success, 1 when something failed (a file, the model, the
// provider), 2 on a usage error (unknown command or flag, bad flag value or
// argument count), 130 when interrupted. See docs/cli.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
)

// version is set at link time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// env is what a command talks to: its output streams and environment. Tests
// run commands in process with buffers.
type env struct {
	stdin          io.Reader // upscale's "-" input
	stdout, stderr io.Writer
	// tty: stderr is a terminal (progress bars are redrawn in place).
	tty    bool
	getenv func(string) string
	log    *slog.Logger
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"upscale", "upscale images (files, folders, globs)", runUpscale},
		{"info", "show the model pack, provider, ONNX Runtime and the diffusion schedule", runInfo},
		{"bench", "time the engine on a synthetic (or given) image", runBench},
		{"eval", "measure PSNR-Y / SSIM-Y against a benchmark set (HR and LR folders)", runEval},
		{"worker", "pull upscale jobs from a NATS JetStream queue (docs/scale-out.md)", runWorker},
		{"batch", "upscale many images through the job queue (embedded NATS or --nats URL)", runBatch},
		{"version", "print the versions of resshift, ONNX Runtime and libvips", runVersion},
		{"help", "show help for a command", nil},
	}
}

// usageError is a command-line mistake: it exits with status 2 and a hint.
type usageError struct {
	cmd string // "" for the top level
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// errReported means the command already printed what went wrong (for example
// the per-file errors and the summary of a batch) and only the exit status is left.
var errReported = errors.New("failed")

func main() {
	fi, err := os.Stderr.Stat()
	tty := err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, tty: tty, getenv: os.Getenv}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches args (without the program name) and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	if e.getenv == nil {
		e.getenv = os.Getenv
	}
	level := slog.LevelWarn
	if v := e.getenv("RESSHIFT_LOG"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			fmt.Fprintf(e.stderr, "resshift: RESSHIFT_LOG=%q: want debug, info, warn or error\n", v)
			return exitUsage
		}
	}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
		slog.SetDefault(e.log) // core/imageio and govips log through the default logger
		// libvips warnings about a bad file repeat what its error says: forward
		// them only when asked for (RESSHIFT_LOG=info or debug).
		vipsLevel := slog.LevelError
		if level < slog.LevelWarn {
			vipsLevel = level
		}
		imageio.Startup(imageio.Config{LogLevel: vipsLevel})
	}
	if len(args) == 0 {
		topUsage(e.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			topUsage(e.stdout)
			return exitOK
		}
		if c, ok := lookup(rest[0]); ok && c.run != nil {
			return finish(e, c.name, c.run(ctx, e, []string{"-h"}))
		}
		return finish(e, "", usagef("", "unknown command %q", rest[0]))
	case "-version", "--version":
		name = "version"
	}
	c, ok := lookup(name)
	if !ok || c.run == nil {
		return finish(e, "", usagef("", "unknown command %q", name))
	}
	return finish(e, c.name, c.run(ctx, e, rest))
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// finish prints err (if any) and maps it to an exit status.
func finish(e *env, cmd string, err error) int {
	var ue *usageError
	prefix := "resshift"
	if cmd != "" {
		prefix += " " + cmd
	}
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "%s: %s\n", prefix, ue.msg)
		if ue.cmd != "" {
			fmt.Fprintf(e.stderr, "Run 'resshift %s -h' for usage.\n", ue.cmd)
		} else {
			fmt.Fprintln(e.stderr, "Run 'resshift help' for usage.")
		}
		return exitUsage
	case errors.Is(err, errReported):
		return exitFailure
	case errors.Is(err, core.ErrCanceled) || errors.Is(err, context.Canceled):
		fmt.Fprintf(e.stderr, "%s: interrupted\n", prefix)
		return exitInterrupted
	default:
		fmt.Fprintf(e.stderr, "%s: %v\n", prefix, err)
		return exitFailure
	}
}

func topUsage(w io.Writer) {
	fmt.Fprintln(w, `resshift: ResShift diffusion super-resolution (×4) on ONNX Runtime.

Usage:
  resshift <command> [flags] [arguments]

Commands:`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, `
Run 'resshift <command> -h' for the flags of a command.

Configuration: built-in defaults, then --config FILE (TOML, see configs/default.toml),
then RESSHIFT_* environment variables, then flags. RESSHIFT_ORT_LIB names the ONNX
Runtime library; RESSHIFT_LOG=debug|info|warn|error sets the log level (default warn).

Exit status: 0 ok, 1 failure (some file, the model or the provider), 2 usage error,
130 interrupted.`)
}
