"""`Tensor`: a numpy array on the shared graph, shaped like PyTorch's tensor.

Every method is a one-liner over a primitive in ops.py (or a composition of them); the
methods are grouped in mixins: elementwise math (tensor_math), shape and indexing
(tensor_shape), reductions and scans (tensor_reduce). `apply` runs the forward, and
`_parent_grads` runs the rules and sums each gradient back to its input's shape.
"""
from __future__ import annotations

import operator
import threading
from typing import Any, Iterable

import numpy as np

from . import ops
from .graph import Node, _mode, backprop
from .ops_math import remainder
from .primitive import Primitive
from .tensor_args import TwoSteps, _axis, _axis_index, _data, _dtype, _index
from .tensor_convert import TensorConvert
from .tensor_math import TensorMath
from .tensor_reduce import TensorReduce
from .tensor_shape import TensorShape


class Tensor(TensorConvert, TensorMath, TensorShape, TensorReduce, Node):
    """An n-dimensional array (float64 unless told otherwise) that records its graph."""

    __slots__ = ("data", "grad", "requires_grad", "label", "_prev", "_op", "_prim", "_ctx",
                 "_saved")
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
        self._prev, self._op, self._prim, self._ctx, self._saved = (), "", None, None, None

    @staticmethod
    def _make(data: np.ndarray, parents: tuple = (), prim: Primitive | None = None,
              ctx: dict | None = None, saved: dict | None = None) -> Tensor:
        out = _new(Tensor)
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out.grad, out.label, out._ctx, out._saved = None, "", ctx, saved
        out.requires_grad = prim is not None
        out._prev, out._prim = parents, prim
        out._op = prim.label if prim is not None else ""
        return out

    # ---------------------------------------------------------------- array facts
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: _Size(self.data.size, self.data.shape))
    T = property(lambda self: self.permute(*reversed(range(self.ndim))))
    mT = property(lambda self: self.transpose(-2, -1))

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            amount = "no values" if self.data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self.data)

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
        return Tensor(self.data.astype(_dtype(dtype)), requires_grad=self.requires_grad)

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

    def __floordiv__(self, other): return _constant_op(np.floor_divide, self, other)
    def __rfloordiv__(self, other): return _constant_op(np.floor_divide, other, self)
    def __mod__(self, other): return apply(remainder, self, other)
    def __rmod__(self, other): return apply(remainder, other, self)

    # comparisons and bitwise operators give constant tensors; hashing stays identity, so
    # tensors stay usable as dict keys and set members (a dict compares keys with `is` first)
    def __eq__(self, other): return _constant_op(np.equal, self, other)  # type: ignore
    def __ne__(self, other): return _constant_op(np.not_equal, self, other)  # type: ignore
    def __lt__(self, other): return _constant_op(np.less, self, other)
    def __le__(self, other): return _constant_op(np.less_equal, self, other)
    def __gt__(self, other): return _constant_op(np.greater, self, other)
    def __ge__(self, other): return _constant_op(np.greater_equal, self, other)
    __hash__ = Node.__hash__
    def __and__(self, other): return _bitwise(np.bitwise_and, self, other)
    def __rand__(self, other): return _bitwise(np.bitwise_and, other, self)
    def __or__(self, other): return _bitwise(np.bitwise_or, self, other)
    def __ror__(self, other): return _bitwise(np.bitwise_or, other, self)
    def __xor__(self, other): return _bitwise(np.bitwise_xor, self, other)
    def __rxor__(self, other): return _bitwise(np.bitwise_xor, other, self)
    def __invert__(self): return _bitwise(np.invert, self)
    def __lshift__(self, other): return _bitwise(np.left_shift, self, other, kinds="integer")
    def __rlshift__(self, other): return _bitwise(np.left_shift, other, self, kinds="integer")
    def __rshift__(self, other): return _bitwise(np.right_shift, self, other, kinds="integer")
    def __rrshift__(self, other): return _bitwise(np.right_shift, other, self, kinds="integer")

    def __setitem__(self, index, value) -> None:
        """Write `value` into `self[index]` in place (only where no gradient is recorded)."""
        if self.requires_grad and _mode.enabled:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation." if self._prim is None else
                               "__setitem__: in-place assignment into a tensor on the graph "
                               "is not supported; build a new tensor (where, scatter)")
        index = _index(index, self.ndim)
        target = self.data if not isinstance(index, TwoSteps) else self.data[index[0]]
        target[index[-1] if isinstance(index, TwoSteps) else index] = _data(value)

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
            if self._saved:
                ctx = {**ctx, **self._saved}
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


class _Size(int):
    """The element count (numpy's `size`) that, called, is torch's `size(dim=None)`."""

    def __new__(cls, count: int, shape: tuple) -> "_Size":
        out = super().__new__(cls, count)
        out._shape = shape
        return out

    def __call__(self, dim: int | None = None) -> tuple | int:
        """The shape, or the length of axis `dim`."""
        if dim is None:
            return self._shape
        return self._shape[_axis_index(dim, len(self._shape), "size")]


