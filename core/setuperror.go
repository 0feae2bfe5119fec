package core

import (
	"errors"

	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/vocab"
)

// SetupStep names the step of New or NewFromPack that failed (SetupError.Step).
type SetupStep string

// The steps of New and NewFromPack, with the kind (vocab) their errors have.
const (
	// SetupConfig: the configuration is invalid (Config.Validate). ErrInvalidInput.
	SetupConfig SetupStep = "config"
	// SetupModel: the model pack cannot be used: not found (an unknown name,
	// a missing directory or file), a bad manifest, or graphs that do not
	// load or do not match the manifest. ErrInvalidInput.
	SetupModel SetupStep = "model"
	// SetupRuntime: ONNX Runtime cannot be loaded (the library is missing or
	// too old, or another one is already loaded). vocab.ErrUnavailable.
	SetupRuntime SetupStep = "runtime"
	// SetupProvider: the execution provider cannot be used and the config
	// does not allow the CPU fallback; the cause is an *ort.ProviderError.
	// vocab.ErrUnavailable.
	SetupProvider SetupStep = "provider"
)

// kind is the error kind of a step.
func (s SetupStep) kind() *vocab.Kind {
	switch s {
	case SetupRuntime, SetupProvider:
		return vocab.ErrUnavailable
	}
	return vocab.ErrInvalidInput
}

// SetupError is every error of New and NewFromPack: the step that failed
// and its cause. Error() is the cause's message; errors.Is matches the
// step's kind (vocab.KindOf reports it) and anything the cause matches, and
// errors.As finds the cause's types (*ort.ProviderError). A face that maps
// engine creation to its own codes reads Step (errors.As) or the kind once.
type SetupError struct {
	Step SetupStep
	Err  error
}

func (e *SetupError) Error() string { return e.Err.Error() }

// Unwrap returns the step's kind and the cause.
func (e *SetupError) Unwrap() []error { return []error{e.Step.kind(), e.Err} }

// setupError wraps err (not nil) as a *SetupError of step, unless it
// already is one.
func setupError(step SetupStep, err error) error {
	if se := (*SetupError)(nil); errors.As(err, &se) {
		return err
	}
	return &SetupError{Step: step, Err: err}
}

// sessionStep is the step of an error of ort.NewSession: SetupProvider for
// a provider that cannot be used, SetupModel otherwise.
func sessionStep(err error) SetupStep {
	if pe := (*ort.ProviderError)(nil); errors.As(err, &pe) {
		return SetupProvider
	}
	return SetupModel
}
