package plugin_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/resshift/resshift/plugin"
)

// A Go HTTP server that upscales POSTed images through the plugin process
// (the snippet in README.md and docs/plugin.md, kept identical by
// TestSnippetsMatchExample). SIGTERM or SIGINT shut it down cleanly, and the
// deferred Close ends the plugin process (lifetime_test.go runs it).
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h, err := plugin.NewHost(plugin.HostConfig{Path: "build/resshift-plugin", Args: []string{"-config", "configs/cpu.toml"}})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close() // one plugin process shared by all requests, relaunched if it dies or freezes
	http.HandleFunc("POST /upscale", func(w http.ResponseWriter, r *http.Request) {
		src, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 32<<20))
		res, err := h.Upscale(r.Context(), plugin.Request{Image: src, Options: plugin.Options{Format: "webp"}})
		switch {
		case errors.Is(err, plugin.ErrInvalidInput): // not an image, bad options, or plugin.ErrTooLarge
			http.Error(w, "not an image this server can upscale", http.StatusUnprocessableEntity)
		case err != nil: // plugin.ErrUnavailable (crashed or froze; relaunched), ErrCanceled, ErrInternal
			log.Print(err) // details go to the log, not to the client
			http.Error(w, "upscaling failed, try again later", http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", res.ContentType())
			w.Write(res.Image)
		}
	})
	srv := &http.Server{Addr: "127.0.0.1:8080"}
	go func() {
		if err := srv.ListenAndServe(); err != http.ErrServerClosed {
			log.Print(err)
			stop()
		}
	}()
	<-ctx.Done() // SIGTERM or SIGINT (log.Fatal would exit without h.Close and leave the plugin running)

	srv.Shutdown(context.Background()) // waits for the requests in flight; then the deferred h.Close runs
}
