package main

/*
#include "capi.h"
*/
import "C"

import (
	"errors"

	"github.com/resshift/resshift/core"
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

// statusOfSetup is the C ABI's face of the steps of core.New: an invalid
// configuration, a model pack that cannot be used, and ONNX Runtime or an
// execution provider that cannot be loaded.
var statusOfSetup = map[core.SetupStep]C.int{
	core.SetupConfig:   stInvalid,
	core.SetupModel:    stModel,
	core.SetupRuntime:  stRuntime,
	core.SetupProvider: stRuntime,
}

// classifySetup maps an error of core.New by the step that failed
// (*core.SetupError); an error without a step by its kind (classify).
func classifySetup(err error) C.int {
	if se := (*core.SetupError)(nil); errors.As(err, &se) {
		if st, ok := statusOfSetup[se.Step]; ok {
			return st
		}
	}
	return classify(err)
}
