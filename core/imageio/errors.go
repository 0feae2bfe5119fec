package imageio

import (
	"fmt"

	"github.com/resshift/resshift/vocab"
)

// Error kinds, for errors.Is: the shared vocabulary's (package vocab).
// Every error returned by this package wraps exactly one of them; the
// first three refine ErrInvalid (vocab.ErrInvalidInput), and
// ErrOutputTooLarge refines ErrTooLarge.
var (
	// ErrTooLarge: the input exceeds a [Limits] bound (bytes or pixels).
	ErrTooLarge = vocab.ErrTooLarge
	// ErrUnsupported: format, band layout, sample format or colour space that
	// this package does not handle.
	ErrUnsupported = vocab.ErrUnsupported
	// ErrCorrupt: the data could not be decoded (truncated, damaged, empty).
	ErrCorrupt = vocab.ErrCorrupt
	// ErrInvalid: an invalid argument (Image fields, options, NaN samples).
	ErrInvalid = vocab.ErrInvalidInput
	// ErrInternal: libvips failed on valid input (out of memory, I/O, ...).
	ErrInternal = vocab.ErrInternal

	// ErrOutputTooLarge refines ErrTooLarge (errors.Is matches both): the
	// output the caller asked for would exceed MaxOutputPixels or what the
	// output format can hold.
	ErrOutputTooLarge = fmt.Errorf("output %w", ErrTooLarge)
)

// Error is the error type of this package: "imageio: <op>: <msg>".
type Error struct {
	Op   string // "decode", "encode", "from ref", ...
	Kind error  // one of the Err* kinds above
	Msg  string // human-readable detail
	Err  error  // underlying cause, if any (also unwrapped)
}

func (e *Error) Error() string {
	s := "imageio: " + e.Op + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

func errorf(op string, kind error, format string, args ...any) error {
	return &Error{Op: op, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
