"""training/onnx_compat.py: the tracing exporter is asked for explicitly where torch has the dynamo switch."""
import io
import unittest
from unittest import mock

import torch

from training import onnx_compat


class ExportKwargs(unittest.TestCase):
    def test_with_and_without_dynamo_parameter(self):
        def new_export(model, args, f, *, opset_version=None, dynamo=True):  # torch >= 2.5 signature shape
            pass

        def old_export(model, args, f, opset_version=None):  # torch 1.13 signature shape
            pass

        self.assertEqual(onnx_compat.export_kwargs(new_export), {"dynamo": False})
        self.assertEqual(onnx_compat.export_kwargs(old_export), {})

    def test_call_passes_dynamo_false(self):
        calls = []

        def fake(model, args, f, *, opset_version=None, dynamo=True):
            calls.append(dict(opset_version=opset_version, dynamo=dynamo))

        with mock.patch.object(torch.onnx, "export", fake):
            onnx_compat.onnx_export(torch.nn.Identity(), (torch.zeros(1),), io.BytesIO(), opset_version=17)
        self.assertEqual(calls, [dict(opset_version=17, dynamo=False)])

    def test_caller_dynamo_refused(self):
        with self.assertRaises(TypeError):
            onnx_compat.onnx_export(torch.nn.Identity(), (torch.zeros(1),), io.BytesIO(), dynamo=True)

    def test_real_torch_export(self):
        # The installed torch (Debian 1.13: no dynamo parameter; 2.x: dynamo=False) exports a real graph.
        buf = io.BytesIO()
        onnx_compat.onnx_export(torch.nn.Linear(3, 2), (torch.zeros(1, 3),), buf, opset_version=17,
                                input_names=["x"], output_names=["y"])
        import onnx
        m = onnx.load_from_string(buf.getvalue())
        self.assertEqual([i.name for i in m.graph.input], ["x"])
        self.assertEqual([o.name for o in m.graph.output], ["y"])


class ConverterUsesIt(unittest.TestCase):
    def test_convert_and_export_call_onnx_export(self):
        # Both exporters go through onnx_export (so dynamo=False reaches torch >= 2.9), none calls torch.onnx.export.
        import inspect
        from training import export
        from training.official import convert
        for mod in (export, convert):
            src = inspect.getsource(mod)
            self.assertIn("onnx_export(", src, mod.__name__)
            self.assertNotIn("torch.onnx.export(", src, mod.__name__)


if __name__ == "__main__":
    unittest.main()
