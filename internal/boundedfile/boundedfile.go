// Package boundedfile opens and reads local files without blocking and
// with a size bound: a FIFO, socket, block device or folder is refused at
// once (the type is checked on the opened descriptor), and a read stops
// past its limit, so a file that grows or a device that never ends
// (/dev/zero) fails fast. It is pure Go (no cgo) so that the engine's
// config reader (core) and the codecs (core/imageio) share one
// implementation.
//
// Every error is an *Error carrying one kind of package vocab:
// vocab.ErrInvalidInput (missing file, no permission, not a regular file),
// vocab.ErrTooLarge (over the limit) or vocab.ErrInternal (other I/O).
package boundedfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/resshift/resshift/vocab"
)

// Error is the error type of this package: "<op>: <msg>[: <cause>]".
// Callers with their own error type copy the fields (core/imageio prefixes
// "imageio: ").
type Error struct {
	Op   string      // the caller's operation: "open", "read file", "decode", ...
	Kind *vocab.Kind // vocab.ErrInvalidInput, vocab.ErrTooLarge or vocab.ErrInternal
	Msg  string      // human-readable detail, naming the path where it helps
	Err  error       // underlying cause, if any (also unwrapped)
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// Open opens path for reading and returns the file with its Stat result,
// or an ErrInvalidInput error when path is not a regular file (after
// following symlinks); with charDev, character devices are accepted too.
// It never blocks on a FIFO, socket or device: the file is opened with
// O_NONBLOCK (which changes nothing for regular files) and the type is
// checked on the opened descriptor, so nothing can be swapped in between
// check and open. op names the caller's operation in errors. The caller
// closes the file.
func Open(op, path string, charDev bool) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, FileError(op, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, FileError(op, err)
	}
	m := st.Mode()
	if !m.IsRegular() && !(charDev && m&fs.ModeCharDevice != 0) {
		f.Close()
		return nil, nil, &Error{Op: op, Kind: vocab.ErrInvalidInput,
			Msg: fmt.Sprintf("%s: not a regular file (%s)", path, KindName(m))}
	}
	return f, st, nil
}

// ReadLimit reads the file at path (op "read file" in errors), refusing
// with an ErrTooLarge error ("too large") more than max bytes: a regular
// file is checked with Stat before it is read, and the read itself is
// bounded. Regular files and character devices are read; FIFOs, sockets,
// block devices and folders are refused (ErrInvalidInput) without blocking,
// as in Open. Meant for small files such as configs.
func ReadLimit(path string, max int64) ([]byte, error) {
	const op = "read file"
	f, st, err := Open(op, path, true)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > max {
		return nil, &Error{Op: op, Kind: vocab.ErrTooLarge,
			Msg: fmt.Sprintf("%s: too large: %d bytes, limit %d", path, st.Size(), max)}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, FileError(op, err)
	}
	if int64(len(data)) > max {
		return nil, &Error{Op: op, Kind: vocab.ErrTooLarge,
			Msg: fmt.Sprintf("%s: too large: more than %d bytes", path, max)}
	}
	return data, nil
}

// KindName names a non-regular file type for error messages ("a named
// pipe (FIFO)", "a directory", ...).
func KindName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return fmt.Sprintf("mode %v", m.Type())
}

// FileError wraps an os error of op: missing files and permission problems
// are ErrInvalidInput (a bad argument), other I/O failures ErrInternal. The
// os error, which names the path, is the cause.
func FileError(op string, err error) error {
	kind := vocab.ErrInternal
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		kind = vocab.ErrInvalidInput
	}
	return &Error{Op: op, Kind: kind, Msg: "read file", Err: err}
}
