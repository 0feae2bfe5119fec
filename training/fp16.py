"""Convert an ONNX graph to half precision with float32 inputs and outputs (the fp16 variant of a pack, for GPUs).

    /usr/bin/python3 -m training.fp16 IN.onnx OUT.onnx

Every float32 initializer and Constant becomes float16, Cast nodes to float32 cast to float16, float32 graph inputs
are cast to float16 where they enter and float32 outputs are cast back where they leave, so the engine feeds and
reads float32 as before. On the GPU the graph then runs in fp16; ONNX Runtime's CPU provider runs it too (it computes
nodes without fp16 kernels in fp32 between fp16 tensors, which reproduces the fp16 rounding of the stored tensors).
"""
from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16


def _half(t: onnx.TensorProto) -> onnx.TensorProto:
    a = numpy_helper.to_array(t)
    if np.isfinite(a).all() and np.abs(a).max(initial=0) > 65504:
        raise ValueError(f"fp16: tensor {t.name!r} has values beyond the float16 range")
    return numpy_helper.from_array(a.astype(np.float16), t.name)


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """Return a float16 copy of model with float32 inputs and outputs (see the module doc)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    for i, t in enumerate(g.initializer):
        if t.data_type == F32:
            g.initializer[i].CopyFrom(_half(t))
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == F32:
                a.t.CopyFrom(_half(a.t))
            if n.op_type == "Cast" and a.name == "to" and a.i == F32:
                a.i = F16
    cast_in = []
    for inp in g.input:
        if inp.type.tensor_type.elem_type != F32:
            continue
        h = inp.name + "_fp16"
        for n in g.node:
            for k, x in enumerate(n.input):
                if x == inp.name:
                    n.input[k] = h
        cast_in.append(helper.make_node("Cast", [inp.name], [h], to=F16, name=h + "_cast"))
    cast_out = []
    for out in g.output:
        if out.type.tensor_type.elem_type != F32:
            continue
        h = out.name + "_fp16"
        for n in g.node:
            for k, x in enumerate(n.output):
                if x == out.name:
                    n.output[k] = h
            for k, x in enumerate(n.input):  # an output also read inside the graph
                if x == out.name:
                    n.input[k] = h
        cast_out.append(helper.make_node("Cast", [h], [out.name], to=F32, name=h + "_cast"))
    nodes = cast_in + list(g.node) + cast_out
    del g.node[:]
    g.node.extend(nodes)
    del g.value_info[:]  # stale float32 intermediate types; ORT infers them again
    onnx.checker.check_model(m)
    return m


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        sys.exit("usage: python3 -m training.fp16 IN.onnx OUT.onnx")
    onnx.save(to_fp16(onnx.load(argv[0])), argv[1])


if __name__ == "__main__":
    main()
