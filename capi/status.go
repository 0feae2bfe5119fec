package main

/*
#include "capi.h"
*/
import "C"

import (
	"errors"

	"github.com/resshift/resshift/core/ort"
	"github.com/resshift/resshift/vocab"
)

// Status codes (resshift_status).
const (
	stOK             = C.int(C.RESSHIFT_OK)
	stInvalid        = C.int(C.RESSHIFT_ERR_INVALID_ARGUMENT)
	stUnsupported    = C.int(C.RESSHIFT_ERR_UNSUPPORTED)
	stTooLarge       = C.int(C.RESSHIFT_ERR_TOO_LARGE)
	stCorrupt        = C.int(C.RESSHIFT_ERR_CORRUPT_DATA)
	stBufferTooSmall = C.int(C.RESSHIFT_ERR_BUFFER_TOO_SMALL)
	stCancelled      = C.int(C.RESSHIFT_ERR_CANCELLED)
	stModel          = C.int(C.RESSHIFT_ERR_MODEL)
	stRuntime        = C.int(C.RESSHIFT_ERR_RUNTIME)
	stNoMemory       = C.int(C.RESSHIFT_ERR_OUT_OF_MEMORY)
	stInternal       = C.int(C.RESSHIFT_ERR_INTERNAL)
	stTimeout        = C.int(C.RESSHIFT_ERR_TIMEOUT)
)

// statusOf is the C ABI's face of the shared error kinds: one status per
// kind of vocab.Kinds (see docs/CONTRACTS.md).
var statusOf = map[*vocab.Kind]C.int{
	vocab.ErrInvalidInput: stInvalid,
	vocab.ErrTooLarge:     stTooLarge,
	vocab.ErrUnsupported:  stUnsupported,
	vocab.ErrCorrupt:      stCorrupt,
	vocab.ErrCanceled:     stCancelled,
	vocab.ErrTimeout:      stTimeout,
	vocab.ErrUnavailable:  stRuntime,
	vocab.ErrInternal:     stRuntime,
	vocab.ErrModelOutput:  stModel,
}

// classify maps an engine error to a status by its kind (vocab.KindOf).
func classify(err error) C.int {
	if err == nil {
		return stOK
	}
	return statusOf[vocab.KindOf(err)]
}

// classifyEngineNew maps an error of core.NewFromPack (after ort.Init
// succeeded): an execution provider that cannot be used (*ort.ProviderError)
// is a runtime error, the rest (graphs that do not load or do not match the
// manifest) model errors.
func classifyEngineNew(err error) C.int {
	if pe := (*ort.ProviderError)(nil); errors.As(err, &pe) {
		return stRuntime
	}
	return stModel
}
