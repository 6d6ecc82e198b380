"""Scan primitives: running sums and products along one axis, each beside its rule."""
from __future__ import annotations

import numpy as np

from .ops import _ARRAY, _permute
from .primitive import defop


def _flip(x, axis):
    return np.flip(x, axis) if isinstance(x, _ARRAY) else x.flip(axis)


def _cumsum(x, axis):
    return np.cumsum(x, axis) if isinstance(x, _ARRAY) else x.cumsum(axis)


def _cumprod(x, axis):
    return np.cumprod(x, axis) if isinstance(x, _ARRAY) else x.cumprod(axis)


def _where(cond, x, other):
    """x where `cond` holds, else the number `other`."""
    return np.where(cond, x, other) if isinstance(x, _ARRAY) else x.where(cond, other)


def _moveaxis(x, source: int, target: int):
    axes = list(range(x.ndim))
    axes.insert(target % x.ndim, axes.pop(source % x.ndim))
    return _permute(x, tuple(axes))


# y_j = Σ_{i<=j} a_i: each a_i gets the sum of g_j over j >= i, a reversed running sum
cumsum = defop("cumsum", lambda a, axis: np.cumsum(a, axis),
               lambda g, out, a, axis: _flip(_cumsum(_flip(g, axis), axis), axis))


def _cumprod_vjp(g, out, a, axis):
    """dy_j/da_i = Π_{k<=j, k!=i} a_k for j >= i: exact at zeros, where out / a is not."""
    n = a.shape[axis]
    if n == 0:
        return g
    last = _moveaxis(a, axis, -1)[..., None, :]  # (..., 1, n) -> rows i with a_i set to 1
    square = last * np.ones((n, 1), dtype=last.dtype)  # (..., n, n)
    rows = _cumprod(_where(~np.eye(n, dtype=bool), square, 1.0), -1)
    upper = np.triu(np.ones((n, n), dtype=rows.dtype))  # [j >= i]
    grad = (rows * (_moveaxis(g, axis, -1)[..., None, :] * upper)).sum(axis=-1)
    return _moveaxis(grad, -1, axis)


cumprod = defop("cumprod", lambda a, axis: np.cumprod(a, axis), _cumprod_vjp)
