package modelpack

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/BurntSushi/toml"
)

// manifestSeeds are every model.toml in the repository's packs (shipped, embedded test pack, generated test
// packs): the fuzzer starts from real manifests.
func manifestSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, pattern := range []string{
		"../../models/*/model.toml",
		"testdata/embedded/model.toml",
		"../testdata/models/*/model.toml",
	} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, data)
		}
	}
	if len(seeds) < 3 {
		f.Fatalf("found %d model.toml seeds, want the shipped and test packs", len(seeds))
	}
	return seeds
}

// checkFieldErrors fails unless err is made only of *FieldError leaves (possibly joined) that name the
// manifest file and carry a message.
func checkFieldErrors(t *testing.T, err error, source string) {
	t.Helper()
	var leaves []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		leaves = append(leaves, e)
	}
	walk(err)
	if len(leaves) == 0 {
		t.Fatalf("error %v has no parts", err)
	}
	for _, e := range leaves {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("error part %T %q is not a *FieldError", e, e)
		}
		if fe.File != source || fe.Msg == "" {
			t.Fatalf("field error %+v: want file %q and a message", fe, source)
		}
	}
}

// exported returns a copy of m without its unexported bookkeeping, with nil and empty aliases made equal.
func exported(m *Manifest) Manifest {
	c := *m
	c.source, c.defined = "", nil
	if len(c.Aliases) == 0 {
		c.Aliases = nil
	}
	return c
}

// FuzzParseManifest: ParseManifest never panics; every error is made of *FieldErrors naming the file; a
// manifest that validates has the invariants the engine relies on, declares graphs the pack can hold, accepts
// its own graph names, and survives a TOML encode → parse round trip unchanged.
func FuzzParseManifest(f *testing.F) {
	for _, s := range manifestSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const source = "fuzz/model.toml"
		m, err := ParseManifest(data, source)
		if err != nil {
			if m != nil {
				t.Fatalf("ParseManifest returned a manifest and the error %v", err)
			}
			checkFieldErrors(t, err, source)
			return
		}
		if err := m.Validate(); err != nil {
			checkFieldErrors(t, err, source)
			return
		}
		// Validated: the invariants the engine relies on.
		if m.Scale != 1 && m.Scale != 2 && m.Scale != 4 && m.Scale != 8 {
			t.Fatalf("validated scale %d", m.Scale)
		}
		d := m.Diffusion
		if d.Steps < 1 || d.Steps > 1000 || !(d.Kappa > 0) || !(d.Power > 0) || !(d.MinNoiseLevel > 0) ||
			!(d.EtasEnd > 0 && d.EtasEnd <= 1) {
			t.Fatalf("validated diffusion %+v", d)
		}
		if !nameRE.MatchString(m.Name) {
			t.Fatalf("validated name %q", m.Name)
		}
		if len(m.Names()) < 1 || m.Names()[0] != m.Name {
			t.Fatalf("Names() = %q, want the name first", m.Names())
		}
		gs := m.Graphs()
		if len(gs) == 0 || gs[0].Role != RoleDenoiser || (m.IsLatent() && len(gs) != 3) {
			t.Fatalf("graphs %+v for space %q", gs, m.Space)
		}
		for _, g := range gs {
			if !validPackPath(g.File) {
				t.Fatalf("validated graph %s file %q is not a clean pack path", g.Role, g.File)
			}
			// A graph with exactly the declared names passes CheckGraph.
			if err := m.CheckGraph(g.Role, g.Inputs, g.Outputs); err != nil {
				t.Fatalf("CheckGraph(%s) with its own names: %v", g.Role, err)
			}
		}
		// Round trip: encode the decoded manifest and parse it again.
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(m); err != nil {
			t.Fatalf("encode a validated manifest: %v", err)
		}
		m2, err := ParseManifest(buf.Bytes(), source)
		if err != nil {
			t.Fatalf("re-parse of the encoded manifest: %v\n%s", err, buf.Bytes())
		}
		if a, b := exported(m), exported(m2); !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the manifest:\n%+v\n%+v\n%s", a, b, buf.Bytes())
		}
	})
}
