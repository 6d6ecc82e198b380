"""ONNX entries for layers, keyed by class name: `LAYERS["Linear"](g, module, x, prefix=...)`.

Each entry reads the layer's attributes by PyTorch's names (`weight`, `kernel_size`,
`running_mean`, `weight_ih_l0`, ...) and returns the name of its output value (a list for
layers with several outputs). Adding a layer to the exporter is one entry here.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

INT64_MAX = np.iinfo(np.int64).max
LAYERS: dict[str, Callable[..., Any]] = {}


def layer(*names: str) -> Callable:
    """Register the decorated function as the entry of the layer classes `names`."""
    def register(fn: Callable) -> Callable:
        for name in names:
            LAYERS[name] = fn
        return fn
    return register


def _tuple(v: Any, n: int) -> list[int]:
    return [int(i) for i in v] if isinstance(v, (tuple, list)) else [int(v)] * n


def _array(x: Any) -> np.ndarray:
    """The numbers of a parameter, buffer or array (an nn.Parameter or a torch tensor)."""
    if type(x).__module__.startswith("torch"):  # a torch tensor, read without importing torch
        x = x.detach().cpu().numpy()
    return np.asarray(getattr(x, "data", x) if not isinstance(x, np.ndarray) else x)


def _unsupported(what: str, name: str, known: Any) -> ValueError:
    return ValueError(f"nn.onnx.export: no ONNX mapping for the {what} {name!r}; mapped: "
                      f"{', '.join(sorted(known))}")


def _refuse(module: Any, why: str) -> ValueError:
    return ValueError(f"nn.onnx.export: {type(module).__name__} {why} has no ONNX export")


# ---------------------------------------------------------------------- dense, activations
@layer("Linear")
def linear(g, m, x, prefix=""):
    """x Wᵀ + b as MatMul (any leading axes) and Add."""
    wt = g.node("Transpose", [g.param(m, "weight", prefix)], perm=[1, 0])
    y = g.node("MatMul", [x, wt])
    b = g.param(m, "bias", prefix)
    return y if b is None else g.node("Add", [y, b])


def _simple(op: str) -> Callable:
    return lambda g, m, x, prefix="": g.node(op, [x])


for _name, _op in {"ReLU": "Relu", "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Identity": "Identity",
                   "Dropout": "Identity", "Softplus": "Softplus", "ELU": "Elu"}.items():
    LAYERS[_name] = _simple(_op)  # Dropout is the identity in eval mode


@layer("LeakyReLU")
def leaky_relu(g, m, x, prefix=""):
    return g.node("LeakyRelu", [x], alpha=float(m.negative_slope))


@layer("Softmax", "LogSoftmax")
def softmax(g, m, x, prefix=""):
    if m.dim is None:
        raise _refuse(m, "with dim=None")
    return g.node(type(m).__name__, [x], axis=int(m.dim))


@layer("Flatten")
def flatten(g, m, x, prefix=""):
    """Reshape merging start_dim..end_dim; the shape is read at run time (dynamic batch)."""
    start, end = int(m.start_dim), int(m.end_dim)
    if end == -1 and start >= 0:
        return g.node("Reshape", [x, g.ints([0] * start + [-1])])
    shape = g.node("Shape", [x])
    parts = [g.node("Slice", [shape, g.ints([0]), g.ints([start])]), g.ints([-1])]
    if end != -1:
        parts.append(g.node("Slice", [shape, g.ints([end + 1]), g.ints([INT64_MAX])]))
    return g.node("Reshape", [x, g.node("Concat", parts, axis=0)])


# ---------------------------------------------------------------------- convolution, pooling
def _pads(m: Any, n: int, kernel: list[int], dilation: list[int]) -> list[int]:
    """ONNX pads (all begins, then all ends) from torch's padding (ints or 'same'/'valid')."""
    padding = getattr(m, "padding", 0)
    if padding == "valid":
        return [0] * 2 * n
    if padding == "same":  # torch puts the odd pixel at the end
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    p = _tuple(padding, n)
    return p + p


def _dims(m: Any) -> int:
    return int(type(m).__name__[-2])  # Conv1d -> 1, MaxPool2d -> 2


