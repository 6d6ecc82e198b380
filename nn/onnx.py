"""Export a model to ONNX: `nn.onnx.export(model, example_input, "model.onnx")`.

The exporter is two tables. `MODULES` maps a layer's class name to a function that emits
its ONNX nodes, reading attributes by PyTorch's names (so a layer written later, or a
`torch.nn` layer, exports once its entry exists). A module with no entry is traced: one
forward pass is recorded and each primitive is mapped through `OPS`. `Sequential` is
walked child by child. Parameters become initializers named by their state_dict keys.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import numpy as np

from autograd import Tensor, no_grad

from .atomic import atomic_write
from .onnx_layers import LAYERS, _array, _unsupported
from .onnx_trace import trace

INSTALL = 'pip install "autograd-nn[interop]"'


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(f"nn.onnx.export needs the onnx package: {INSTALL}") from None
    return onnx


class Graph:
    """The ONNX graph being built: nodes, initializers and unique value names."""

    def __init__(self, onnx: Any, opset: int, batch: int | None) -> None:
        self.onnx, self.opset, self.batch = onnx, opset, batch
        self.nodes: list = []
        self.initializers: dict[str, Any] = {}
        self.used: set[str] = set()

    def fresh(self, hint: str) -> str:
        """A value name not used yet, built from `hint`."""
        name, i = hint, 1
        while name in self.used or name in self.initializers:
            name, i = f"{hint}_{i}", i + 1
        self.used.add(name)
        return name

    def const(self, value: Any, name: str = "const", dtype: Any = None) -> str:
        """Add an initializer (floats stored as float32); return its name."""
        array = _array(value)
        if dtype is None:
            dtype = np.float32 if array.dtype.kind == "f" else np.int64
        name = self.fresh(name)
        self.initializers[name] = self.onnx.numpy_helper.from_array(
            np.ascontiguousarray(array, dtype=dtype), name)
        return name

    def ints(self, values: Sequence[int], name: str = "shape") -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), name, np.int64)

    def node(self, op: str, inputs: Sequence[str], outputs: int = 1, name: str = "",
             **attrs: Any) -> Any:
        """Append an `op` node; return its output name (or names when outputs > 1)."""
        outs = [self.fresh(f"{name or op.lower()}_out{i}" if outputs > 1 else
                           (name or op.lower())) for i in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), outs,
                                                     name=self.fresh(f"{op}_node"), **attrs))
        return outs[0] if outputs == 1 else outs

    def param(self, module: Any, attr: str, prefix: str) -> str | None:
        """The initializer of `module.<attr>` named `<prefix><attr>`, or None if it is None."""
        value = getattr(module, attr, None)
        if value is None or prefix + attr in self.initializers:  # None, or a shared layer
            return None if value is None else prefix + attr
        return self.const(value, prefix + attr)

    def reduce(self, op: str, x: str, axes: Sequence[int] | None, keepdims: bool) -> str:
        """A Reduce* node; axes go in as an input from opset 18 on (ReduceSum from 13)."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.node(op, [x], keepdims=keep)
        if op == "ReduceSum" or self.opset >= 18:
            return self.node(op, [x, self.ints(axes, "axes")], keepdims=keep)
        return self.node(op, [x], axes=list(axes), keepdims=keep)


# ---------------------------------------------------------------------- the module walk
def _emit(g: Graph, module: Any, inputs: list[str], prefix: str, example: Any) -> list[str]:
    """ONNX values for `module(*inputs)`: a table entry, Sequential's children, or a trace."""
    kind = type(module).__name__
    if kind in LAYERS:
        out = LAYERS[kind](g, module, *inputs, prefix=prefix)
        return list(out) if isinstance(out, (list, tuple)) else [out]
    if kind == "Sequential":
        names, pending = inputs, []
        for i, child in enumerate(module):
            if pending and example is not None and _needs_trace(child):
                for done in pending:  # the child's example input, computed only when needed
                    example = [_run(done, example)]
                pending = []
            names = _emit(g, child, names[:1], f"{prefix}{i}.", None if pending else example)
            pending.append(child)
        return names
    if example is None:
        raise _unsupported("module", kind, list(LAYERS) + ["Sequential"])
    return trace(g, module, inputs, prefix, example, _emit)


def _needs_trace(module: Any) -> bool:
    kind = type(module).__name__
    if kind == "Sequential":
        return any(map(_needs_trace, module))
    return kind not in LAYERS


def _run(module: Any, example: list) -> np.ndarray:
    with no_grad():
        return _array(module(*[Tensor(x) for x in example]))


def export(model: Any, example_input: Any, path: str | os.PathLike,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           dynamic_batch: bool = True, opset: int = 17) -> None:
    """Write `model` (in eval mode) as an ONNX file that onnxruntime runs."""
    onnx = _onnx()
    if opset < 17:
        raise ValueError(f"nn.onnx.export: opset must be >= 17 (LayerNormalization), got {opset}")
    example = _array(example_input)
    if example.ndim == 0:
        raise ValueError("nn.onnx.export: example_input must have a batch axis, got a scalar")
    g = Graph(onnx, opset, example.shape[0] if dynamic_batch else None)
    input_names = list(input_names or ["input"])
    if len(input_names) != 1:
        raise ValueError(f"nn.onnx.export: one input is supported, got names {input_names}")
    g.used.update(input_names)
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        outputs = _emit(g, model, input_names, "", [example])
    finally:
        model.train(was_training)
    output_names = list(output_names or (["output"] if len(outputs) == 1 else
                                         [f"output{i}" for i in range(len(outputs))]))
    if len(output_names) != len(outputs):
        raise ValueError(f"nn.onnx.export: the model gives {len(outputs)} outputs, got "
                         f"{len(output_names)} output_names")
    for out, name in zip(outputs, output_names):
        g.nodes.append(onnx.helper.make_node("Identity", [out], [name]))
    # the outputs' shapes (with the symbolic batch) come from ONNX's own shape inference
    model_proto = onnx.shape_inference.infer_shapes(
        _model(g, example, input_names[0], output_names))
    onnx.checker.check_model(model_proto)
    atomic_write(path, lambda f: f.write(model_proto.SerializeToString()))


def _model(g: Graph, example: np.ndarray, input_name: str, output_names: list[str]) -> Any:
    helper, TP = g.onnx.helper, g.onnx.TensorProto
    elem = TP.FLOAT if example.dtype.kind == "f" else TP.INT64
    dims: list[Any] = list(example.shape)
    if g.batch is not None:
        dims[0] = "batch"
    graph = helper.make_graph(
        g.nodes, "autograd-nn", [helper.make_tensor_value_info(input_name, elem, dims)],
        [helper.make_tensor_value_info(n, TP.FLOAT, None) for n in output_names],
        initializer=list(g.initializers.values()))
    opsets = [helper.make_opsetid("", g.opset)]
    # the oldest IR version the opset allows, so runtimes older than this onnx package load it
    return helper.make_model(graph, opset_imports=opsets, producer_name="autograd-nn",
                             ir_version=helper.find_min_ir_version_for(opsets))


Emitter = Callable[..., Any]
__all__ = ["export", "Graph", "INSTALL"]
