package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/resshift/resshift/plugin"
	"github.com/resshift/resshift/vocab"
)

// TestClassifyKinds: every shared error kind, as the plugin host returns
// it, gets its HTTP status and a fixed public message that never repeats
// the error's own text; an httpError keeps its own status.
func TestClassifyKinds(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Limits.MaxSrcResolution = 16
	cfg.Limits.RequestTimeout = 30 * time.Second
	s := newServer(cfg, nil, 4, nil, nil, slog.Default())
	want := map[*vocab.Kind]struct {
		status int
		public string
	}{
		vocab.ErrInvalidInput: {http.StatusUnprocessableEntity, "the source is not an image this server can read"},
		vocab.ErrTooLarge:     {http.StatusRequestEntityTooLarge, "the source image is too large for this server (at most 16 megapixels)"},
		vocab.ErrUnsupported:  {http.StatusUnprocessableEntity, "the source is not an image this server can read"},
		vocab.ErrCorrupt:      {http.StatusUnprocessableEntity, "the source is not an image this server can read"},
		vocab.ErrCanceled:     {499, "canceled"},
		vocab.ErrTimeout:      {http.StatusGatewayTimeout, "the request timed out after 30 s"},
		vocab.ErrUnavailable:  {http.StatusServiceUnavailable, "the upscaler is unavailable or restarting; retry later"},
		vocab.ErrInternal:     {http.StatusInternalServerError, "internal error"},
		vocab.ErrModelOutput:  {http.StatusInternalServerError, "internal error"},
	}
	for _, k := range vocab.Kinds {
		w, ok := want[k]
		if !ok {
			t.Fatalf("kind %v missing from the test", k)
		}
		err := fmt.Errorf("upscale: %w", &plugin.Error{Kind: k, Msg: "plugin: secret /tmp/path"})
		status, public, retry := s.classify(err)
		if status != w.status || public != w.public || strings.Contains(public, "secret") {
			t.Errorf("%v: %d %q, want %d %q", k, status, public, w.status, w.public)
		}
		if (status == http.StatusServiceUnavailable) != (retry > 0) {
			t.Errorf("%v: Retry-After %d", k, retry)
		}
	}
	for _, tc := range []struct {
		err    error
		status int
	}{
		{context.DeadlineExceeded, http.StatusGatewayTimeout},
		{context.Canceled, 499},
		{errors.New("boom"), http.StatusInternalServerError},
		{fmt.Errorf("x: %w", errorf(http.StatusBadGateway, "fetch: %v", vocab.ErrCorrupt)), http.StatusBadGateway},
	} {
		if status, _, _ := s.classify(tc.err); status != tc.status {
			t.Errorf("%v: %d, want %d", tc.err, status, tc.status)
		}
	}
}
