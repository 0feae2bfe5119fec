"""training/fp16.py: float16 graphs with float32 inputs and outputs."""
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from training.fp16 import to_fp16


def small_model():
    w = numpy_helper.from_array(np.ones((2, 3, 3, 3), np.float32), "w")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Constant", [], ["k"], value=numpy_helper.from_array(np.array(0.5, np.float32))),
        helper.make_node("Mul", ["c", "k"], ["m"]),
        helper.make_node("Cast", ["t"], ["tf"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["m", "tf"], ["y"]),
    ]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 4, 4]),
                                       helper.make_tensor_value_info("t", TensorProto.INT64, [1])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2, 4, 4])], [w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


class FP16Test(unittest.TestCase):
    def test_types(self):
        m = to_fp16(small_model())
        g = m.graph
        self.assertEqual([i.type.tensor_type.elem_type for i in g.input], [TensorProto.FLOAT, TensorProto.INT64])
        self.assertEqual(g.output[0].type.tensor_type.elem_type, TensorProto.FLOAT)
        self.assertTrue(all(t.data_type == TensorProto.FLOAT16 for t in g.initializer))
        ops = [n.op_type for n in g.node]
        self.assertEqual(ops[0], "Cast")    # x enters as float16
        self.assertEqual(ops[-1], "Cast")   # y leaves as float32
        casts = {n.output[0]: n.attribute[0].i for n in g.node if n.op_type == "Cast"}
        self.assertEqual(casts["tf"], TensorProto.FLOAT16)
        self.assertEqual(casts["y"], TensorProto.FLOAT)
        const = [n for n in g.node if n.op_type == "Constant"][0]
        self.assertEqual(const.attribute[0].t.data_type, TensorProto.FLOAT16)
        onnx.checker.check_model(m)  # also done by to_fp16

    def test_out_of_range(self):
        m = small_model()
        m.graph.initializer[0].CopyFrom(numpy_helper.from_array(np.full((2, 3, 3, 3), 1e6, np.float32), "w"))
        with self.assertRaises(ValueError):
            to_fp16(m)


if __name__ == "__main__":
    unittest.main()
