package main

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/models"
)

// Every default that a -h text states in words must be the code's default
// (the built-in config, the model, the encoders), so help and code cannot
// drift apart again (issue 12: upscale -h said the sampler defaults to
// deterministic while the config says stochastic). A flag whose usage
// mentions a default must be listed here with what the code says.
func TestHelpDefaultsMatchCode(t *testing.T) {
	cfg := core.DefaultConfig()
	eng, err := core.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	o := eng.Options()
	want := map[string][]string{ // flag → substrings its usage must contain
		"sampler":        {"default from config: " + cfg.Sampler.Kind.String()},
		"seed":           {fmt.Sprintf("default from config: %d", cfg.Sampler.Seed)},
		"provider":       {"default " + cfg.Runtime.Provider},
		"batch":          {fmt.Sprintf("default %d", o.Batch)},
		"tile":           {"default: the model's"},
		"overlap":        {"default: the model's"},
		"threads":        {"0 = one per core"},
		"model":          {"default: " + models.DefaultName},
		"quality":        {fmt.Sprintf("default %d JPEG, %d WebP, %d AVIF/HEIF", imageio.DefaultJPEGQuality, imageio.DefaultWebPQuality, imageio.DefaultHEIFQuality)},
		"format":         {"default: the output file's extension, else the input's format"},
		"scale":          {"default: the model's"},
		"o":              {"default: next to each input as NAME_xS.EXT"},
		"overwrite":      {"default: refuse and report"},
		"models":         {"default"},
		"config":         {"configs/default.toml"},
		"allow-fallback": nil,
	}
	// The built-in defaults the words above describe.
	if o.Sampler != cfg.Sampler.Kind || o.Seed != cfg.Sampler.Seed {
		t.Fatalf("engine options %+v do not follow the config %+v", o, cfg.Sampler)
	}
	for _, cmd := range []string{"upscale", "info", "bench", "eval"} {
		t.Run(cmd, func(t *testing.T) {
			r := runInProcess(t, cmd, "-h")
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			var fs *flag.FlagSet
			for f := range usages {
				if f.Name() == cmd {
					fs = f
				}
			}
			if fs == nil {
				t.Fatal("flag set not found")
			}
			fs.VisitAll(func(fl *flag.Flag) {
				subs, listed := want[fl.Name]
				if !strings.Contains(strings.ToLower(fl.Usage), "default") {
					return
				}
				if !listed {
					t.Errorf("-%s states a default (%q): add what the code says to this test", fl.Name, fl.Usage)
					return
				}
				for _, s := range subs {
					if !strings.Contains(fl.Usage, s) {
						t.Errorf("-%s: usage %q does not say %q (the code's default)", fl.Name, fl.Usage, s)
					}
				}
				if _, u := flag.UnquoteUsage(fl); !strings.Contains(r.stdout, u) {
					t.Errorf("-%s missing from the printed help", fl.Name)
				}
			})
		})
	}
}