@layer("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
def conv(g, m, x, prefix=""):
    """Conv / ConvTranspose with groups, stride, padding, dilation (and output_padding)."""
    if getattr(m, "padding_mode", "zeros") != "zeros":
        raise _refuse(m, f"with padding_mode={m.padding_mode!r}")
    n = _dims(m)
    kernel, dilation = _tuple(m.kernel_size, n), _tuple(getattr(m, "dilation", 1), n)
    inputs = [x, g.param(m, "weight", prefix)]
    bias = g.param(m, "bias", prefix)
    inputs += [bias] if bias is not None else []
    attrs = dict(kernel_shape=kernel, strides=_tuple(getattr(m, "stride", 1), n),
                 pads=_pads(m, n, kernel, dilation), dilations=dilation,
                 group=int(getattr(m, "groups", 1)))
    if "Transpose" in type(m).__name__:
        attrs["output_padding"] = _tuple(getattr(m, "output_padding", 0), n)
        return g.node("ConvTranspose", inputs, **attrs)
    return g.node("Conv", inputs, **attrs)


@layer("MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d")
def pool(g, m, x, prefix=""):
    """MaxPool / AveragePool; the stride defaults to the kernel size, as in torch."""
    n, is_max = _dims(m), type(m).__name__.startswith("Max")
    if getattr(m, "return_indices", False) or getattr(m, "divisor_override", None):
        raise _refuse(m, "with return_indices or divisor_override")
    kernel = _tuple(m.kernel_size, n)
    dilation = _tuple(getattr(m, "dilation", 1), n)
    attrs = dict(kernel_shape=kernel, strides=_tuple(getattr(m, "stride", None) or kernel, n),
                 pads=_pads(m, n, kernel, dilation), ceil_mode=int(getattr(m, "ceil_mode", 0)))
    if is_max:
        return g.node("MaxPool", [x], dilations=dilation, **attrs)
    include = int(getattr(m, "count_include_pad", True))
    return g.node("AveragePool", [x], count_include_pad=include, **attrs)


@layer("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d")
def adaptive_avg_pool(g, m, x, prefix=""):
    """GlobalAveragePool: only an output size of 1 has an ONNX operator."""
    if set(_tuple(m.output_size, _dims(m))) != {1}:
        raise _refuse(m, f"with output_size={m.output_size!r} (only 1)")
    return g.node("GlobalAveragePool", [x])


# ---------------------------------------------------------------------- normalisation, lookup
def _scale_shift(g, m, prefix: str, shape: Any) -> tuple[str, str]:
    """The weight and bias initializers, or ones and zeros without an affine transform."""
    w, b = g.param(m, "weight", prefix), g.param(m, "bias", prefix)
    return (w or g.const(np.ones(shape), prefix + "weight"),
            b or g.const(np.zeros(shape), prefix + "bias"))


@layer("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
def batch_norm(g, m, x, prefix=""):
    """BatchNormalization with the running statistics (eval mode)."""
    if getattr(m, "running_mean", None) is None:
        raise _refuse(m, "without running statistics (track_running_stats=False)")
    w, b = _scale_shift(g, m, prefix, int(m.num_features))
    return g.node("BatchNormalization", [x, w, b, g.param(m, "running_mean", prefix),
                                         g.param(m, "running_var", prefix)],
                  epsilon=float(m.eps))


@layer("LayerNorm")
def layer_norm(g, m, x, prefix=""):
    """LayerNormalization over the last len(normalized_shape) axes (opset 17)."""
    shape = tuple(_tuple(m.normalized_shape, 1))
    w, b = _scale_shift(g, m, prefix, shape)
    return g.node("LayerNormalization", [x, w, b], axis=-len(shape), epsilon=float(m.eps))


@layer("Embedding")
def embedding(g, m, x, prefix=""):
    """Gather rows of the weight by index."""
    if getattr(m, "max_norm", None) is not None:
        raise _refuse(m, "with max_norm")
    index = g.node("Cast", [x], to=g.onnx.TensorProto.INT64)
    return g.node("Gather", [g.param(m, "weight", prefix), index], axis=0)


# ---------------------------------------------------------------------- recurrent
# torch's gate blocks, in the order ONNX wants them: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h
_GATES = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}


def _gates(w: np.ndarray, kind: str) -> np.ndarray:
    blocks = np.split(w, len(_GATES[kind]), axis=0)
    return np.concatenate([blocks[i] for i in _GATES[kind]], axis=0)


def _packed(g, m, kind: str, k: int, prefix: str) -> list[str]:
    """W, R, B initializers of layer k, directions stacked first, gates in ONNX's order."""
    suffixes = ["", "_reverse"] if m.bidirectional else [""]
    w, r, b = [], [], []
    for s in suffixes:
        wi, wh = (_array(getattr(m, f"weight_{t}_l{k}{s}")) for t in ("ih", "hh"))
        w.append(_gates(wi, kind))
        r.append(_gates(wh, kind))
        zeros = np.zeros(wi.shape[0])
        bi, bh = ((_array(getattr(m, f"bias_{t}_l{k}{s}")) if m.bias else zeros)
                  for t in ("ih", "hh"))
        b.append(np.concatenate([_gates(bi, kind), _gates(bh, kind)]))
    return [g.const(np.stack(a), f"{prefix}{kind.lower()}_{n}_l{k}")
            for a, n in ((w, "W"), (r, "R"), (b, "B"))]


@layer("LSTM", "GRU", "RNN")
def recurrent(g, m, x, prefix=""):
    """ONNX LSTM/GRU/RNN nodes, one per layer; returns [output, h_n] (and c_n for LSTM)."""
    kind = type(m).__name__
    if getattr(m, "proj_size", 0):
        raise _refuse(m, "with proj_size")
    attrs = dict(hidden_size=int(m.hidden_size),
                 direction="bidirectional" if m.bidirectional else "forward")
    if kind == "GRU":
        attrs["linear_before_reset"] = 1  # torch applies r after the hidden matmul
    if kind == "RNN":
        act = "Tanh" if m.nonlinearity == "tanh" else "Relu"
        attrs["activations"] = [act] * (2 if m.bidirectional else 1)  # one per direction
    seq = g.node("Transpose", [x], perm=[1, 0, 2]) if m.batch_first else x
    hs, cs = [], []
    for k in range(int(m.num_layers)):
        outs = g.node(kind, [seq, *_packed(g, m, kind, k, prefix)],
                      outputs=3 if kind == "LSTM" else 2, **attrs)
        y, hs = outs[0], hs + [outs[1]]
        cs += outs[2:]
        # Y is (seq, directions, batch, hidden); the next layer reads (seq, batch, dirs·hidden)
        perm = [2, 0, 1, 3] if m.batch_first and k == m.num_layers - 1 else [0, 2, 1, 3]
        seq = g.node("Reshape", [g.node("Transpose", [y], perm=perm), g.ints([0, 0, -1])])
    states = [hs, cs] if kind == "LSTM" else [hs]
    return [seq] + [s[0] if len(s) == 1 else g.node("Concat", s, axis=0) for s in states]
