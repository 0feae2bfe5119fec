package vocab

import (
	"context"
	"errors"
)

// Kind is an error kind: a sentinel compared with errors.Is. A kind may
// refine a broader one (ErrTooLarge refines ErrInvalidInput), and an error
// of the narrower kind matches both.
type Kind struct {
	name   string
	parent *Kind
}

// Error returns the kind's name, e.g. "too large".
func (k *Kind) Error() string { return k.name }

// Unwrap returns the broader kind this one refines, or nil.
func (k *Kind) Unwrap() error {
	if k.parent == nil {
		return nil
	}
	return k.parent
}

// The error kinds. The tree (a refinement matches its parent too):
//
//	ErrInvalidInput            the caller's image or options are wrong
//	├── ErrTooLarge            a size limit (bytes, input or output pixels)
//	├── ErrUnsupported         a format or layout resshift does not handle
//	└── ErrCorrupt             data that could not be decoded
//	ErrCanceled                the caller stopped the call
//	└── ErrTimeout             ... because its deadline passed
//	ErrUnavailable             the runtime, provider or plugin process is not there
//	ErrInternal                resshift failed on valid input
//	└── ErrModelOutput         the network produced NaN/Inf or a constant frame
var (
	// ErrInvalidInput: the caller's image or options are wrong (bad sizes,
	// bad option values, NaN samples, a missing file).
	ErrInvalidInput = &Kind{name: "invalid input"}
	// ErrTooLarge: the input or the output it asks for exceeds a limit.
	ErrTooLarge = &Kind{name: "too large", parent: ErrInvalidInput}
	// ErrUnsupported: a format, band layout, sample format or colour space
	// that resshift does not handle.
	ErrUnsupported = &Kind{name: "unsupported", parent: ErrInvalidInput}
	// ErrCorrupt: the data could not be decoded (truncated, damaged, empty).
	ErrCorrupt = &Kind{name: "corrupt", parent: ErrInvalidInput}
	// ErrCanceled: the caller's context ended or its progress callback
	// asked to stop.
	ErrCanceled = &Kind{name: "canceled"}
	// ErrTimeout: the call's deadline passed (context.DeadlineExceeded).
	ErrTimeout = &Kind{name: "timeout", parent: ErrCanceled}
	// ErrUnavailable: what runs the model is not there: the plugin process
	// exited or stopped answering, or an execution provider cannot be used.
	ErrUnavailable = &Kind{name: "unavailable"}
	// ErrInternal: resshift failed on valid input (out of memory, I/O, a
	// libvips or ONNX Runtime failure).
	ErrInternal = &Kind{name: "internal"}
	// ErrModelOutput: the network produced NaN/Inf or a constant frame from
	// a non-constant input.
	ErrModelOutput = &Kind{name: "model output rejected", parent: ErrInternal}
)

// Kinds lists every kind, the narrowest first: the order [KindOf] tries them.
var Kinds = []*Kind{
	ErrTooLarge, ErrUnsupported, ErrCorrupt, ErrInvalidInput,
	ErrTimeout, ErrCanceled,
	ErrUnavailable,
	ErrModelOutput, ErrInternal,
}

// KindOf returns the narrowest kind err matches: one of [Kinds], with
// context.DeadlineExceeded read as ErrTimeout and context.Canceled as
// ErrCanceled, and ErrInternal for an error of no kind. It returns nil for
// a nil error.
func KindOf(err error) *Kind {
	if err == nil {
		return nil
	}
	deadline := errors.Is(err, context.DeadlineExceeded)
	for _, k := range Kinds {
		if errors.Is(err, k) {
			if k == ErrCanceled && deadline {
				return ErrTimeout
			}
			return k
		}
	}
	switch {
	case deadline:
		return ErrTimeout
	case errors.Is(err, context.Canceled):
		return ErrCanceled
	}
	return ErrInternal
}

// Error gives a message a kind: Error() is Msg; errors.Is matches Kind (and
// the kinds it refines) and anything Err matches.
type Error struct {
	Kind *Kind  // the error's kind
	Msg  string // the whole message, prefixed by its package ("core: ...")
	Err  error  // the cause, may be nil
}

// NewError is &Error{Kind: kind, Msg: msg, Err: cause}.
func NewError(kind *Kind, msg string, cause error) error {
	return &Error{Kind: kind, Msg: msg, Err: cause}
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind and the cause (those that are set).
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
