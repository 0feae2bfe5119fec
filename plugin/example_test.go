package plugin_test

import (
	"errors"
	"io"
	"log"
	"net/http"

	"github.com/resshift/resshift/plugin"
)

// A Go HTTP server that upscales POSTed images through the plugin process
// (the snippet in README.md and docs/plugin.md; compiled, not run).
func Example() {
	h, err := plugin.NewHost(plugin.HostConfig{Path: "build/resshift-plugin", Args: []string{"-config", "configs/cpu.toml"}})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close() // one plugin process shared by all requests, relaunched if it dies
	http.HandleFunc("POST /upscale", func(w http.ResponseWriter, r *http.Request) {
		src, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 32<<20))
		res, err := h.Upscale(r.Context(), plugin.Request{Image: src, Options: plugin.Options{Format: "webp"}})
		switch {
		case errors.Is(err, plugin.ErrInvalidInput): // not an image, bad options, or plugin.ErrTooLarge
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		case err != nil: // plugin.ErrUnavailable (crashed; relaunched on the next call), ErrCanceled, ErrInternal
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", res.ContentType())
			w.Write(res.Image)
		}
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", nil))
}
