// Command server is an imgproxy-style HTTP server that upscales images with
// resshift through the plugin process (plugin.Host): the server itself links
// neither ONNX Runtime nor libvips, and a crash of the plugin costs the
// requests in flight, not the server.
//
//	server -config server.toml
//
// URLs (imgproxy's layout):
//
//	GET /<signature>/sr:4/plain/local:///photos/cat.jpg@webp
//	GET /<signature>/sr:4/<base64url("https://example.com/cat.jpg")>.png
//	GET /sr:4/plain/photos/cat.jpg          (unsigned servers only)
//	GET /health
//	POST /jobs/<signature>/sr:4/plain/...   with [queue] nats set: 202 and a job id (async.go)
//	GET /jobs/<id>, GET /jobs/<id>/result
//
// With security.key and security.salt set, <signature> is
// base64url(HMAC-SHA256(key, salt + "/sr:4/plain/...")); otherwise it is not
// checked ("insecure" by convention). Limits: source size and resolution,
// workers plus a bounded queue (429 when full), a request timeout, and
// admission by expected cost (413 when an image cannot finish within the
// timeout, 429 with Retry-After when it would not behind the queue; see
// cost.go). Error bodies are public messages with a request id; details
// go to the log. See server.toml and docs/plugin.md.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/resshift/resshift/plugin"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	cfgPath := fs.String("config", "server.toml", "server config (TOML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := serve(*cfgPath, log); err != nil {
		log.Error("server", "error", err)
		return 1
	}
	return 0
}

func serve(cfgPath string, log *slog.Logger) error {
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		return err
	}
	sign, err := newSigner(cfg.Security.Key, cfg.Security.Salt)
	if err != nil {
		return err
	}
	src, err := newSources(cfg.Source, cfg.Limits.MaxSrcFileSize)
	if err != nil {
		return err
	}
	defer src.Close()

	hc := plugin.HostConfig{Path: cfg.Plugin.Path, HealthInterval: cfg.Plugin.HealthInterval,
		HealthTimeout: cfg.Plugin.HealthTimeout, HealthFailures: cfg.Plugin.HealthFailures,
		StartTimeout: cfg.Plugin.StartTimeout,
		Logger:       hclog.New(&hclog.LoggerOptions{Name: "resshift", Output: os.Stderr, Level: hclog.Info})}
	if cfg.Plugin.Config != "" {
		hc.Args = []string{"-config", cfg.Plugin.Config}
	}
	if cfg.Plugin.Model != "" {
		hc.Env = append(hc.Env, "RESSHIFT_MODEL="+cfg.Plugin.Model)
	}
	host, err := plugin.NewHost(hc)
	if err != nil {
		return err
	}
	defer host.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	info, err := host.Info(ctx)
	cancel()
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	h := newServer(cfg, host, info.Scale, src, sign, log)
	calibrate(host, h.cost, cfg.Plugin.StartTimeout, log)
	var handler http.Handler = h
	if cfg.Queue.NATS != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		aj, err := newAsyncJobs(ctx, cfg.Queue, h)
		cancel()
		if err != nil {
			return err
		}
		defer aj.Close()
		handler = aj.routes(h)
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		WriteTimeout: cfg.Limits.RequestTimeout + 30*time.Second}
	log.Info("listening", "addr", ln.Addr().String(), "model", info.Model, "scale", info.Scale,
		"workers", cfg.Limits.Workers, "queue", cfg.Limits.Queue, "signed", sign.key != nil,
		"seconds_per_output_mp", h.cost.Rate())

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-errc:
		return err
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	}
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
