"""Export a module with its own forward by tracing one pass: `OPS` maps each Tensor primitive
to ONNX nodes, `OPS["add"](g, node, a, b)`; submodules with a layer entry stay whole."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograd import Tensor, toposort

from .onnx_layers import INT64_MAX, LAYERS, _unsupported

OPS: dict[str, Callable[..., str]] = {}


def op(*names: str) -> Callable:
    """Register the decorated function as the ONNX mapping of the primitives `names`."""
    def register(fn: Callable) -> Callable:
        for name in names:
            OPS[name] = fn
        return fn
    return register


def _simple(onnx_op: str) -> Callable:
    return lambda g, node, *xs: g.node(onnx_op, list(xs))


for _prim, _op in {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow",
                   "neg": "Neg", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "abs": "Abs",
                   "sin": "Sin", "cos": "Cos", "tanh": "Tanh", "sigmoid": "Sigmoid",
                   "relu": "Relu", "softplus": "Softplus", "maximum": "Max", "minimum": "Min",
                   "matmul": "MatMul"}.items():
    OPS[_prim] = _simple(_op)


@op("leaky_relu")
def _leaky_relu(g, node, x):
    return g.node("LeakyRelu", [x], alpha=float(node._ctx.get("slope", 0.01)))


@op("linear")
def _linear(g, node, x, w, b):
    return g.node("Add", [g.node("MatMul", [x, g.node("Transpose", [w], perm=[1, 0])]), b])


@op("clip")
def _clip(g, node, x):
    low, high = (node._ctx.get(k) for k in ("low", "high"))
    return g.node("Clip", [x, "" if low is None else g.const(np.float32(low), "low"),
                           "" if high is None else g.const(np.float32(high), "high")])


@op("where")
def _where(g, node, a, b):
    return g.node("Where", [g.const(node._ctx["cond"], "cond", np.bool_), a, b])


def _axes(node) -> list[int] | None:
    axis = node._ctx.get("axis")
    return None if axis is None else [int(a) for a in np.atleast_1d(axis)]


for _prim, _op in {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax",
                   "min": "ReduceMin", "logsumexp": "ReduceLogSumExp"}.items():
    OPS[_prim] = (lambda o: lambda g, node, x: g.reduce(
        o, x, _axes(node), node._ctx.get("keepdims", False)))(_op)


@op("log_softmax")
def _log_softmax(g, node, x):
    return g.node("LogSoftmax", [x], axis=int(node._ctx.get("axis", -1)))


def _batch_free(g, node, shape: tuple) -> list[int]:
    """`shape` with a leading batch dimension given as 0 ("copy the input's"), when dynamic."""
    shape = [int(s) for s in shape]
    parent = node._prev[0].data.shape
    if g.batch is not None and shape and parent and shape[0] == parent[0] == g.batch:
        shape[0] = 0
    return shape


@op("reshape")
def _reshape(g, node, x):
    return g.node("Reshape", [x, g.ints(_batch_free(g, node, node._ctx["shape"]))])


@op("transpose")
def _transpose(g, node, x):
    return g.node("Transpose", [x], perm=[int(a) for a in node._ctx["axes"]])


@op("expand")
def _expand(g, node, x):
    shape = [1 if s == 0 else s for s in _batch_free(g, node, node._ctx["shape"])]
    return g.node("Expand", [x, g.ints(shape)])  # 1 broadcasts to the run-time batch


@op("concatenate")
def _concatenate(g, node, *xs):
    return g.node("Concat", list(xs), axis=int(node._ctx.get("axis", 0)))


@op("getitem")
def _getitem(g, node, x):
    """Slice for slices (and Squeeze for integers) of the leading axes; nothing fancier."""
    index = node._ctx["index"]
    index = index if isinstance(index, tuple) else (index,)
    if any(not isinstance(i, (slice, int, np.integer)) for i in index):
        raise ValueError(f"nn.onnx.export: getitem supports slices and integers only, got "
                         f"{index!r}")
    starts, ends, axes, steps, squeeze = [], [], [], [], []
    for axis, i in enumerate(index):
        if isinstance(i, slice):
            if i == slice(None):
                continue
            step = 1 if i.step is None else int(i.step)
            end = i.stop if i.stop is not None else (INT64_MAX if step > 0 else -INT64_MAX)
            starts.append(0 if i.start is None and step > 0 else
                          (-1 if i.start is None else int(i.start)))
            ends.append(int(end))
            axes.append(axis)
            steps.append(step)
        else:
            i = int(i)
            starts, ends = starts + [i], ends + [i + 1 if i != -1 else INT64_MAX]
            axes, steps, squeeze = axes + [axis], steps + [1], squeeze + [axis]
    if axes:
        x = g.node("Slice", [x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    return g.node("Squeeze", [x, g.ints(squeeze)]) if squeeze else x


# ---------------------------------------------------------------------- the trace
def _hook(module: Any, calls: dict) -> None:
    """Record `module`'s Tensor inputs under each Tensor it returns (for layer entries)."""
    inner = module.forward

    def forward(*args: Any, **kwargs: Any) -> Any:
        out = inner(*args, **kwargs)
        flat = _flatten(out)
        ins = [a for a in args if isinstance(a, Tensor)]
        for i, t in enumerate(flat):
            if not any(t is a for a in ins):  # Identity, Dropout in eval: nothing to record
                calls[t] = (module, ins, i, flat)
        return out
    object.__setattr__(module, "forward", forward)


