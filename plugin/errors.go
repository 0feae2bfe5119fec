package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error kinds, for errors.Is.
var (
	// ErrInvalidInput: the image or the options are wrong (gRPC InvalidArgument).
	ErrInvalidInput = errors.New("invalid input")
	// ErrTooLarge: the image exceeds a size limit (bytes, input or output
	// pixels). It also matches ErrInvalidInput.
	ErrTooLarge = fmt.Errorf("%w: too large", ErrInvalidInput)
	// ErrCanceled: the caller's context ended or its Progress callback asked
	// to stop (gRPC Canceled / DeadlineExceeded). When the context ended, the
	// error also matches ctx.Err() (context.Canceled or DeadlineExceeded).
	ErrCanceled = errors.New("canceled")
	// ErrUnavailable: the plugin process exited, was killed or stopped
	// answering (gRPC Unavailable), or could not be launched. A [Host]
	// relaunches it on the next call.
	ErrUnavailable = errors.New("plugin unavailable")
	// ErrInternal: the engine failed on valid input (gRPC Internal), for
	// example a model that produced NaN.
	ErrInternal = errors.New("internal error")
)

// Error is the error type of this package. Error() is Msg; errors.Is
// matches Kind and the cause Err.
type Error struct {
	Kind error  // one of the Err* kinds
	Msg  string // human-readable, prefixed "plugin: "
	Err  error  // cause: the gRPC status error, a context error, ...; may be nil
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// errorReason is the ErrorInfo reason that marks ErrTooLarge on the wire.
const (
	errorDomain    = "resshift"
	reasonTooLarge = "TOO_LARGE"
)

// kindOf classifies err by the kinds above (ErrInternal when none matches).
func kindOf(err error) error {
	for _, k := range []error{ErrTooLarge, ErrInvalidInput, ErrCanceled, ErrUnavailable} {
		if errors.Is(err, k) {
			return k
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ErrCanceled
	}
	return ErrInternal
}

// toStatus converts an Upscaler's error into a gRPC status error (plugin side).
func toStatus(err error) error {
	var code codes.Code
	kind := kindOf(err)
	switch kind {
	case ErrTooLarge, ErrInvalidInput:
		code = codes.InvalidArgument
	case ErrCanceled:
		code = codes.Canceled
	case ErrUnavailable:
		code = codes.Unavailable
	default:
		code = codes.Internal
	}
	st := status.New(code, err.Error())
	if kind == ErrTooLarge {
		if d, derr := st.WithDetails(&errdetails.ErrorInfo{Reason: reasonTooLarge, Domain: errorDomain}); derr == nil {
			st = d
		}
	}
	return st.Err()
}

// fromStatus converts a gRPC error into an *Error (host side). ctx is the
// caller's context: when it is done, the error is ErrCanceled wrapping ctx.Err().
func fromStatus(ctx context.Context, err error) *Error {
	cerr := ctx.Err()
	if dl, ok := ctx.Deadline(); ok && cerr == nil && status.Code(err) == codes.DeadlineExceeded && !time.Now().Before(dl) {
		cerr = context.DeadlineExceeded // gRPC saw the deadline before the context's timer fired
	}
	if cerr != nil {
		return &Error{Kind: ErrCanceled, Msg: "plugin: canceled: " + cerr.Error(), Err: cerr}
	}
	st, ok := status.FromError(err)
	if !ok {
		return &Error{Kind: ErrInternal, Msg: "plugin: " + err.Error(), Err: err}
	}
	kind := ErrInternal
	switch st.Code() {
	case codes.InvalidArgument:
		kind = ErrInvalidInput
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok && info.Domain == errorDomain && info.Reason == reasonTooLarge {
				kind = ErrTooLarge
			}
		}
	case codes.Canceled, codes.DeadlineExceeded:
		kind = ErrCanceled
	case codes.Unavailable:
		kind = ErrUnavailable
	}
	msg := strings.TrimPrefix(st.Message(), "plugin: ")
	return &Error{Kind: kind, Msg: fmt.Sprintf("plugin: %v: %s", kind, msg), Err: err}
}
