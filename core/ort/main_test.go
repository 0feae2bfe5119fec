package ort

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// Tests use the real ONNX Runtime: `make ort` (or RESSHIFT_ORT_LIB) must provide it.
func TestMain(m *testing.M) {
	lib, err := ResolveLibrary("")
	if err == nil {
		err = Init(lib)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "core/ort tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// modelsDir holds the generated test packs (core/testdata/models/gen.py); RESSHIFT_TEST_MODELS overrides it
// (gen.py points it at a fresh output folder to verify it).
func modelsDir() string {
	if d := os.Getenv("RESSHIFT_TEST_MODELS"); d != "" {
		return d
	}
	return filepath.Join("..", "testdata", "models")
}

func readModel(t testing.TB, pack, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(modelsDir(), pack, file))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// refInput mirrors gen.py's ref_input: splitmix64 of (seed<<32 + i), top 24 bits, in [-amp, amp).
func refInput(seed uint64, n int, amp float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		h := (seed << 32) + uint64(i)
		h *= 0x9E3779B97F4A7C15
		h ^= h >> 31
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 29
		v := float64(h>>40)/float64(1<<23) - 1
		out[i] = float32(v * amp)
	}
	return out
}

type refFile struct {
	Pack      string    `json:"pack"`
	Tolerance float64   `json:"tolerance"`
	Cases     []refCase `json:"cases"`
}

type refCase struct {
	Graph  string `json:"graph"`
	Note   string `json:"note"`
	Inputs []struct {
		Name  string  `json:"name"`
		Shape []int64 `json:"shape"`
		Seed  uint64  `json:"seed"`
		Amp   float64 `json:"amp"`
		I64   []int64 `json:"i64"`
	} `json:"inputs"`
	Outputs []struct {
		Name   string    `json:"name"`
		Shape  []int64   `json:"shape"`
		Stride int       `json:"stride"`
		Values []float64 `json:"values"`
		Sum    float64   `json:"sum"`
		AbsSum float64   `json:"abs_sum"`
	} `json:"outputs"`
}

func (c refCase) feeds() (names []string, vals []Value) {
	for _, in := range c.Inputs {
		v := Value{Shape: in.Shape}
		if in.I64 != nil {
			v.I64 = in.I64
		} else {
			v.F32 = refInput(in.Seed, v.Len(), in.Amp)
		}
		names = append(names, in.Name)
		vals = append(vals, v)
	}
	return names, vals
}

func loadRef(t testing.TB, pack string) refFile {
	t.Helper()
	var rf refFile
	if err := json.Unmarshal(readModel(t, pack, "reference.json"), &rf); err != nil {
		t.Fatal(err)
	}
	return rf
}

// TestReference runs every graph of the generated packs with ORT and compares with the numpy/torch
// reference written by gen.py (max abs diff <= tolerance, 1e-4).
func TestReference(t *testing.T) {
	// The last entries are the shipped models (references written by training/export.py).
	for _, pack := range []string{"pointwise-x4", "conv-x4", "latent-x4", "../../../models/resshift-lite-x4", "../../../models/resshift-real-x4"} {
		rf := loadRef(t, pack)
		for _, c := range rf.Cases {
			t.Run(pack+"/"+c.Graph+"/"+c.Note, func(t *testing.T) {
				names, vals := c.feeds()
				var outNames []string
				for _, o := range c.Outputs {
					outNames = append(outNames, o.Name)
				}
				s, err := NewSession(readModel(t, pack, c.Graph), names, outNames, Config{IntraOpThreads: 1, Name: c.Graph}, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				outs, err := s.Run(vals)
				if err != nil {
					t.Fatal(err)
				}
				for i, o := range c.Outputs {
					got := outs[i]
					if fmt.Sprint(got.Shape) != fmt.Sprint(o.Shape) {
						t.Fatalf("%s: shape %v, want %v", o.Name, got.Shape, o.Shape)
					}
					maxDiff, sum, abs := 0.0, 0.0, 0.0
					for _, x := range got.F32 {
						sum += float64(x)
						abs += math.Abs(float64(x))
					}
					for k, want := range o.Values {
						maxDiff = math.Max(maxDiff, math.Abs(float64(got.F32[k*o.Stride])-want))
					}
					if maxDiff > rf.Tolerance || math.IsNaN(maxDiff) {
						t.Errorf("%s: max |ORT - reference| = %g > %g", o.Name, maxDiff, rf.Tolerance)
					}
					n := float64(len(got.F32))
					if math.Abs(sum-o.Sum) > rf.Tolerance*n || math.Abs(abs-o.AbsSum) > rf.Tolerance*n {
						t.Errorf("%s: sum %g / abs sum %g, reference %g / %g", o.Name, sum, abs, o.Sum, o.AbsSum)
					}
					t.Logf("%s %v: max diff %.3g over %d sampled values", o.Name, got.Shape, maxDiff, len(o.Values))
				}
			})
		}
	}
}
