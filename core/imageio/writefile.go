package imageio

import (
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to path so that path holds either its old
// content or all of data, never a partial file: it writes a temporary file
// (.NAME.resshift-tmp-HOST-PID-RANDOM) in the same directory, fsyncs it,
// renames it over path and fsyncs the directory (best effort). On any error
// the temporary file is removed and path is untouched. The first write into
// a directory in a process also removes the temporary files that killed
// writers left there (see RemoveStaleTemps). The new file gets mode 0644 (existing files: their
// current permission bits). Concurrent writers to the same path are safe;
// the last rename wins.
func WriteFileAtomic(path string, data []byte) (err error) {
	const op = "write file"
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return errorf(op, ErrInvalid, "%s: not a regular file", path)
		}
		mode = st.Mode().Perm()
	}

	sweepOnce(dir)
	f, err := createTemp(dir, base)
	if err != nil {
		return &Error{Op: op, Kind: ErrInternal, Msg: path, Err: err}
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return &Error{Op: op, Kind: ErrInternal, Msg: path, Err: err}
	}
	if err = f.Chmod(mode); err != nil {
		return &Error{Op: op, Kind: ErrInternal, Msg: path, Err: err}
	}
	if err = f.Sync(); err != nil {
		return &Error{Op: op, Kind: ErrInternal, Msg: path, Err: err}
	}
	if err = f.Close(); err != nil {
		return &Error{Op: op, Kind: ErrInternal, Msg: path, Err: err}
	}
	if err = os.Rename(tmp, path); err != nil {
		return &Error{Op: op, Kind: ErrInternal, Msg: path, Err: err}
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // durability of the rename; not all filesystems support it
		d.Close()
	}
	return nil
}
