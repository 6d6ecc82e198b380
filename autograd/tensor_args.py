"""Argument handling shared by Tensor's methods: sizes, axes, dtypes and indices."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import ops
from .graph import Node

Axis = int | Sequence[int] | None


def _data(x: Any) -> Any:
    """The array inside a Tensor; anything else as it is."""
    return x.data if _is_tensor(x) else x


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Node) and isinstance(x.data, np.ndarray)


def _dims(args: tuple) -> tuple:
    """Dimensions given as `f(2, 3)` or as `f((2, 3))`."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def _dtype(dtype: Any) -> np.dtype:
    """A numpy dtype from a numpy type or a name such as "float32"."""
    try:
        return np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype: expected a numpy dtype or its name, got {dtype!r}") from error


def _axis(axis: Axis, dim: Axis) -> Axis:
    """torch's `dim=` or numpy's `axis=`, whichever is given; lists become tuples."""
    axis = dim if dim is not None else axis
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _axis_index(dim: int, ndim: int, who: str) -> int:
    """`dim` as an index into the shape; IndexError when out of range (as torch)."""
    n = max(ndim, 1)  # a 0-d tensor accepts dim 0 and -1, as torch
    if not -n <= dim < n:
        raise IndexError(f"{who}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim % n


def _count(shape: tuple, axis: Axis) -> int:
    """How many elements a reduction over `axis` combines."""
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    return int(np.prod([shape[a] for a in axes]))


def _is_int(p: Any) -> bool:
    return isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_))


class TwoSteps(tuple):
    """(integers first, the rest second): an index that torch applies in two steps."""


def _index(index: Any, ndim: int) -> Any:
    """An index with Tensors replaced by arrays, under torch's rule for integers.

    torch applies an integer as a basic index even beside an index array (numpy counts it as
    advanced and may move the array's axes to the front): `x[1, :, idx]` on (2, 3, 4) is
    (3, 2) in torch, (2, 3) in numpy. Such a mix comes back as `TwoSteps`, two numpy indices
    applied one after the other: the integers first, then the rest.
    """
    if not isinstance(index, tuple):
        return np.asarray(index) if isinstance(index, list) else _data(index)
    parts = tuple(p.data if _is_tensor(p) else np.asarray(p) if isinstance(p, list) else p
                  for p in index)
    arrays = [p for p in parts if isinstance(p, np.ndarray) and p.ndim > 0]
    if not arrays or not any(map(_is_int, parts)):
        return parts
    first, second = [], []
    for p in parts:
        if _is_int(p):
            first.append(p)
        elif p is None:
            first.append(None)
            second.append(slice(None))
        else:
            wide = p.ndim if isinstance(p, np.ndarray) and p.dtype == bool else 1
            first.extend([slice(None)] * wide if p is not Ellipsis else [Ellipsis])
            second.append(p)
    return TwoSteps((tuple(first), tuple(second)))


def _where(t: Any, condition: Any, a: Any, b: Any) -> Any:
    """`a` where `condition` holds, else `b`, run through the Tensor `t`'s `apply`."""
    return t._apply(ops.where, a, b, cond=np.asarray(_data(condition), dtype=bool))
