package main

import (
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/resshift/resshift/vocab"
)

// httpStatus is the server's face of the shared error kinds. Invalid input
// that is not a size limit means the source is not an image we can read;
// 499 (client closed request) is for a client that went away, which
// nobody reads.
var httpStatus = map[*vocab.Kind]int{
	vocab.ErrInvalidInput: http.StatusUnprocessableEntity,
	vocab.ErrTooLarge:     http.StatusRequestEntityTooLarge,
	vocab.ErrUnsupported:  http.StatusUnprocessableEntity,
	vocab.ErrCorrupt:      http.StatusUnprocessableEntity,
	vocab.ErrCanceled:     499,
	vocab.ErrTimeout:      http.StatusGatewayTimeout,
	vocab.ErrUnavailable:  http.StatusServiceUnavailable,
	vocab.ErrInternal:     http.StatusInternalServerError,
	vocab.ErrModelOutput:  http.StatusInternalServerError,
}

// classify maps an error to its HTTP status (an httpError's, else its
// kind's by httpStatus), the message the client gets and a Retry-After in
// seconds (0 = none). The message is fixed per kind (or an httpError's
// public text): never the error's own text, which may
// hold internal addresses, paths or the request's input. Those details go
// to the log only.
func (s *server) classify(err error) (status int, public string, retryAfter int) {
	if he := (*httpError)(nil); errors.As(err, &he) {
		status, public, retryAfter = he.status, he.public, he.retryAfter
	} else {
		kind := vocab.KindOf(err)
		status = httpStatus[kind]
		switch kind {
		case vocab.ErrTooLarge:
			public = "the source image is too large for this server"
			if l := s.cfg.Limits; l.MaxSrcResolution > 0 {
				public += fmt.Sprintf(" (at most %g megapixels)", l.MaxSrcResolution)
			}
		case vocab.ErrTimeout:
			public = "the request timed out after " + seconds(s.cfg.Limits.RequestTimeout)
		}
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
