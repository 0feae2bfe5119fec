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

	"github.com/resshift/resshift/vocab"
)

// Error kinds, for errors.Is: the shared vocabulary's (package vocab), so
// that a host checks the same kinds as an in-process engine. The
// refinements vocab.ErrUnsupported, ErrCorrupt (of ErrInvalidInput),
// ErrTimeout (of ErrCanceled) and ErrModelOutput (of ErrInternal) travel
// too.
var (
	// ErrInvalidInput: the image or the options are wrong (gRPC InvalidArgument).
	ErrInvalidInput = vocab.ErrInvalidInput
	// ErrTooLarge: the image exceeds a size limit (bytes, input or output
	// pixels). It also matches ErrInvalidInput.
	ErrTooLarge = vocab.ErrTooLarge
	// ErrCanceled: the caller's context ended or its Progress callback asked
	// to stop (gRPC Canceled / DeadlineExceeded). When the context ended, the
	// error also matches ctx.Err() (context.Canceled or DeadlineExceeded).
	ErrCanceled = vocab.ErrCanceled
	// ErrUnavailable: the plugin process exited, was killed or stopped
	// answering (gRPC Unavailable), or could not be launched. A [Host]
	// relaunches it on the next call.
	ErrUnavailable = vocab.ErrUnavailable
	// ErrInternal: the engine failed on valid input (gRPC Internal), for
	// example a model that produced NaN (vocab.ErrModelOutput).
	ErrInternal = vocab.ErrInternal
)

// Error is the error type of this package (vocab.Error): Error() is Msg,
// prefixed "plugin: "; errors.Is matches Kind and the cause Err (the gRPC
// status error, a context error, ...; may be nil).
type Error = vocab.Error

// wireKind is the plugin's face of the shared error kinds: the gRPC code of
// each kind, and the ErrorInfo reason (domain "resshift") that names a
// refinement the code alone cannot tell.
var wireKind = map[*vocab.Kind]struct {
	code   codes.Code
	reason string
}{
	vocab.ErrInvalidInput: {codes.InvalidArgument, ""},
	vocab.ErrTooLarge:     {codes.InvalidArgument, "TOO_LARGE"},
	vocab.ErrUnsupported:  {codes.InvalidArgument, "UNSUPPORTED"},
	vocab.ErrCorrupt:      {codes.InvalidArgument, "CORRUPT"},
	vocab.ErrCanceled:     {codes.Canceled, ""},
	vocab.ErrTimeout:      {codes.DeadlineExceeded, ""},
	vocab.ErrUnavailable:  {codes.Unavailable, ""},
	vocab.ErrInternal:     {codes.Internal, ""},
	vocab.ErrModelOutput:  {codes.Internal, "MODEL_OUTPUT"},
}

const errorDomain = "resshift"

// toStatus converts an Upscaler's error into a gRPC status error (plugin side).
func toStatus(err error) error {
	w := wireKind[vocab.KindOf(err)]
	st := status.New(w.code, err.Error())
	if w.reason != "" {
		if d, derr := st.WithDetails(&errdetails.ErrorInfo{Reason: w.reason, Domain: errorDomain}); derr == nil {
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
	kind := kindOfStatus(st)
	msg := strings.TrimPrefix(st.Message(), "plugin: ")
	return &Error{Kind: kind, Msg: fmt.Sprintf("plugin: %v: %s", kind, msg), Err: err}
}

// kindOfStatus reads wireKind backwards: the kind of the status's code,
// refined by a resshift ErrorInfo reason sent with that code; ErrInternal
// for a code no kind has.
func kindOfStatus(st *status.Status) *vocab.Kind {
	kind := ErrInternal
	for k, w := range wireKind {
		if w.code == st.Code() && w.reason == "" {
			kind = k
		}
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.Domain == errorDomain {
			for k, w := range wireKind {
				if w.code == st.Code() && w.reason == info.Reason {
					kind = k
				}
			}
		}
	}
	return kind
}

// isCanceled reports whether e is of the canceled kinds (ErrCanceled, ErrTimeout).
func isCanceled(e *Error) bool { return errors.Is(e.Kind, ErrCanceled) }
