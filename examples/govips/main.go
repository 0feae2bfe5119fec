// Command govips is a libvips pipeline in Go with the resshift stage:
//
//	load → autorotate → resshift ×4 → resize to -width → save
//
// The stage runs the engine in this process (-config, or the embedded model),
// or in the plugin process with -plugin path/to/resshift-plugin:
//
//	govips [-config engine.toml | -plugin build/resshift-plugin] [-width 1024] [-quality 90] in.jpg out.webp
//
// The output format follows out's extension (.png, .jpg, .webp, .tif). The
// file is written atomically (a temporary file renamed into place).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/hashicorp/go-hclog"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/plugin/vipsstage"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "govips:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("govips", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "engine config (TOML) for the in-process engine")
	pluginPath := fs.String("plugin", "", "run the stage in this resshift-plugin binary instead")
	width := fs.Int("width", 0, "final width in pixels (0 = the upscaled width)")
	quality := fs.Int("quality", 90, "JPEG/WebP quality")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("usage: govips [flags] in out")
	}
	in, out := fs.Arg(0), fs.Arg(1)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	slog.SetDefault(log)
	imageio.Startup(imageio.Config{}) // libvips once, its messages routed to slog

	up, closeUp, err := upscaler(*cfgPath, *pluginPath, log)
	if err != nil {
		return err
	}
	defer closeUp()

	// load → autorotate
	ref, err := vips.LoadImageFromFile(in, vips.NewImportParams())
	if err != nil {
		return fmt.Errorf("load %s: %w", in, err)
	}
	defer ref.Close()
	if err := ref.AutoRotate(); err != nil {
		return fmt.Errorf("autorotate: %w", err)
	}
	// → resshift
	big, err := vipsstage.New(up).Upscale(context.Background(), ref, vipsstage.Options{})
	if err != nil {
		return err
	}
	defer big.Close()
	// → resize (a downscale: libvips' Lanczos3 applies here)
	if *width > 0 && *width != big.Width() {
		if err := big.Resize(float64(*width)/float64(big.Width()), vips.KernelLanczos3); err != nil {
			return fmt.Errorf("resize: %w", err)
		}
	}
	// → save
	data, err := export(big, strings.ToLower(filepath.Ext(out)), *quality)
	if err != nil {
		return err
	}
	return imageio.WriteFileAtomic(out, data)
}

// upscaler returns the engine in process, or the plugin through a Host.
func upscaler(cfgPath, pluginPath string, log *slog.Logger) (vipsstage.Upscaler, func(), error) {
	if pluginPath != "" {
		hc := plugin.HostConfig{Path: pluginPath,
			Logger: hclog.New(&hclog.LoggerOptions{Name: "resshift", Output: os.Stderr, Level: hclog.Warn})}
		if cfgPath != "" {
			hc.Args = []string{"-config", cfgPath}
		}
		h, err := plugin.NewHost(hc)
		if err != nil {
			return nil, nil, err
		}
		up, err := vipsstage.Plugin(context.Background(), h)
		if err != nil {
			h.Close()
			return nil, nil, err
		}
		return up, func() { h.Close() }, nil
	}
	cfg, err := core.LoadConfig(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	eng, err := core.New(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	return vipsstage.Engine(eng), func() { eng.Close() }, nil
}

func export(ref *vips.ImageRef, ext string, quality int) ([]byte, error) {
	var (
		data []byte
		err  error
	)
	switch ext {
	case ".png":
		data, _, err = ref.ExportPng(vips.NewPngExportParams())
	case ".jpg", ".jpeg":
		p := vips.NewJpegExportParams()
		p.Quality = quality
		data, _, err = ref.ExportJpeg(p)
	case ".webp":
		p := vips.NewWebpExportParams()
		p.Quality = quality
		data, _, err = ref.ExportWebp(p)
	case ".tif", ".tiff":
		data, _, err = ref.ExportTiff(vips.NewTiffExportParams())
	default:
		return nil, fmt.Errorf("output extension %q: want .png, .jpg, .webp or .tif", ext)
	}
	if err != nil {
		return nil, fmt.Errorf("save: %w", err)
	}
	return data, nil
}