def _flatten(out: Any) -> list:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [out]


def trace(g, module: Any, inputs: list[str], prefix: str, example: list,
          _emit: Callable) -> list[str]:
    """Run `module` once on `example` and emit ONNX nodes for the recorded graph.

    `_emit(g, layer, inputs, prefix, None)` emits a recorded layer call (nn.onnx's walk).
    """
    calls: dict = {}
    hooked = [(name, m) for name, m in module.named_modules() if m is not module
              and (type(m).__name__ in LAYERS or type(m).__name__ == "Sequential")]
    for _, m in hooked:
        _hook(m, calls)
    xs = [Tensor(e, requires_grad=np.asarray(e).dtype.kind == "f") for e in example]
    try:
        out = module(*xs)
    finally:
        for _, m in hooked:
            del m.__dict__["forward"]
    outs = _flatten(out)
    if not all(isinstance(t, Tensor) for t in outs):
        raise _unsupported("module", type(module).__name__, list(LAYERS) + ["Sequential"])
    names = {id(x): n for x, n in zip(xs, inputs)}
    prefixes = {id(m): f"{prefix}{n}." for n, m in hooked}
    params = {id(p): prefix + n for n, p in module.named_parameters()}
    params.update({id(b): prefix + n for n, b in module.named_buffers()})
    done: dict[int, str] = {}  # id(module output) -> ONNX value, for multi-output layers
    for node in _needed(outs, calls):
        if id(node) in names:
            continue
        if node in calls:
            m, ins, i, flat = calls[node]
            if id(node) not in done:
                values = _emit(g, m, [names[id(a)] for a in ins], prefixes[id(m)], None)
                done.update({id(t): v for t, v in zip(flat, values)})
            names[id(node)] = done[id(node)]
        elif node._prim is None:
            names[id(node)] = g.const(node.data, params.get(id(node), params.get(
                id(node.data), "const")))
        elif node._prim.name not in OPS:
            raise _unsupported("primitive", node._prim.name, OPS)
        else:
            names[id(node)] = OPS[node._prim.name](g, node, *[names[id(p)] for p in node._prev])
    return [names[id(t)] for t in outs]


def _needed(outs: list, calls: dict) -> list:
    """Nodes the outputs depend on, parents first, not looking inside recorded layer calls."""
    order = toposort(outs + [a for m, ins, i, flat in calls.values() for a in ins])
    needed = set(outs)
    for node in order:
        if node in needed:
            needed.update(calls[node][1] if node in calls else node._prev)
    return [node for node in reversed(order) if node in needed]
