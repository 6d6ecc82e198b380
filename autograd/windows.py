"""Window primitives for convolution and pooling: constant padding, sliding windows, their
adjoint (fold) and a max-pool that sends each window's gradient to its first maximum.

`windows(a, kernel, stride, dilation)` views the last `len(kernel)` axes of `a` as
(*out, *kernel) windows without copying: out[..., o, k] = a[..., o * stride + k * dilation].
`fold` is its adjoint: it adds each window back where it came from, one strided slice per
kernel offset. Each is the other's derivative, so derivatives of any order stay in the pair.
"""
from __future__ import annotations

import itertools
import numpy as np

from .ops import _ARRAY, _data
from .primitive import defop


def _call(prim, x, **consts):
    """`prim` on an array (plain backward) or on a Tensor (create_graph)."""
    return prim.forward(x, **consts) if isinstance(x, _ARRAY) else x._apply(prim, x, **consts)


def _out_sizes(sizes, kernel, stride, dilation) -> tuple:
    """Windows per axis: floor((n - dilation (k - 1) - 1) / stride) + 1."""
    out = tuple((n - d * (k - 1) - 1) // s + 1
                for n, k, s, d in zip(sizes, kernel, stride, dilation))
    if any(o < 1 for o in out):
        raise ValueError(f"kernel {tuple(kernel)} with dilation {tuple(dilation)} is larger "
                         f"than the input {tuple(sizes)}")
    return out


def _windows(a, kernel, stride, dilation):
    n = len(kernel)
    out = _out_sizes(a.shape[-n:], kernel, stride, dilation)
    steps = a.strides[-n:]
    strides = (a.strides[:-n] + tuple(t * s for t, s in zip(steps, stride))
               + tuple(t * d for t, d in zip(steps, dilation)))
    return np.lib.stride_tricks.as_strided(a, a.shape[:-n] + out + tuple(kernel), strides,
                                           writeable=False)


def _offsets(kernel, out, stride, dilation):
    """(kernel offset, the input slices its windows read) for every offset of the kernel."""
    for k in itertools.product(*map(range, kernel)):
        yield k, tuple(slice(j * d, j * d + s * (o - 1) + 1, s)
                       for j, o, s, d in zip(k, out, stride, dilation))


def _fold(g, shape, stride, dilation):
    n = len(shape)
    kernel, out = g.shape[-n:], g.shape[-2 * n:-n]
    total = np.zeros(g.shape[:-2 * n] + tuple(shape), dtype=g.dtype)
    lead = (Ellipsis,)
    for k, where in _offsets(kernel, out, stride, dilation):
        total[lead + where] += g[lead + (slice(None),) * n + k]
    return total


windows = defop("windows", _windows,
                lambda g, out, a, kernel, stride, dilation: _call(
                    fold, g, shape=a.shape[-len(kernel):], stride=stride, dilation=dilation),
                error="{0} into windows of {kernel}, stride {stride}, dilation {dilation}")
fold = defop("fold", _fold,
             lambda g, out, a, shape, stride, dilation: _call(
                 windows, g, kernel=a.shape[-len(shape):], stride=stride, dilation=dilation))


def _pad(a, widths, value=0.0):
    return np.pad(a, widths, constant_values=value) if a.ndim else a.copy()


pad = defop("pad", _pad,  # the gradient of the inside is the inside of the gradient
            lambda g, out, a, widths, value=0.0: g[tuple(
                slice(lo, n - hi) for (lo, hi), n in zip(widths, g.shape))],
            error="{0} padded by {widths}")


def _max_pool(a, kernel, stride, dilation):
    return _windows(a, kernel, stride, dilation).max(axis=tuple(range(-len(kernel), 0)))


def _first_max(a, kernel, stride, dilation) -> np.ndarray:
    """1 at each window's first maximum (in row-major order, as PyTorch picks), else 0."""
    w = _windows(_data(a), kernel, stride, dilation)
    flat = w.reshape(w.shape[:-len(kernel)] + (-1,))
    first = flat.argmax(axis=-1)[..., None] == np.arange(flat.shape[-1])
    return first.reshape(w.shape).astype(w.dtype)


def _max_pool_vjp(g, out, a, kernel, stride, dilation):
    n = len(kernel)
    picked = g.reshape(g.shape + (1,) * n) * _first_max(a, kernel, stride, dilation)
    return _call(fold, picked, shape=a.shape[-n:], stride=stride, dilation=dilation)


max_pool = defop("max_pool", _max_pool, _max_pool_vjp,
                 error="{0} pooled by {kernel}, stride {stride}, dilation {dilation}")

