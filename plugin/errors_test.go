package plugin

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/resshift/resshift/vocab"
)

// TestWireKinds: every shared error kind crosses the gRPC boundary with its
// code and comes back as the same kind, matching its broader kinds too.
func TestWireKinds(t *testing.T) {
	codeOf := map[*vocab.Kind]codes.Code{
		vocab.ErrInvalidInput: codes.InvalidArgument,
		vocab.ErrTooLarge:     codes.InvalidArgument,
		vocab.ErrUnsupported:  codes.InvalidArgument,
		vocab.ErrCorrupt:      codes.InvalidArgument,
		vocab.ErrCanceled:     codes.Canceled,
		vocab.ErrTimeout:      codes.DeadlineExceeded,
		vocab.ErrUnavailable:  codes.Unavailable,
		vocab.ErrInternal:     codes.Internal,
		vocab.ErrModelOutput:  codes.Internal,
	}
	for _, k := range vocab.Kinds {
		want, ok := codeOf[k]
		if !ok {
			t.Fatalf("kind %v missing from the test", k)
		}
		wire := toStatus(vocab.NewError(k, "plugin: engine said no", nil))
		if got := status.Code(wire); got != want {
			t.Errorf("%v: code %v, want %v", k, got, want)
		}
		back := fromStatus(context.Background(), wire)
		if back.Kind != k || !errors.Is(back, k) || back.Error() != "plugin: "+k.Error()+": engine said no" {
			t.Errorf("%v: back as %v (%q)", k, back.Kind, back.Error())
		}
	}
	if !errors.Is(fromStatus(context.Background(), toStatus(vocab.NewError(vocab.ErrTooLarge, "x", nil))), ErrInvalidInput) {
		t.Error("ErrTooLarge does not match ErrInvalidInput after the wire")
	}
}

// TestFromStatusOthers: statuses without a resshift reason, a reason of
// another domain, a code no kind has, a non-gRPC error and a done context.
func TestFromStatusOthers(t *testing.T) {
	foreign, _ := status.New(codes.InvalidArgument, "x").WithDetails(&errdetails.ErrorInfo{Reason: "TOO_LARGE", Domain: "other"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want *vocab.Kind
	}{
		{"plain invalid", context.Background(), status.Error(codes.InvalidArgument, "x"), vocab.ErrInvalidInput},
		{"foreign reason", context.Background(), foreign.Err(), vocab.ErrInvalidInput},
		{"not found", context.Background(), status.Error(codes.NotFound, "x"), vocab.ErrInternal},
		{"not grpc", context.Background(), errors.New("x"), vocab.ErrInternal},
		{"context done", ctx, status.Error(codes.Internal, "x"), vocab.ErrCanceled},
	} {
		if got := fromStatus(tc.ctx, tc.err); got.Kind != tc.want {
			t.Errorf("%s: kind %v, want %v", tc.name, got.Kind, tc.want)
		}
	}
}