_new = object.__new__
_is_tensor = Tensor.__instancecheck__
_get_data = operator.attrgetter("data")
_get_requires_grad = operator.attrgetter("requires_grad")


_NO_CONSTS: dict = {}


def _borrowed(pg: Any, g: Any) -> bool:
    """True when the array `pg` is `g` itself, or a view that may share `g`'s memory."""
    if type(pg) is not np.ndarray:
        return False
    return pg is g or pg.base is not None and (not pg.flags.writeable
                                               or np.may_share_memory(pg, g))


def _describe(prim: Primitive, arrays: list, consts: dict, error: Exception) -> str:
    """The failed op, numpy's reason, and the shapes (or the op's own template)."""
    shapes = [tuple(np.shape(a)) for a in arrays]
    context = prim.error.format(*shapes, **consts) if prim.error else \
        "inputs of shapes " + ", ".join(str(s) for s in shapes) if shapes else "no inputs"
    reason = str(error) or "failed"
    if not reason.startswith(f"{prim.name}:"):  # numpy's own messages may name the op
        reason = f"{prim.name}: {reason[0].lower() + reason[1:]}"
    return f"{reason} ({context})"


def _raise(prim: Primitive, arrays: list, consts: dict, error: Exception):
    """Re-raise `error` as its own type (IndexError, AxisError...) with the op named."""
    message = _describe(prim, arrays, consts, error)
    try:
        new = type(error)(message)
    except TypeError:  # an exception type that needs other arguments
        new = ValueError(message) if isinstance(error, ValueError) else IndexError(message)
    raise new from error


def apply(prim: Primitive, *inputs: Any, **consts: Any) -> Tensor:
    """Run `prim` on Tensors (numbers and arrays become constants); record the graph."""
    parents = inputs if all(map(_is_tensor, inputs)) else _with_constants(inputs, prim)
    arrays = list(map(_get_data, parents))
    try:
        out = prim.forward(*arrays, **consts)
    except (ValueError, IndexError) as error:
        _raise(prim, arrays, consts, error)
    saved = None
    if prim.residuals:
        out, saved = out
    if _mode.enabled and any(map(_get_requires_grad, parents)):
        return Tensor._make(out, parents, prim, consts or None, saved)
    const = Tensor._make(out)
    if _provenance.made is not None:
        _provenance.made.setdefault(id(const.data), (const.data, prim, arrays, consts))
    return const


class _Provenance(threading.local):
    made: dict | None = None  # id(array) -> (array, prim, input arrays, consts) when set


# jit sets `made` while it traces, to replay constants computed from a step's inputs
_provenance = _Provenance()


def _with_constants(inputs: tuple, prim: Primitive | None = None) -> tuple:
    """`inputs` with numbers and arrays wrapped as constant Tensors."""
    dtype = next((x.data.dtype for x in inputs if isinstance(x, Tensor)), None)
    if dtype is None and prim is not None:
        raise TypeError(f"{prim.name}: at least one input must be a Tensor, got "
                        f"{', '.join(type(x).__name__ for x in inputs) or 'no inputs'}")
    return tuple(x if isinstance(x, Tensor) else _constant(x, dtype) for x in inputs)


def _constant(x: Any, dtype: np.dtype | None) -> Tensor:
    """A number or array as a constant leaf; Python numbers take the tensor's float dtype."""
    if isinstance(x, (float, int)) and dtype is not None and np.issubdtype(dtype, np.floating):
        return Tensor._make(np.asarray(x, dtype=dtype))
    data = np.asarray(x)
    if data.dtype == object:
        raise TypeError(f"Tensor needs numbers or arrays, got {type(x).__name__}: {x!r}")
    return Tensor._make(data)


def _constant_op(fn: Any, a: Any, b: Any) -> Tensor:
    """`fn` on the numbers of `a` and `b`, as a constant (comparisons, floor division)."""
    try:
        return Tensor._make(fn(*(x.data for x in _with_constants((a, b)))))
    except TypeError:  # not numbers (None, a string): Python's fallback decides
        return NotImplemented


def _bitwise(fn: Any, *inputs: Any, kinds: str = "integer or bool") -> Tensor:
    """A bitwise operator, for integer and bool tensors only (as torch)."""
    arrays = [x.data for x in _with_constants(inputs)]
    allowed = "iu" if kinds == "integer" else "iub"
    if any(a.dtype.kind not in allowed for a in arrays):
        raise TypeError(f"{fn.__name__}: needs {kinds} tensors, got "
                        f"{', '.join(str(a.dtype) for a in arrays)}")
    return Tensor._make(fn(*arrays))


Tensor._apply = staticmethod(apply)  # how a rule given Tensors (create_graph) runs an op


def concatenate(tensors: Iterable[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (torch's `cat`, with `dim=`)."""
    return apply(ops.concatenate, *_some(tensors, "concatenate"), axis=_axis(axis, dim))


def stack(tensors: Iterable[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along a new axis."""
    return apply(ops.stack, *_some(tensors, "stack"), axis=_axis(axis, dim))


def _some(tensors: Iterable[Tensor], who: str) -> tuple:
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError(f"{who}: expected a non-empty sequence of tensors, got none")
    return tensors


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
