package ort

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// protoField appends one protobuf field: a varint (wire 0) or length-delimited bytes (wire 2).
func protoField(dst []byte, field int, wire int, v uint64, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(field)<<3|uint64(wire))
	if wire == 0 {
		return binary.AppendUvarint(dst, v)
	}
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// encodeValueInfo writes t as an ONNX ValueInfoProto, the inverse of valueInfo.
func encodeValueInfo(t *testing.T, ti TensorInfo) []byte {
	var tensor []byte
	if ti.Type != "" {
		code, ok := uint64(0), false
		for k, name := range onnxTypes {
			if name == ti.Type {
				code, ok = k, true
			}
		}
		if n, found := strings.CutPrefix(ti.Type, "onnx-type-"); found {
			v, err := strconv.ParseUint(n, 10, 64)
			if err != nil {
				t.Fatalf("type %q: %v", ti.Type, err)
			}
			code, ok = v, true
		}
		if !ok {
			t.Fatalf("graphIO reported an unknown type name %q", ti.Type)
		}
		tensor = protoField(tensor, 1, 0, code, nil)
	}
	if ti.Shape != nil {
		var shape []byte
		for _, d := range ti.Shape {
			var dim []byte // -1: a dimension without dim_value
			if d > 0 {
				dim = protoField(nil, 1, 0, uint64(d), nil)
			}
			shape = protoField(shape, 1, 2, 0, dim)
		}
		tensor = protoField(tensor, 2, 2, 0, shape)
	}
	out := protoField(nil, 1, 2, 0, []byte(ti.Name))
	if ti.Type != "" || ti.Shape != nil {
		out = protoField(out, 2, 2, 0, protoField(nil, 1, 2, 0, tensor))
	}
	return out
}

// encodeModel writes a minimal ModelProto whose graph has these inputs and outputs.
func encodeModel(t *testing.T, inputs, outputs []TensorInfo) []byte {
	var graph []byte
	for _, in := range inputs {
		graph = protoField(graph, 11, 2, 0, encodeValueInfo(t, in))
	}
	for _, out := range outputs {
		graph = protoField(graph, 12, 2, 0, encodeValueInfo(t, out))
	}
	model := protoField(nil, 1, 0, 8, nil) // ir_version 8
	return protoField(model, 7, 2, 0, graph)
}

func names(ts []TensorInfo) []string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Name)
	}
	return s
}

// FuzzGraphIO: the ONNX protobuf reader never panics and fails with a "not an ONNX model" error; what it
// accepts has well-formed shapes (each dimension -1 or positive), is what Inspect reports, and re-encoding the
// reported inputs and outputs as a model reads back identically. Seeded with every .onnx in the repository
// (the shipped models and the generated test packs).
func FuzzGraphIO(f *testing.F) {
	var files []string
	for _, pattern := range []string{"../../models/*/*.onnx", filepath.Join(modelsDir(), "*", "*.onnx")} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 5 {
		f.Fatalf("found %d .onnx seeds, want the shipped and test models", len(files))
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, model []byte) {
		in, out, err := graphIO(model)
		if err != nil {
			if in != nil || out != nil {
				t.Fatalf("graphIO returned tensors and the error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "not an ONNX model: ") || len(err.Error()) <= len("not an ONNX model: ") {
				t.Fatalf("error %q does not say what was wrong", err)
			}
			return
		}
		for _, ti := range append(append([]TensorInfo(nil), in...), out...) {
			for _, d := range ti.Shape {
				if d != -1 && d <= 0 {
					t.Fatalf("%v: dimension %d", ti, d)
				}
			}
		}
		inNames, outNames, err := Inspect(model)
		if err != nil || !reflect.DeepEqual(inNames, names(in)) || !reflect.DeepEqual(outNames, names(out)) {
			t.Fatalf("Inspect = %q %q %v, graphIO names %q %q", inNames, outNames, err, names(in), names(out))
		}
		in2, out2, err := graphIO(encodeModel(t, in, out))
		if err != nil {
			t.Fatalf("re-encoded model: %v", err)
		}
		if !reflect.DeepEqual(in, in2) || !reflect.DeepEqual(out, out2) {
			t.Fatalf("round trip changed the graph IO:\n%v %v\n%v %v", in, out, in2, out2)
		}
	})
}
