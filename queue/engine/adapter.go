// Package engine adapts core.Engine to queue.Upscaler: the only place where
// the job queue meets the engine (and cgo).
package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/pipeline"
	"github.com/resshift/resshift/queue"
	"github.com/resshift/resshift/vocab"
)

// Upscaler runs queue jobs on a core.Engine with fixed sampling options.
type Upscaler struct {
	eng *core.Engine
	opt core.Options
}

// New returns an Upscaler over eng with the per-call options opt (start from
// eng.Options()); opt.Progress is ignored. It checks opt against the model.
func New(eng *core.Engine, opt core.Options) (*Upscaler, error) {
	opt.Progress = nil
	if err := eng.CheckOptions(opt); err != nil {
		return nil, err
	}
	return &Upscaler{eng: eng, opt: opt}, nil
}

// Upscale decodes in, upscales it and encodes it (pipeline.UpscaleBytes)
// with the job's options over the engine's encoder defaults. Errors the engine classes as invalid input
// (core.ErrInvalidInput: unreadable, unsupported or too large images, bad
// encoder options) match queue.ErrBadInput.
func (u *Upscaler) Upscale(ctx context.Context, in []byte, o queue.Options) ([]byte, vocab.Format, error) {
	enc := pipeline.EncodeOptions(u.eng)
	if o.Format != vocab.FormatAuto {
		enc.Format = o.Format.String()
	}
	if o.Quality != 0 {
		enc.Quality = o.Quality
	}
	enc.Strip = enc.Strip || o.Strip
	out, _, err := pipeline.UpscaleBytes(ctx, u.eng, in, u.opt, enc)
	if err != nil {
		if errors.Is(err, core.ErrInvalidInput) {
			return nil, "", fmt.Errorf("%w: %w", queue.ErrBadInput, err)
		}
		return nil, "", err
	}
	f := vocab.Sniff(out)
	if f == vocab.FormatAuto {
		return nil, "", fmt.Errorf("engine: encoded output is not an image format resshift writes (%d bytes)", len(out))
	}
	return out, f, nil
}
