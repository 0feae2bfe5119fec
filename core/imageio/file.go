package imageio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// OpenRegular opens path for reading and returns the file with its Stat
// result, or an ErrInvalid error when path is not a regular file (after
// following symlinks). It never blocks on a FIFO, socket or device: the file
// is opened with O_NONBLOCK (which changes nothing for regular files) and
// the type is checked on the opened descriptor, so nothing can be swapped in
// between check and open. The caller closes the file.
func OpenRegular(path string) (*os.File, fs.FileInfo, error) {
	return openFile("open", path, false)
}

// openFile is OpenRegular; charDev also accepts character devices.
func openFile(op, path string, charDev bool) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fileError(op, path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fileError(op, path, err)
	}
	m := st.Mode()
	if !m.IsRegular() && !(charDev && m&fs.ModeCharDevice != 0) {
		f.Close()
		return nil, nil, errorf(op, ErrInvalid, "%s: not a regular file (%s)", path, fileKind(m))
	}
	return f, st, nil
}

func openRegular(op, path string) (*os.File, fs.FileInfo, error) {
	return openFile(op, path, false)
}

// ReadFileLimit reads the file at path, refusing with an ErrTooLarge error
// ("too large") more than max bytes: a regular file is checked with Stat
// before it is read, and the read itself is bounded, so a file that grows
// or a character device that never ends (/dev/zero) fails fast too. FIFOs,
// sockets, block devices and folders are refused (ErrInvalid) without
// blocking, as in OpenRegular. Meant for small files such as configs.
func ReadFileLimit(path string, max int64) ([]byte, error) {
	f, st, err := openFile("read file", path, true)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > max {
		return nil, errorf("read file", ErrTooLarge, "%s: too large: %d bytes, limit %d", path, st.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fileError("read file", path, err)
	}
	if int64(len(data)) > max {
		return nil, errorf("read file", ErrTooLarge, "%s: too large: more than %d bytes", path, max)
	}
	return data, nil
}

// fileKind names a non-regular file type for error messages.
func fileKind(m fs.FileMode) string {
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

// fileError wraps an os error: missing files and permission problems are
// ErrInvalid (bad argument), other I/O failures ErrInternal.
func fileError(op, path string, err error) error {
	kind := ErrInternal
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		kind = ErrInvalid
	}
	return &Error{Op: op, Kind: kind, Msg: "read file", Err: err}
}
