"""Strategies and numpy references for the window primitives' rows in op_specs.SPECS (pad,
windows, fold, max_pool): the references index every window explicitly."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from autograd import testing

Shape = tuple[int, ...]
Case = tuple[tuple[Shape, ...], dict[str, Any]]


@st.composite
def window_params(draw: Callable) -> tuple[Shape, dict[str, Any]]:
    """Leading axes, then 1 or 2 windowed axes each at least one dilated kernel long."""
    n = draw(st.integers(1, 2))
    lead = draw(testing.shapes(min_dims=0, max_dims=2, max_side=2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(n))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(n))
    sizes = tuple(d * (k - 1) + 1 + draw(st.integers(0, 3)) for k, d in zip(kernel, dilation))
    return (*lead, *sizes), {"kernel": kernel, "stride": stride, "dilation": dilation}


def window_index(sizes: Shape, kernel: Shape, stride: Shape, dilation: Shape) -> tuple:
    """Index arrays broadcasting to (*out, *kernel): out[o, k] reads o * stride + k * dilation."""
    n, index = len(kernel), []
    for i, (size, k, s, d) in enumerate(zip(sizes, kernel, stride, dilation)):
        o = np.arange((size - d * (k - 1) - 1) // s + 1)
        shape = [1] * (2 * n)
        shape[i], shape[n + i] = len(o), k
        index.append((o[:, None] * s + np.arange(k)[None, :] * d).reshape(
            [len(o) if j == i else k if j == n + i else 1 for j in range(2 * n)]))
    return (Ellipsis, *index)


def np_windows(a: np.ndarray, kernel, stride, dilation) -> np.ndarray:
    return a[window_index(a.shape[-len(kernel):], kernel, stride, dilation)]


def np_fold(g: np.ndarray, shape, stride, dilation) -> np.ndarray:
    n = len(shape)
    out = np.zeros(g.shape[:-2 * n] + tuple(shape))
    np.add.at(out, window_index(shape, g.shape[-n:], stride, dilation), g)
    return out


def fold_case(params: tuple[Shape, dict[str, Any]]) -> Case:
    shape, kw = params
    n = len(kw["kernel"])
    windows_shape = np_windows(np.empty(shape), **kw).shape
    return (windows_shape,), {"shape": shape[-n:], "stride": kw["stride"],
                              "dilation": kw["dilation"]}


@st.composite
def pad_cases(draw: Callable) -> Case:
    shape = draw(testing.shapes())
    widths = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in shape)
    return (shape,), {"widths": widths, "value": draw(testing.floats(-2.0, 2.0))}


def np_pad(a: np.ndarray, widths, value) -> np.ndarray:
    out = np.full(tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, widths)), value)
    out[tuple(slice(lo, lo + n) for n, (lo, _) in zip(a.shape, widths))] = a
    return out


