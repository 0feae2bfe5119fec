package models

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/resshift/resshift/core/modelpack"
)

// Entry describes one embedded pack.
type Entry struct {
	modelpack.Manifest        // the pack's manifest (Name, Aliases, Scale, Description, …)
	Root               string // its directory in the embedded file system
	Default            bool   // it is the pack DefaultName selects
}

// registry is the set of packs in a file system, parsed once.
type registry struct {
	fsys fs.FS
	def  string

	once    sync.Once
	entries []Entry
	byName  map[string]int // name or alias → index in entries
	err     error
}

func newRegistry(fsys fs.FS, def string) *registry { return &registry{fsys: fsys, def: def} }

var embedded = newRegistry(files, DefaultName)

// List returns the embedded packs sorted by name. The error reports a broken
// embedded manifest or a name used by two packs (a build mistake).
func List() ([]Entry, error) { return embedded.list() }

// Load returns the embedded pack called name (its name or one of its
// aliases; "" and "default" select DefaultName), validated. An unknown name
// is an error that lists the known names.
func Load(name string) (*modelpack.Pack, error) { return embedded.load(name) }

// Knows reports whether name selects an embedded pack ("" and "default"
// included).
func Knows(name string) bool {
	if name == "" || name == modelpack.ReservedName {
		return true
	}
	if err := embedded.init(); err != nil {
		return false
	}
	_, ok := embedded.byName[name]
	return ok
}

// Default returns the embedded file system and the directory of the default pack in it.
func Default() (fs.FS, string) {
	if embedded.init() == nil {
		if i, ok := embedded.byName[embedded.def]; ok {
			return files, embedded.entries[i].Root
		}
	}
	return files, DefaultName
}

func (r *registry) init() error {
	r.once.Do(func() { r.err = r.scan() })
	return r.err
}

// scan reads every top-level directory's model.toml.
func (r *registry) scan() error {
	dirs, err := fs.ReadDir(r.fsys, ".")
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	r.byName = map[string]int{}
	var errs []error
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		if _, err := fs.Stat(r.fsys, path.Join(d.Name(), modelpack.ManifestFile)); err != nil {
			continue
		}
		p, err := modelpack.LoadFS(r.fsys, d.Name())
		if err != nil {
			errs = append(errs, fmt.Errorf("models: embedded pack %s: %w", d.Name(), err))
			continue
		}
		r.entries = append(r.entries, Entry{Manifest: p.Manifest, Root: d.Name()})
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if len(r.entries) == 0 {
		return errors.New("models: no model packs are embedded")
	}
	slices.SortFunc(r.entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	for i, e := range r.entries {
		for _, n := range e.Names() {
			if j, dup := r.byName[n]; dup {
				errs = append(errs, fmt.Errorf("models: name %q is used by both %s and %s", n, r.entries[j].Name, e.Name))
				continue
			}
			r.byName[n] = i
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	i, ok := r.byName[r.def]
	if !ok {
		return fmt.Errorf("models: the default model %q is not embedded (embedded: %s)", r.def, r.known())
	}
	r.entries[i].Default = true
	return nil
}

func (r *registry) list() ([]Entry, error) {
	if err := r.init(); err != nil {
		return nil, err
	}
	return slices.Clone(r.entries), nil
}

func (r *registry) load(name string) (*modelpack.Pack, error) {
	if err := r.init(); err != nil {
		return nil, err
	}
	if name == "" || name == modelpack.ReservedName {
		name = r.def
	}
	i, ok := r.byName[name]
	if !ok {
		return nil, fmt.Errorf("models: unknown model %q: embedded models are %s; or give a directory holding %s",
			name, r.known(), modelpack.ManifestFile)
	}
	return modelpack.LoadFS(r.fsys, r.entries[i].Root)
}

// known lists the packs as "name (alias, alias)", the default marked.
func (r *registry) known() string {
	var parts []string
	for _, e := range r.entries {
		s := e.Name
		if len(e.Aliases) > 0 {
			s += " (" + strings.Join(e.Aliases, ", ") + ")"
		}
		if e.Default {
			s += " [default]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
