package queue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nats.ErrTimeout, true},
		{fmt.Errorf("get: %w", nats.ErrTimeout), true},
		{context.DeadlineExceeded, true},
		{nats.ErrNoResponders, true},
		{nats.ErrDisconnected, true},
		{jetstream.ErrNoStreamResponse, true},
		{&net.OpError{Op: "read", Net: "pipe", Err: os.ErrDeadlineExceeded}, true},
		{jetstream.ErrObjectNotFound, false},
		{jetstream.ErrMsgNotFound, false},
		{nats.ErrConnectionClosed, false},
		{errors.New("invalid json"), false},
	} {
		if got := retryable(c.err); got != c.want {
			t.Errorf("retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestReadRetry(t *testing.T) {
	t.Run("recovers", func(t *testing.T) {
		n := 0
		err := readRetry(context.Background(), func(context.Context) error {
			if n++; n < 3 {
				return nats.ErrTimeout
			}
			return nil
		})
		if err != nil || n != 3 {
			t.Fatalf("err %v after %d tries, want nil after 3", err, n)
		}
	})
	t.Run("final error not retried", func(t *testing.T) {
		n := 0
		err := readRetry(context.Background(), func(context.Context) error { n++; return jetstream.ErrObjectNotFound })
		if !errors.Is(err, jetstream.ErrObjectNotFound) || n != 1 {
			t.Fatalf("err %v after %d tries, want not found after 1", err, n)
		}
	})
	t.Run("caller deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := readRetry(ctx, func(context.Context) error { return nats.ErrTimeout })
		if !errors.Is(err, nats.ErrTimeout) || time.Since(start) > 2*time.Second {
			t.Fatalf("err %v after %v, want the last timeout soon after the deadline", err, time.Since(start))
		}
	})
}
