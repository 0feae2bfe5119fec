package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/resshift/resshift/plugin"
)

// classify maps an error to its HTTP status, the message the client gets
// and a Retry-After in seconds (0 = none). The message is fixed per kind
// (or an httpError's public text): never the error's own text, which may
// hold internal addresses, paths or the request's input. Those details go
// to the log only.
func (s *server) classify(err error) (status int, public string, retryAfter int) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		status, public, retryAfter = he.status, he.public, he.retryAfter
	case errors.Is(err, plugin.ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
		public = "the source image is too large for this server"
		if l := s.cfg.Limits; l.MaxSrcResolution > 0 {
			public += fmt.Sprintf(" (at most %g megapixels)", l.MaxSrcResolution)
		}
	case errors.Is(err, plugin.ErrInvalidInput):
		status = http.StatusUnprocessableEntity // the source is not an image we can read
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
		public = "the request timed out after " + seconds(s.cfg.Limits.RequestTimeout)
	case errors.Is(err, plugin.ErrCanceled), errors.Is(err, context.Canceled):
		status = 499 // the client went away; nobody reads this
	case errors.Is(err, plugin.ErrUnavailable):
		status = http.StatusServiceUnavailable
	default:
		status = http.StatusInternalServerError
	}
	if public == "" {
		public = publicMessage(status)
	}
	if retryAfter == 0 && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) {
		retryAfter = max(1, int(math.Ceil(s.cost.Backlog().Seconds())))
	}
	return status, public, retryAfter
}

// publicMessage is the message of a status without a specific one.
func publicMessage(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad request: not a valid upscale URL"
	case http.StatusForbidden:
		return "forbidden: this source is not allowed"
	case http.StatusNotFound:
		return "source not found"
	case http.StatusMethodNotAllowed:
		return "method not allowed (use GET or HEAD)"
	case http.StatusRequestEntityTooLarge:
		return "the source is too large for this server"
	case http.StatusUnprocessableEntity:
		return "the source is not an image this server can read"
	case http.StatusTooManyRequests:
		return "busy: too many requests in progress; retry later"
	case http.StatusBadGateway:
		return "the source could not be fetched"
	case http.StatusServiceUnavailable:
		return "the upscaler is unavailable or restarting; retry later"
	case http.StatusGatewayTimeout:
		return "the request timed out"
	case 499:
		return "canceled"
	}
	return "internal error"
}
