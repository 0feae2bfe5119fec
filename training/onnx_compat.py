"""torch.onnx.export across torch versions.

torch >= 2.9 switched torch.onnx.export to the dynamo exporter by default; the converters in this repository are
written and tested for the TorchScript (tracing) exporter, so they ask for it explicitly with dynamo=False. Older
torch (Debian's 1.13) has no dynamo parameter and always traces, so the keyword must be left out there.
"""
from __future__ import annotations

import inspect

import torch


def export_kwargs(export_fn=None) -> dict:
    """The extra keyword arguments that select the tracing exporter for export_fn (torch.onnx.export by default):
    {"dynamo": False} when it has a dynamo parameter, else {}."""
    fn = torch.onnx.export if export_fn is None else export_fn
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature: assume the old exporter
        return {}
    return {"dynamo": False} if "dynamo" in params else {}


def onnx_export(*args, **kwargs):
    """torch.onnx.export(*args, **kwargs) with the tracing exporter on every torch version (dynamo=False where the
    parameter exists). A dynamo given by the caller is an error: the converters support only the tracing exporter."""
    if "dynamo" in kwargs:
        raise TypeError("onnx_export: do not pass dynamo; the tracing exporter is always used")
    return torch.onnx.export(*args, **kwargs, **export_kwargs())
