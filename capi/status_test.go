package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/resshift/resshift/core"
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

// TestClassifySetup: the step of core.New that failed picks the status,
// found with errors.As through any wrapping, not from the message: a
// provider that cannot be used is a runtime error even when its message
// does not say "provider", a model error naming a provider is still a
// model error.
func TestClassifySetup(t *testing.T) {
	pe := &ort.ProviderError{Provider: "cuda", Err: errors.New("libcudart.so.12: cannot open")}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{&core.SetupError{Step: core.SetupConfig, Err: errors.New("config: sampler.kind: bad")}, int(stInvalid)},
		{&core.SetupError{Step: core.SetupModel, Err: errors.New("core: model x: graph uses an unknown provider op")}, int(stModel)},
		{&core.SetupError{Step: core.SetupRuntime, Err: errors.New("ort: library /x not found")}, int(stRuntime)},
		{fmt.Errorf("wrapped: %w", &core.SetupError{Step: core.SetupProvider, Err: pe}), int(stRuntime)},
		{vocab.NewError(vocab.ErrInvalidInput, "no step", nil), int(stInvalid)},
	} {
		if got := int(classifySetup(tc.err)); got != tc.want {
			t.Errorf("classifySetup(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
