package modelpack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// Pack is a loaded and validated model pack.
type Pack struct {
	Manifest
	FS  fs.FS  // the pack's files, rooted at the pack
	Dir string // the directory it was loaded from; empty for LoadFS
}

// LoadDir loads and validates the pack in directory dir.
func LoadDir(dir string) (*Pack, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("modelpack: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("modelpack: %s: not a directory", dir)
	}
	p, err := load(os.DirFS(dir), filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, err
	}
	p.Dir = dir
	return p, nil
}

// LoadFS loads and validates the pack at root ("." for the top) inside fsys, for example an embed.FS.
func LoadFS(fsys fs.FS, root string) (*Pack, error) {
	if root == "" {
		root = "."
	}
	if !fs.ValidPath(root) {
		return nil, fmt.Errorf("modelpack: invalid root %q", root)
	}
	sub := fsys
	if root != "." {
		var err error
		if sub, err = fs.Sub(fsys, root); err != nil {
			return nil, fmt.Errorf("modelpack: %s: %w", root, err)
		}
	}
	return load(sub, path.Join(root, ManifestFile))
}

func load(fsys fs.FS, source string) (*Pack, error) {
	data, err := fs.ReadFile(fsys, ManifestFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &FieldError{File: source, Msg: "not found (is this a model pack?)"}
		}
		return nil, &FieldError{File: source, Msg: err.Error()}
	}
	m, err := ParseManifest(data, source)
	if err != nil {
		return nil, err
	}
	p := &Pack{Manifest: *m, FS: fsys}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Validate checks the manifest (Manifest.Validate) and that every graph file it names exists in the pack as a
// regular file. All problems are joined, each naming the file and key.
func (p *Pack) Validate() error {
	var errs []error
	if err := p.Manifest.Validate(); err != nil {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = append(errs, j.Unwrap()...)
		} else {
			errs = append(errs, err)
		}
	}
	if p.FS == nil {
		errs = append(errs, &FieldError{File: p.file(), Msg: "pack has no file system"})
		return errors.Join(errs...)
	}
	for _, g := range p.Graphs() {
		if g.File == "" || !validPackPath(g.File) {
			continue // reported by Manifest.Validate
		}
		key := string(g.Role) + ".file"
		st, err := fs.Stat(p.FS, g.File)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, &FieldError{File: p.file(), Key: key, Msg: fmt.Sprintf("%q not found in the pack", g.File)})
		case err != nil:
			errs = append(errs, &FieldError{File: p.file(), Key: key, Msg: err.Error()})
		case !st.Mode().IsRegular():
			errs = append(errs, &FieldError{File: p.file(), Key: key, Msg: fmt.Sprintf("%q is not a regular file", g.File)})
		}
	}
	return errors.Join(errs...)
}

// ReadGraph returns the bytes of a graph. name is a role (string(RoleDenoiser), …) or a path
// inside the pack (such as p.Denoiser.File).
func (p *Pack) ReadGraph(name string) ([]byte, error) {
	file := name
	if g, ok := p.Graph(Role(name)); ok {
		file = g.File
	} else if r := Role(name); r == RoleEncoder || r == RoleDecoder || r == RoleChain {
		return nil, fmt.Errorf("modelpack: read graph %s: pack %s has no %s (space %q)", name, p.Name, name, p.Space)
	}
	if !validPackPath(file) {
		return nil, fmt.Errorf("modelpack: read graph %q: not a path inside the pack", name)
	}
	data, err := fs.ReadFile(p.FS, file)
	if err != nil {
		return nil, fmt.Errorf("modelpack: read graph %s: %w", file, err)
	}
	return data, nil
}

// validFSPath is fs.ValidPath (kept as a function for the manifest checks).
func validFSPath(name string) bool { return fs.ValidPath(name) }
