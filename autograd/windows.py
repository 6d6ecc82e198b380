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

from .primitive import defop

# ops.py re-exports these primitives, so this module imports only the record (no cycle)


def _data(x):
    """The array inside `x` (an array in plain backward, a Tensor under create_graph)."""
    return x if isinstance(x, np.ndarray) else x.data


def _call(prim, x, **consts):
    """`prim` on an array (plain backward) or on a Tensor (create_graph)."""
    return prim.forward(x, **consts) if isinstance(x, np.ndarray) else x._apply(prim, x, **consts)


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
    """`a` inside a border of `value` (np.pad's constant mode, without its overhead)."""
    out = np.full(tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, widths)), value, a.dtype)
    out[tuple(slice(lo, lo + n) for n, (lo, _) in zip(a.shape, widths))] = a
    return out


pad = defop("pad", _pad,  # the gradient of the inside is the inside of the gradient
            lambda g, out, a, widths, value=0.0: g[tuple(
                slice(lo, n - hi) for (lo, hi), n in zip(widths, g.shape))],
            error="{0} padded by {widths}")


def _max_pool(a, kernel, stride, dilation):
    """The running maximum of the strided sub-grids, one per kernel offset (no window copy)."""
    n = len(kernel)
    out_sizes = _out_sizes(a.shape[-n:], kernel, stride, dilation)
    grids = (a[(Ellipsis,) + where] for _, where in _offsets(kernel, out_sizes, stride, dilation))
    out = next(grids).copy(order="K")  # in a's memory layout: ufuncs over mixed layouts crawl
    for grid in grids:
        np.maximum(out, grid, out=out)
    return out


def _first_maxima(a, out, kernel, stride, dilation):
    """(kernel offset, its input slices, where that offset holds its window's first maximum):
    row-major first, as PyTorch picks among ties."""
    a, out = _data(a), _data(out)
    offsets = list(_offsets(kernel, out.shape[-len(kernel):], stride, dilation))
    free = None  # the windows whose first maximum is still to come
    for i, (k, where) in enumerate(offsets):
        first = np.equal(a[(Ellipsis,) + where], out)
        if free is not None:
            first &= free
        if i + 1 < len(offsets):
            free = ~first if free is None else np.logical_xor(free, first, out=free)
        yield k, where, first  # (first lies inside free, so xor clears it there)


def _tiles(shape, kernel, stride, dilation) -> bool:
    """Whether the windows cover every input exactly once (no overlap, no gap)."""
    n = len(kernel)
    return all(d == 1 and s == k and n_ % s == 0
               for n_, k, s, d in zip(shape[-n:], kernel, stride, dilation))


def _like(g, out):
    """A copy of `g` laid out in memory as `out` is."""
    copy = np.empty_like(out)
    copy[...] = g
    return copy


def _max_pool_vjp(g, out, a, kernel, stride, dilation):
    n = len(kernel)
    maxima = _first_maxima(a, out, kernel, stride, dilation)
    if not isinstance(g, np.ndarray):  # create_graph: fold the gradient times a one-hot mask
        mask = np.zeros(out.shape + tuple(kernel), dtype=a.dtype)
        for k, _, first in maxima:
            mask[(Ellipsis,) + (slice(None),) * n + k] = first
        picked = g.reshape(g.shape + (1,) * n) * mask
        return _call(fold, picked, shape=a.shape[-n:], stride=stride, dilation=dilation)
    a, out = _data(a), _data(out)
    if g.strides != out.strides:  # into out's layout, so the products below stream
        g = _like(g, out)
    # in a's memory layout, so the next rule's operands match; tiles write every element
    total = (np.empty_like if _tiles(a.shape, kernel, stride, dilation) else np.zeros_like)(a)
    disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
    for _, where, first in maxima:
        if disjoint:  # each input is in one window at most: write, don't add
            np.multiply(g, first, out=total[(Ellipsis,) + where])
        else:
            total[(Ellipsis,) + where] += g * first
    return total


max_pool = defop("max_pool", _max_pool, _max_pool_vjp,
                 error="{0} pooled by {kernel}, stride {stride}, dilation {dilation}")

