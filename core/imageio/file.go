package imageio

import (
	"errors"
	"io/fs"
	"os"

	"github.com/resshift/resshift/internal/boundedfile"
)

// OpenRegular opens path for reading and returns the file with its Stat
// result, or an ErrInvalid error when path is not a regular file (after
// following symlinks). It never blocks on a FIFO, socket or device: the file
// is opened with O_NONBLOCK (which changes nothing for regular files) and
// the type is checked on the opened descriptor, so nothing can be swapped in
// between check and open. The caller closes the file.
func OpenRegular(path string) (*os.File, fs.FileInfo, error) {
	return openRegular("open", path)
}

func openRegular(op, path string) (*os.File, fs.FileInfo, error) {
	f, st, err := boundedfile.Open(op, path, false)
	return f, st, fromBounded(err)
}

// ReadFileLimit reads the file at path, refusing with an ErrTooLarge error
// ("too large") more than max bytes: a regular file is checked with Stat
// before it is read, and the read itself is bounded, so a file that grows
// or a character device that never ends (/dev/zero) fails fast too. FIFOs,
// sockets, block devices and folders are refused (ErrInvalid) without
// blocking, as in OpenRegular. Meant for small files such as configs.
// It is internal/boundedfile.ReadLimit with this package's *Error.
func ReadFileLimit(path string, max int64) ([]byte, error) {
	data, err := boundedfile.ReadLimit(path, max)
	return data, fromBounded(err)
}

// fileKind names a non-regular file type for error messages.
func fileKind(m fs.FileMode) string { return boundedfile.KindName(m) }

// fileError wraps an os error: missing files and permission problems are
// ErrInvalid (bad argument), other I/O failures ErrInternal.
func fileError(op string, err error) error { return fromBounded(boundedfile.FileError(op, err)) }

// fromBounded turns an internal/boundedfile error into this package's
// *Error with the same op, kind, message and cause ("imageio: <op>: …").
func fromBounded(err error) error {
	var be *boundedfile.Error
	if errors.As(err, &be) {
		return &Error{Op: be.Op, Kind: be.Kind, Msg: be.Msg, Err: be.Err}
	}
	return err
}
