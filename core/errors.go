package core

import "errors"

// Error kinds, for errors.Is. Transports map them to their own codes: ErrInvalidInput →
// InvalidArgument / RESSHIFT_ERR_INVALID, ErrCanceled → cancelled, the rest → internal.
var (
	// ErrInvalidInput: the caller's image or options are wrong (bad sizes, unsupported data, limits).
	ErrInvalidInput = errors.New("invalid input")
	// ErrCanceled: the context was cancelled or the progress callback asked to stop.
	ErrCanceled = errors.New("canceled")
	// ErrModelOutput: the network produced NaN/Inf or a constant frame from a non-constant input.
	ErrModelOutput = errors.New("model output rejected")
)

// kindError attaches a kind to a message: Error() is the message, errors.Is matches the kind
// and anything the cause matches.
type kindError struct {
	kind  error
	msg   string
	cause error
}

func (e *kindError) Error() string   { return e.msg }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.cause} }

func newKindError(kind error, msg string, cause error) error {
	return &kindError{kind: kind, msg: msg, cause: cause}
}
