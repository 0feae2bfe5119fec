package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/resshift/resshift/core/imageio"
	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/vocab"
)

// TestClassify: every error kind gets its resshift_status, through the
// wrapping the engine and imageio do; an error of no kind is a runtime error.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, int(stOK)},
		{vocab.NewError(vocab.ErrInvalidInput, "core: bad", nil), int(stInvalid)},
		{&imageio.Error{Op: "decode", Kind: imageio.ErrTooLarge, Msg: "big"}, int(stTooLarge)},
		{&imageio.Error{Op: "decode", Kind: imageio.ErrOutputTooLarge, Msg: "big"}, int(stTooLarge)},
		{&imageio.Error{Op: "decode", Kind: imageio.ErrUnsupported, Msg: "cmyk"}, int(stUnsupported)},
		{&imageio.Error{Op: "decode", Kind: imageio.ErrCorrupt, Msg: "truncated"}, int(stCorrupt)},
		{&imageio.Error{Op: "encode", Kind: imageio.ErrInternal, Msg: "vips"}, int(stRuntime)},
		{vocab.NewError(vocab.ErrCanceled, "core: cancelled by progress callback", errors.New("stop")), int(stCancelled)},
		{vocab.NewError(vocab.ErrCanceled, "core: deadline", context.DeadlineExceeded), int(stTimeout)},
		{vocab.NewError(vocab.ErrUnavailable, "gone", nil), int(stRuntime)},
		{vocab.NewError(vocab.ErrModelOutput, "core: NaN", nil), int(stModel)},
		{errors.New("no kind"), int(stRuntime)},
	} {
		if got := int(classify(tc.err)); got != tc.want {
			t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	for _, k := range vocab.Kinds {
		if _, ok := statusOf[k]; !ok {
			t.Errorf("kind %v has no status", k)
		}
	}
}

// TestClassifyEngineNew: a provider that cannot be used is a runtime error
// (found with errors.As, not by the message), anything else a model error.
func TestClassifyEngineNew(t *testing.T) {
	pe := &ort.ProviderError{Provider: "cuda", Err: errors.New("libcudart.so.12: cannot open")}
	if got := classifyEngineNew(fmt.Errorf("core: model x: %w", pe)); got != stRuntime {
		t.Errorf("provider error: %d, want %d", got, stRuntime)
	}
	if got := classifyEngineNew(errors.New("core: model x: graph uses an unknown provider op")); got != stModel {
		t.Errorf("model error naming a provider: %d, want %d", got, stModel)
	}
}
