"""`Tensor`: a numpy array on the shared graph, shaped like PyTorch's tensor.

Every method is a one-liner over a primitive in ops.py; `apply` runs the forward, and
`_parent_grads` runs the rules and sums each gradient back to its input's shape.
"""
from __future__ import annotations

import operator
import threading
from typing import Any, Iterable, Sequence

import numpy as np

from . import ops
from .graph import Node, _mode, backprop
from .primitive import Primitive

Axis = int | Sequence[int] | None


class Tensor(Node):
    """An n-dimensional array (float64 unless told otherwise) that records its graph."""

    __slots__ = ("data", "grad", "requires_grad", "label", "_prev", "_op", "_prim", "_ctx")
    __array_ufunc__ = None  # numpy defers to Tensor's reflected operators: `arr * t` is a Tensor
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 label: str = "") -> None:
        if isinstance(data, Tensor):
            data = data.data
        data = np.asarray(data, dtype=dtype)
        if data.dtype == object:
            raise TypeError(f"Tensor needs numbers, got an object array: {data!r}")
        if requires_grad and not np.issubdtype(data.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require a gradient, got {data.dtype}")
        self.data, self.grad, self.requires_grad, self.label = data, None, requires_grad, label
        self._prev, self._op, self._prim, self._ctx = (), "", None, None

    @staticmethod
    def _make(data: np.ndarray, parents: tuple = (), prim: Primitive | None = None,
              ctx: dict | None = None) -> Tensor:
        out = _new(Tensor)
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out.grad, out.label, out._ctx = None, "", ctx
        out.requires_grad = prim is not None
        out._prev, out._prim = parents, prim
        out._op = prim.label if prim is not None else ""
        return out

    # ---------------------------------------------------------------- array facts
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: self.data.size)
    T = property(lambda self: self.permute(*reversed(range(self.ndim))))
    mT = property(lambda self: self.transpose(-2, -1))

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        """The single number in a one-element tensor."""
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def astype(self, dtype: Any) -> Tensor:
        """A new leaf with the data cast to `dtype`."""
        return Tensor(self.data.astype(dtype), requires_grad=self.requires_grad)

    def detach(self) -> Tensor:
        """The same data as a new leaf, cut from the graph."""
        return Tensor._make(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this leaf as needing a gradient (in place); returns self."""
        if self._prim is not None:
            raise RuntimeError("requires_grad_: only leaves can change requires_grad")
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require a gradient, got {self.dtype}")
        self.requires_grad = requires_grad
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, other): return apply(ops.add, self, other)
    def __radd__(self, other): return apply(ops.add, other, self)
    def __sub__(self, other): return apply(ops.sub, self, other)
    def __rsub__(self, other): return apply(ops.sub, other, self)
    def __mul__(self, other): return apply(ops.mul, self, other)
    def __rmul__(self, other): return apply(ops.mul, other, self)
    def __truediv__(self, other): return apply(ops.div, self, other)
    def __rtruediv__(self, other): return apply(ops.div, other, self)
    def __pow__(self, other): return apply(ops.power, self, other)
    def __rpow__(self, other): return apply(ops.power, other, self)
    def __matmul__(self, other): return apply(ops.matmul, self, other)
    def __rmatmul__(self, other): return apply(ops.matmul, other, self)
    def __neg__(self): return apply(ops.neg, self)
    def __pos__(self): return self

    # comparisons give constant boolean tensors; == stays identity so tensors can be keys
    def __lt__(self, other): return Tensor._make(self.data < _data(other))
    def __le__(self, other): return Tensor._make(self.data <= _data(other))
    def __gt__(self, other): return Tensor._make(self.data > _data(other))
    def __ge__(self, other): return Tensor._make(self.data >= _data(other))

    # ---------------------------------------------------------------- elementwise
    def exp(self) -> Tensor: return apply(ops.exp, self)
    def log(self) -> Tensor: return apply(ops.log, self)
    def sqrt(self) -> Tensor: return apply(ops.sqrt, self)
    def abs(self) -> Tensor: return apply(ops.absolute, self)
    __abs__ = abs
    def sin(self) -> Tensor: return apply(ops.sin, self)
    def cos(self) -> Tensor: return apply(ops.cos, self)
    def tanh(self) -> Tensor: return apply(ops.tanh, self)
    def sigmoid(self) -> Tensor: return apply(ops.sigmoid, self)
    def relu(self) -> Tensor: return apply(ops.relu, self)
    def softplus(self) -> Tensor: return apply(ops.softplus, self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return apply(ops.leaky_relu, self, slope=negative_slope)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Values limited to [min, max]; the gradient is zero where a limit applies."""
        return apply(ops.clip, self, low=min, high=max)

    clamp = clip

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where `condition` holds, else `other` (PyTorch's `x.where(cond, y)`)."""
        return where(condition, self, other)

    def maximum(self, other) -> Tensor: return apply(ops.maximum, self, other)
    def minimum(self, other) -> Tensor: return apply(ops.minimum, self, other)

    # ---------------------------------------------------------------- reductions
    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
        return apply(ops.sum_, self, axis=_axis(axis, dim), keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
        return apply(ops.max_, self, axis=_axis(axis, dim), keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
        return apply(ops.min_, self, axis=_axis(axis, dim), keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None) -> Tensor:
        return apply(ops.mean, self, axis=_axis(axis, dim), keepdims=keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            correction: int = 1) -> Tensor:
        """Variance with Bessel's correction by default, as in PyTorch (`correction=0`: biased)."""
        axis = _axis(axis, dim)
        centered = self - self.mean(axis, keepdims=True)
        n = _count(self.shape, axis)
        return (centered * centered).sum(axis, keepdims) * (1.0 / max(n - correction, 1))

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None):
        return apply(ops.logsumexp, self, axis=_axis(axis, dim), keepdims=keepdims)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return apply(ops.log_softmax, self, axis=_axis(axis, dim))

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return self.log_softmax(axis, dim=dim).exp()

    # ---------------------------------------------------------------- shape
    def reshape(self, *shape) -> Tensor:
        shape = _dims(shape)
        return apply(ops.reshape, self, shape=shape)

    view = reshape

    def permute(self, *axes) -> Tensor:
        axes = _dims(axes)
        return apply(ops.transpose, self, axes=tuple(a % self.ndim for a in axes))

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap two axes (PyTorch's meaning); `permute` reorders all of them."""
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(*axes)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return self.transpose(axis1, axis2)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the axes from `start_dim` to `end_dim` (inclusive) into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (d + self.ndim if d < 0 else d for d in (start_dim, end_dim))
        if not 0 <= start <= end < self.ndim:
            raise IndexError(f"flatten: dims ({start_dim}, {end_dim}) out of range for shape "
                             f"{self.shape}")
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def expand(self, *shape) -> Tensor:
        shape = _dims(shape)
        return apply(ops.expand, self, shape=shape)

    def __getitem__(self, index) -> Tensor:
        return apply(ops.getitem, self, index=_index(index))

    # ---------------------------------------------------------------- graph
    def backward(self, gradient: Any = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into each leaf's `.grad` (repeated calls add up).

        A scalar is seeded with 1; any other shape needs `gradient` of the same shape.
        Interior nodes keep the gradient of the last pass in `.grad`, for drawing.
        """
        backprop([self], [self._seed(gradient)], create_graph)

    def _seed(self, gradient: Any) -> Any:
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: a gradient is needed for a non-scalar output of "
                                   f"shape {self.shape}; pass gradient= of that shape")
            return np.ones_like(self.data)
        g = gradient if isinstance(gradient, Tensor) else np.asarray(gradient, self.dtype)
        if g.shape != self.shape:
            raise ValueError(f"backward: gradient shape {g.shape} does not match tensor shape "
                             f"{self.shape}")
        return g

    def _zeros(self) -> np.ndarray:
        return np.zeros_like(self.data)

    def _accumulate(self, g: Any) -> None:
        if self.requires_grad:
            self.grad = g if self.grad is None else self.grad + g

    def _parent_grads(self, g: Any, create_graph: bool) -> list:
        prim, prev, ctx = self._prim, self._prev, self._ctx or _NO_CONSTS
        if create_graph:
            inputs, out = prev, self
        else:
            inputs, out = list(map(_get_data, prev)), self.data
        if prim.vjps is not None and len(prim.vjps) == len(prev):
            grads = [rule(g, out, *inputs, **ctx) if p.requires_grad else None
                     for rule, p in zip(prim.vjps, prev)]
        else:
            grads = list(prim.vjp(g, out, *inputs, **ctx))
        for i, (p, pg) in enumerate(zip(prev, grads)):
            if pg is None:
                continue
            if pg.shape != p.data.shape:
                grads[i] = pg = ops.unbroadcast(pg, p.data.shape)
                assert pg.shape == p.data.shape, f"{prim.name}: gradient shape {pg.shape}"
            if p._prim is None and p.requires_grad and _borrowed(pg, g):
                grads[i] = pg.copy(order="K")  # a leaf's .grad must own its memory
        return grads

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20,
                               prefix="Tensor(")
        grad = ", requires_grad=True" if self.requires_grad else ""
        dtype = f", dtype={self.dtype}" if self.dtype != np.float64 else ""
        return f"Tensor({body}{dtype}{grad})"


_new = object.__new__
_is_tensor = Tensor.__instancecheck__
_get_data = operator.attrgetter("data")
_get_requires_grad = operator.attrgetter("requires_grad")


_NO_CONSTS: dict = {}


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _borrowed(pg: Any, g: Any) -> bool:
    """True when the array `pg` is `g` itself, or a view that may share `g`'s memory."""
    if type(pg) is not np.ndarray:
        return False
    return pg is g or pg.base is not None and (not pg.flags.writeable
                                               or np.may_share_memory(pg, g))


def _dims(args: tuple) -> tuple:
    """Dimensions given as `f(2, 3)` or as `f((2, 3))`."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def _axis(axis: Axis, dim: Axis) -> Axis:
    axis = dim if dim is not None else axis
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _count(shape: tuple, axis: Axis) -> int:
    """How many elements a reduction over `axis` combines."""
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


def _index(index: Any) -> Any:
    """An index with any Tensors in it replaced by their arrays."""
    if isinstance(index, tuple):
        return tuple(_data(i) for i in index)
    return _data(index)


def _describe(prim: Primitive, arrays: list, consts: dict) -> str:
    shapes = [tuple(np.shape(a)) for a in arrays]
    if prim.error:
        return prim.error.format(*shapes, **consts)
    return "incompatible shapes " + " and ".join(str(s) for s in shapes)


def apply(prim: Primitive, *inputs: Any, **consts: Any) -> Tensor:
    """Run `prim` on Tensors (numbers and arrays become constants); record the graph."""
    parents = inputs if all(map(_is_tensor, inputs)) else _with_constants(inputs)
    arrays = list(map(_get_data, parents))
    try:
        out = prim.forward(*arrays, **consts)
    except ValueError as error:
        raise ValueError(f"{prim.name}: {_describe(prim, arrays, consts)}") from error
    if _mode.enabled and any(map(_get_requires_grad, parents)):
        return Tensor._make(out, parents, prim, consts or None)
    const = Tensor._make(out)
    if _provenance.made is not None:
        _provenance.made.setdefault(id(const.data), (const.data, prim, arrays, consts))
    return const


class _Provenance(threading.local):
    made: dict | None = None  # id(array) -> (array, prim, input arrays, consts) when set


# jit sets `made` while it traces, to replay constants computed from a step's inputs
_provenance = _Provenance()


def _with_constants(inputs: tuple) -> tuple:
    """`inputs` with numbers and arrays wrapped as constant Tensors."""
    dtype = next(x.data.dtype for x in inputs if isinstance(x, Tensor))
    return tuple(x if isinstance(x, Tensor) else _constant(x, dtype) for x in inputs)


def _constant(x: Any, dtype: np.dtype) -> Tensor:
    """A number or array as a constant leaf; Python numbers take the tensor's float dtype."""
    if isinstance(x, (float, int)) and np.issubdtype(dtype, np.floating):
        return Tensor._make(np.asarray(x, dtype=dtype))
    return Tensor._make(np.asarray(x))


Tensor._apply = staticmethod(apply)  # how a rule given Tensors (create_graph) runs an op


def concatenate(tensors: Iterable[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    return apply(ops.concatenate, *tensors, axis=axis)


def stack(tensors: Iterable[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    return apply(ops.stack, *tensors, axis=axis)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise `a` where `condition` holds, else `b`."""
    cond = np.asarray(_data(condition), dtype=bool)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    return apply(ops.where, a, b, cond=cond)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum (ties share the gradient)."""
    return apply(ops.maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum (ties share the gradient)."""
    return apply(ops.minimum, a, b)
