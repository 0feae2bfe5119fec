package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/ort"
)

const versionUsage = `Usage: resshift version

Prints the versions of resshift, ONNX Runtime (loading the library found from
the config's runtime.ort_library, RESSHIFT_ORT_LIB, next to the binary or the
path baked in at build time) and libvips.`

// buildVersion is the link-time version, or the module/VCS version for dev builds.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return version
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return version + " (" + rev + ")"
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags("version", versionUsage)
	pos, err := parse(e, fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usagef("version", "unexpected argument %q", pos[0])
	}
	fmt.Fprintf(e.stdout, "resshift     %s (%s, %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	ortVer := "unavailable"
	cfg, err := core.LoadConfig("")
	if err == nil {
		err = ort.Init(cfg.Runtime.ORTLibrary)
	}
	if err != nil {
		ortVer += ": " + err.Error()
	} else {
		_, lib := ort.Initialized()
		ortVer = ort.Version() + " (" + lib + ")"
	}
	fmt.Fprintf(e.stdout, "onnxruntime  %s\n", ortVer)
	fmt.Fprintf(e.stdout, "libvips      %s\n", vips.Version)
	return nil
}
