package core

import "github.com/resshift/resshift/vocab"

// Error kinds, for errors.Is: the shared vocabulary's (package vocab), named
// here for the engine's callers. Every face maps them to its own codes with
// one table (see docs/CONTRACTS.md).
var (
	// ErrInvalidInput: the caller's image or options are wrong (bad sizes,
	// unsupported data, limits); vocab.ErrTooLarge, ErrUnsupported and
	// ErrCorrupt refine it.
	ErrInvalidInput = vocab.ErrInvalidInput
	// ErrCanceled: the context was cancelled or the progress callback asked to stop.
	ErrCanceled = vocab.ErrCanceled
	// ErrModelOutput: the network produced NaN/Inf or a constant frame from
	// a non-constant input. It refines vocab.ErrInternal.
	ErrModelOutput = vocab.ErrModelOutput
)

// newKindError attaches a kind to a message: Error() is the message,
// errors.Is matches the kind and anything the cause matches.
func newKindError(kind *vocab.Kind, msg string, cause error) error {
	return vocab.NewError(kind, msg, cause)
}
