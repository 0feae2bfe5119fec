package imageio

import (
	"errors"
	"fmt"
)

// Error kinds, for errors.Is. Every error returned by this package wraps
// exactly one of them (transports map them: bad input → InvalidArgument);
// ErrOutputTooLarge is a refinement of ErrTooLarge.
var (
	// ErrTooLarge: the input exceeds a [Limits] bound (bytes or pixels).
	ErrTooLarge = errors.New("too large")
	// ErrUnsupported: format, band layout, sample format or colour space that
	// this package does not handle.
	ErrUnsupported = errors.New("unsupported")
	// ErrCorrupt: the data could not be decoded (truncated, damaged, empty).
	ErrCorrupt = errors.New("corrupt")
	// ErrInvalid: an invalid argument (Image fields, options, NaN samples).
	ErrInvalid = errors.New("invalid")
	// ErrInternal: libvips failed on valid input (out of memory, I/O, ...).
	ErrInternal = errors.New("internal")

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
