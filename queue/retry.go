package queue

import (
	"context"
	"errors"
	"net"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// failoverWindow bounds how long a client read keeps retrying while the
// cluster elects a new stream leader or the connection reconnects. A JetStream
// leader election takes a few seconds; a read that still fails after this
// window reports its last error.
const failoverWindow = 30 * time.Second

// retryable reports whether err is what a read meets while a cluster fails
// over (a request timing out, no responder yet, the connection between
// servers). "Not found" answers and a closed connection are final.
func retryable(err error) bool {
	switch {
	case errors.Is(err, jetstream.ErrObjectNotFound), errors.Is(err, jetstream.ErrMsgNotFound),
		errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrBucketNotFound),
		errors.Is(err, nats.ErrConnectionClosed):
		return false
	}
	// An object read stalls on its pipe's deadline ("read pipe: i/o
	// timeout") when the chunks stop coming during a leader change.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	// context.DeadlineExceeded here is a request's own timeout inside the
	// client library; readRetry stops first when the caller's ctx has ended.
	return errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, nats.ErrDisconnected) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, jetstream.ErrNoHeartbeat)
}

// readRetry runs read until it succeeds, fails with a final error, ctx ends or
// failoverWindow has passed since the first failure, waiting 100 ms, doubling
// up to 2 s, between tries. It returns read's last error.
func readRetry(ctx context.Context, read func(context.Context) error) error {
	var first time.Time
	delay := 100 * time.Millisecond
	for {
		err := read(ctx)
		if err == nil || ctx.Err() != nil || !retryable(err) {
			return err
		}
		if first.IsZero() {
			first = time.Now()
		} else if time.Since(first) > failoverWindow {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}
