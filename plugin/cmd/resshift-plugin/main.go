// Command resshift-plugin is the resshift go-plugin: a process that a Go host
// (plugin.NewHost) launches and calls over gRPC. It loads the engine from a
// TOML config (core.LoadConfig: the file, then RESSHIFT_* environment
// overrides), then serves until the host ends it.
//
//	resshift-plugin [-config path]
//
// The config path comes from -config, else from RESSHIFT_CONFIG; with
// neither, the built-in defaults (the embedded model on CPU) are used. The
// log level comes from RESSHIFT_LOG_LEVEL (trace, debug, info, warn, error).
// The plugin exits by itself when its host process is gone (it polls its
// parent pid), so a host killed with SIGKILL leaves no plugin running.
// Logs are hclog JSON lines on stderr, relayed into the host's logger;
// nothing but go-plugin's handshake is written to stdout. Run by hand, it
// says that it is a plugin and exits with status 1.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/plugin/local"
)

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("resshift-plugin", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	cfgPath := fs.String("config", os.Getenv("RESSHIFT_CONFIG"), "engine config (TOML); default $RESSHIFT_CONFIG")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	hl, log := plugin.NewLogger(os.Stderr, os.Getenv("RESSHIFT_LOG_LEVEL"))
	if os.Getenv(plugin.Handshake.MagicCookieKey) != plugin.Handshake.MagicCookieValue {
		// Checked before loading the model, so a user running it by hand learns at once.
		fmt.Fprintln(os.Stderr, "resshift-plugin is a plugin: it is launched by a Go host (plugin.NewHost), not run directly. See docs/plugin.md.")
		return 1
	}
	watchParent(hl) // a host that dies without ending us (SIGKILL) must not leave us behind
	cfg, err := core.LoadConfig(*cfgPath)
	if err != nil {
		hl.Error("load config", "error", err)
		return 1
	}
	eng, err := core.New(cfg, log)
	if err != nil {
		hl.Error("load engine", "error", err)
		return 1
	}
	defer eng.Close()
	info := eng.Info()
	hl.Info("engine loaded", "model", info.Model, "provider", info.Provider, "ort", info.ORTVersion, "config", *cfgPath)
	plugin.Serve(local.New(eng), hl)
	return 0
}
