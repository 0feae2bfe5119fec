#!/usr/bin/python3
"""Generate the special-purpose test packs under core/testdata/models/ (onnx helper API, no torch needed).

    /usr/bin/python3 core/testdata/models/gen_special.py

  oracle-x4/    x0 = y (the bicubic upsampling it is given): every sampler must then return exactly y, so the
                engine's whole path (prior, steps, y margins, tiling, blending) is checked end to end.
  constant-x4/  x0 = 0.25 everywhere: the engine must reject a constant frame from a non-constant input.
  nan-x4/       x0 = y + sqrt(-1) = NaN: the engine must reject non-finite output.
All three consume every input (multiplied by zero) so ORT keeps their declared inputs; dynamic N, H, W.
"""
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = open(os.path.join(HERE, "pointwise-x4", "model.toml")).read()


def build(kind: str) -> onnx.ModelProto:
    f, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [
        helper.make_tensor_value_info("x_t", f, ["N", 3, "H", "W"]),
        helper.make_tensor_value_info("t", i64, ["N"]),
        helper.make_tensor_value_info("lq", f, ["N", 3, "h", "w"]),
        helper.make_tensor_value_info("y", f, ["N", 3, "H", "W"]),
    ]
    outputs = [helper.make_tensor_value_info("x0", f, ["N", 3, "H", "W"])]
    inits = [numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
             numpy_helper.from_array(np.array(0.25, dtype=np.float32), "quarter"),
             numpy_helper.from_array(np.array(-1.0, dtype=np.float32), "minus_one")]
    nodes = [
        helper.make_node("ReduceMean", ["lq"], ["lq_mean"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Cast", ["t"], ["tf"], to=f),
        helper.make_node("Mul", ["x_t", "zero"], ["x_zero"]),
        helper.make_node("Mul", ["lq_mean", "zero"], ["lq_zero"]),
        helper.make_node("Mul", ["tf", "zero"], ["t_zero"]),
        helper.make_node("Add", ["x_zero", "lq_zero"], ["z1"]),
    ]
    if kind == "oracle":
        nodes += [helper.make_node("Add", ["y", "z1"], ["x0"])]
    elif kind == "constant":
        nodes += [helper.make_node("Mul", ["y", "zero"], ["y_zero"]),
                  helper.make_node("Add", ["y_zero", "z1"], ["z2"]),
                  helper.make_node("Add", ["z2", "quarter"], ["x0"])]
    else:
        nodes += [helper.make_node("Sqrt", ["minus_one"], ["nan"]),
                  helper.make_node("Add", ["y", "z1"], ["z2"]),
                  helper.make_node("Add", ["z2", "nan"], ["x0"])]
    # t_zero keeps t consumed: fold it in with a broadcast Add after reshaping to N×1×1×1
    inits.append(numpy_helper.from_array(np.array([-1, 1, 1, 1], dtype=np.int64), "shape_n111"))
    nodes.insert(5, helper.make_node("Reshape", ["t_zero", "shape_n111"], ["t_zero4"]))
    nodes[6] = helper.make_node("Add", ["x_zero", "lq_zero"], ["z0"])
    nodes.insert(7, helper.make_node("Add", ["z0", "t_zero4"], ["z1"]))
    g = helper.make_graph(nodes, f"{kind}_x4", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="resshift gen_special.py")
    onnx.checker.check_model(m)
    return m


def main():
    for kind in ("oracle", "constant", "nan"):
        d = os.path.join(HERE, f"{kind}-x4")
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        onnx.save(build(kind), os.path.join(d, "denoiser.onnx"))
        man = MANIFEST.replace('name        = "pointwise-x4"', f'name        = "{kind}-x4"')
        man = man.replace("test: pointwise x0 = y + 0.1*tanh(a[t]*x_t)", f"test: {kind} denoiser").split("\n", 1)
        with open(os.path.join(d, "model.toml"), "w") as fh:
            fh.write(f"# Test pack (core/testdata/models/gen_special.py): {kind}.\n" + man[1])
        print(d)


if __name__ == "__main__":
    main()
