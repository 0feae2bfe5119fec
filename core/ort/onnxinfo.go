package ort

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// TensorInfo describes a graph input or output.
type TensorInfo struct {
	Name  string
	Type  string  // "float32", "int64", "float16", ... ("" when not a tensor)
	Shape []int64 // -1 for a dynamic (symbolic or unknown) dimension; nil when the rank is unknown
}

// String formats the info as `x_t float32[-1 3 -1 -1]`.
func (t TensorInfo) String() string {
	return fmt.Sprintf("%s %s%v", t.Name, t.Type, t.Shape)
}

// ONNX TensorProto.DataType values and their names.
var onnxTypes = map[uint64]string{
	1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string",
	9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 16: "bfloat16",
}

// graphIO reads the inputs and outputs of an ONNX model from its protobuf bytes, without ONNX Runtime.
// Graph inputs that are also initializers (possible before IR version 4) are left out, as ORT does.
func graphIO(model []byte) (inputs, outputs []TensorInfo, err error) {
	var graph []byte
	if err := walk(model, func(field int, wire int, v uint64, b []byte) error {
		if field == 7 && wire == 2 { // ModelProto.graph
			graph = b
		}
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("not an ONNX model: %w", err)
	}
	if graph == nil {
		return nil, nil, errors.New("not an ONNX model: no graph")
	}
	inits := map[string]bool{}
	var ins, outs []TensorInfo
	err = walk(graph, func(field int, wire int, v uint64, b []byte) error {
		if wire != 2 {
			return nil
		}
		switch field {
		case 5: // GraphProto.initializer (TensorProto.name = 8)
			return walk(b, func(f, w int, _ uint64, s []byte) error {
				if f == 8 && w == 2 {
					inits[string(s)] = true
				}
				return nil
			})
		case 11, 12: // input, output (ValueInfoProto)
			ti, err := valueInfo(b)
			if err != nil {
				return err
			}
			if field == 11 {
				ins = append(ins, ti)
			} else {
				outs = append(outs, ti)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("not an ONNX model: %w", err)
	}
	for _, in := range ins {
		if !inits[in.Name] {
			inputs = append(inputs, in)
		}
	}
	return inputs, outs, nil
}

// valueInfo decodes a ValueInfoProto: name = 1, type = 2 (TypeProto: tensor_type = 1
// {elem_type = 1, shape = 2 {dim = 1 {dim_value = 1, dim_param = 2}}}).
func valueInfo(b []byte) (TensorInfo, error) {
	var ti TensorInfo
	err := walk(b, func(f, w int, _ uint64, s []byte) error {
		switch {
		case f == 1 && w == 2:
			ti.Name = string(s)
		case f == 2 && w == 2:
			return walk(s, func(f, w int, _ uint64, tensor []byte) error {
				if f != 1 || w != 2 {
					return nil
				}
				return walk(tensor, func(f, w int, v uint64, shape []byte) error {
					switch {
					case f == 1 && w == 0:
						ti.Type = onnxTypes[v]
						if ti.Type == "" {
							ti.Type = fmt.Sprintf("onnx-type-%d", v)
						}
					case f == 2 && w == 2:
						ti.Shape = []int64{}
						return walk(shape, func(f, w int, _ uint64, dim []byte) error {
							if f != 1 || w != 2 {
								return nil
							}
							d := int64(-1)
							err := walk(dim, func(f, w int, v uint64, _ []byte) error {
								if f == 1 && w == 0 && int64(v) > 0 {
									d = int64(v)
								}
								return nil
							})
							ti.Shape = append(ti.Shape, d)
							return err
						})
					}
					return nil
				})
			})
		}
		return nil
	})
	return ti, err
}

// walk calls fn for every top-level field of a protobuf message. For varints v holds the value, for
// length-delimited fields b holds the bytes; fixed32/64 fields are passed with v set.
func walk(msg []byte, fn func(field, wire int, v uint64, b []byte) error) error {
	for len(msg) > 0 {
		key, n := binary.Uvarint(msg)
		if n <= 0 {
			return errors.New("bad protobuf key")
		}
		msg = msg[n:]
		field, wire := int(key>>3), int(key&7)
		if field == 0 {
			return errors.New("bad protobuf field 0")
		}
		var v uint64
		var b []byte
		switch wire {
		case 0:
			v, n = binary.Uvarint(msg)
			if n <= 0 {
				return errors.New("bad protobuf varint")
			}
			msg = msg[n:]
		case 1:
			if len(msg) < 8 {
				return errors.New("truncated protobuf")
			}
			v, msg = binary.LittleEndian.Uint64(msg), msg[8:]
		case 2:
			l, n := binary.Uvarint(msg)
			if n <= 0 || l > uint64(len(msg)-n) || l > math.MaxInt {
				return errors.New("truncated protobuf")
			}
			b, msg = msg[n:n+int(l)], msg[n+int(l):]
		case 5:
			if len(msg) < 4 {
				return errors.New("truncated protobuf")
			}
			v, msg = uint64(binary.LittleEndian.Uint32(msg)), msg[4:]
		default:
			return fmt.Errorf("unsupported protobuf wire type %d", wire)
		}
		if err := fn(field, wire, v, b); err != nil {
			return err
		}
	}
	return nil
}

// InspectIO reports a model's inputs and outputs (names, element types, shapes). It reads the ONNX protobuf
// directly, so it needs neither Init nor a session; when that fails it asks ONNX Runtime (after Init).
func InspectIO(model []byte) (inputs, outputs []TensorInfo, err error) {
	if in, out, err := graphIO(model); err == nil {
		return in, out, nil
	}
	return inspectWithORT(model)
}

// Inspect reports the names of a model's inputs and outputs, in graph order.
func Inspect(model []byte) (inputs, outputs []string, err error) {
	in, out, err := InspectIO(model)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range in {
		inputs = append(inputs, t.Name)
	}
	for _, t := range out {
		outputs = append(outputs, t.Name)
	}
	return inputs, outputs, nil
}

// WeightTypes counts a model's initializers by element type ("float32": 46, "float16": 3, ...), read from the
// ONNX protobuf (no ONNX Runtime needed). A model whose float weights are "float16" runs in half precision.
func WeightTypes(model []byte) (map[string]int, error) {
	var graph []byte
	if err := walk(model, func(field int, wire int, v uint64, b []byte) error {
		if field == 7 && wire == 2 {
			graph = b
		}
		return nil
	}); err != nil || graph == nil {
		return nil, errors.New("not an ONNX model")
	}
	counts := map[string]int{}
	err := walk(graph, func(field int, wire int, v uint64, b []byte) error {
		if field != 5 || wire != 2 { // GraphProto.initializer
			return nil
		}
		typ := "undefined"
		err := walk(b, func(f, w int, v uint64, _ []byte) error {
			if f == 2 && w == 0 { // TensorProto.data_type
				if typ = onnxTypes[v]; typ == "" {
					typ = fmt.Sprintf("onnx-type-%d", v)
				}
			}
			return nil
		})
		counts[typ]++
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("not an ONNX model: %w", err)
	}
	return counts, nil
}
