package vocab

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestKindTree: each kind matches itself and the kinds it refines, and no
// other; KindOf finds it back through wrapping.
func TestKindTree(t *testing.T) {
	parents := map[*Kind][]*Kind{
		ErrInvalidInput: nil,
		ErrTooLarge:     {ErrInvalidInput},
		ErrUnsupported:  {ErrInvalidInput},
		ErrCorrupt:      {ErrInvalidInput},
		ErrCanceled:     nil,
		ErrTimeout:      {ErrCanceled},
		ErrUnavailable:  nil,
		ErrInternal:     nil,
		ErrModelOutput:  {ErrInternal},
	}
	if len(Kinds) != len(parents) {
		t.Fatalf("Kinds has %d entries, the test %d", len(Kinds), len(parents))
	}
	for _, k := range Kinds {
		ps, ok := parents[k]
		if !ok {
			t.Fatalf("kind %v missing from the test", k)
		}
		err := NewError(k, "pkg: something failed", errors.New("cause"))
		wrapped := fmt.Errorf("outer: %w", err)
		for _, other := range Kinds {
			want := other == k
			for _, p := range ps {
				want = want || other == p
			}
			if got := errors.Is(wrapped, other); got != want {
				t.Errorf("errors.Is(%v error, %v) = %v, want %v", k, other, got, want)
			}
		}
		if got := KindOf(wrapped); got != k {
			t.Errorf("KindOf(%v error) = %v", k, got)
		}
		if got := KindOf(k); got != k {
			t.Errorf("KindOf(%v) = %v", k, got)
		}
		if wrapped.Error() != "outer: pkg: something failed" {
			t.Errorf("message %q", wrapped.Error())
		}
	}
}

func TestKindOfContextAndPlain(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want *Kind
	}{
		{"nil", nil, nil},
		{"plain", errors.New("boom"), ErrInternal},
		{"context canceled", fmt.Errorf("x: %w", context.Canceled), ErrCanceled},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), ErrTimeout},
		{"canceled caused by deadline", NewError(ErrCanceled, "canceled", context.DeadlineExceeded), ErrTimeout},
		{"canceled caused by cancel", NewError(ErrCanceled, "canceled", context.Canceled), ErrCanceled},
		{"invalid wrapping a deadline", NewError(ErrInvalidInput, "bad", context.DeadlineExceeded), ErrInvalidInput},
		{"no kind set", &Error{Msg: "x", Err: context.Canceled}, ErrCanceled},
		{"nothing set", &Error{Msg: "x"}, ErrInternal},
		{"two kinds: the caller's fault first", errors.Join(NewError(ErrInternal, "a", nil), NewError(ErrCorrupt, "b", nil)), ErrCorrupt},
	} {
		if got := KindOf(tc.err); got != tc.want {
			t.Errorf("%s: KindOf = %v, want %v", tc.name, got, tc.want)
		}
	}
}
