package main

/*
#include "capi.h"
*/
import "C"

import (
	"errors"
	"strings"

	"github.com/resshift/resshift/core"
	"github.com/resshift/resshift/core/imageio"
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

// classify maps an engine error to a status. Order matters: an error can
// match several kinds (core wraps imageio's kinds in ErrInvalidInput).
func classify(err error) C.int {
	switch {
	case err == nil:
		return stOK
	case errors.Is(err, core.ErrCanceled):
		return stCancelled
	case errors.Is(err, imageio.ErrTooLarge):
		return stTooLarge
	case errors.Is(err, imageio.ErrUnsupported):
		return stUnsupported
	case errors.Is(err, imageio.ErrCorrupt):
		return stCorrupt
	case errors.Is(err, core.ErrModelOutput):
		return stModel
	case errors.Is(err, imageio.ErrInternal):
		return stRuntime
	case errors.Is(err, core.ErrInvalidInput), errors.Is(err, imageio.ErrInvalid):
		return stInvalid
	}
	return stRuntime
}

// classifyEngineNew maps an error of core.NewFromPack (after ort.Init
// succeeded): execution-provider problems are runtime errors, the rest
// (graphs that do not load or do not match the manifest) model errors.
func classifyEngineNew(err error) C.int {
	if strings.Contains(err.Error(), "provider") {
		return stRuntime
	}
	return stModel
}
