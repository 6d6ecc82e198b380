"""Tensor's reductions, scans and sorting, in PyTorch's spelling (`dim=`, `keepdim=`).

numpy's `axis=` and `keepdims=` stay as aliases. As in torch, `max(dim)`/`min(dim)` give
(values, indices) whose gradient goes to the chosen element, while `amax`/`amin` (and
`max()` over everything) share it among tied extremes.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import ops
from .ops_scan import cumprod, cumsum
from .tensor_args import Axis, _axis, _axis_index, _count


class ValuesIndices(NamedTuple):
    """(values, indices), as torch's max(dim), sort, topk, cummax and the like return."""

    values: Any
    indices: Any


def _args(dim: Axis, keepdim: bool, axis: Axis, keepdims: bool | None) -> tuple:
    return _axis(dim, axis), keepdim if keepdims is None else keepdims


class TensorReduce:
    """Mixin of Tensor: reductions over axes, running scans, sorting."""

    __slots__ = ()

    def _reduce(self, prim, dim, keepdim, axis, keepdims) -> Tensor:
        dim, keepdim = _args(dim, keepdim, axis, keepdims)
        return self._apply(prim, self, axis=dim, keepdims=keepdim)

    def sum(self, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
            keepdims: bool | None = None) -> Tensor:
        """Sum over `dim` (all axes by default)."""
        return self._reduce(ops.sum_, dim, keepdim, axis, keepdims)

    def mean(self, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
             keepdims: bool | None = None) -> Tensor:
        """Mean over `dim`; nan over an empty axis, as torch."""
        return self._reduce(ops.mean, dim, keepdim, axis, keepdims)

    def amax(self, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
             keepdims: bool | None = None) -> Tensor:
        """Largest element over `dim`; tied maxima share the gradient."""
        return self._reduce(ops.max_, dim, keepdim, axis, keepdims)

    def amin(self, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
             keepdims: bool | None = None) -> Tensor:
        """Smallest element over `dim`; tied minima share the gradient."""
        return self._reduce(ops.min_, dim, keepdim, axis, keepdims)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Axis = None,
            keepdims: bool | None = None) -> Any:
        """The maximum; with an integer `dim`, (values, indices) as torch; with a tensor,
        the elementwise maximum."""
        return self._extreme(dim, keepdim, axis, keepdims, "max")

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Axis = None,
            keepdims: bool | None = None) -> Any:
        """The minimum; with an integer `dim`, (values, indices) as torch; with a tensor,
        the elementwise minimum."""
        return self._extreme(dim, keepdim, axis, keepdims, "min")

    def _extreme(self, dim, keepdim, axis, keepdims, kind: str) -> Any:
        if hasattr(dim, "_prim"):
            return self.maximum(dim) if kind == "max" else self.minimum(dim)
        if isinstance(dim, (int, np.integer)) and axis is None:
            index = self.argmax(dim, True) if kind == "max" else self.argmin(dim, True)
            values = self.gather(dim, index)
            if not keepdim:
                values, index = values.squeeze(dim), index.squeeze(dim)
            return ValuesIndices(values, index)
        return (self.amax if kind == "max" else self.amin)(dim, keepdim, axis=axis,
                                                           keepdims=keepdims)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the first largest element (in the flattened tensor when dim is None)."""
        return self._make(np.argmax(self.data, dim, keepdims=keepdim))

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the first smallest element (in the flattened tensor when dim is None)."""
        return self._make(np.argmin(self.data, dim, keepdims=keepdim))

    def any(self, dim: Axis = None, keepdim: bool = False) -> Tensor:
        """True where any element over `dim` is nonzero."""
        return self._make(np.any(self.data, _axis(dim, None), keepdims=keepdim))

    def all(self, dim: Axis = None, keepdim: bool = False) -> Tensor:
        """True where every element over `dim` is nonzero."""
        return self._make(np.all(self.data, _axis(dim, None), keepdims=keepdim))

    def var(self, dim: Axis = None, keepdim: bool = False, *, correction: float = 1,
            axis: Axis = None, keepdims: bool | None = None) -> Tensor:
        """Variance, dividing by n - correction (Bessel's by default); nan or inf when
        n - correction <= 0, as torch."""
        dim, keepdim = _args(dim, keepdim, axis, keepdims)
        centered = self - self.mean(dim, keepdim=True)
        dof = _count(self.shape, dim) - correction
        with np.errstate(invalid="ignore"):  # 0 * inf: nan, as torch's 0 / 0
            return (centered * centered).sum(dim, keepdim) * (1.0 / dof if dof > 0 else np.inf)

    def std(self, dim: Axis = None, keepdim: bool = False, *, correction: float = 1,
            axis: Axis = None, keepdims: bool | None = None) -> Tensor:
        """Standard deviation, the square root of `var`."""
        return self.var(dim, keepdim, correction=correction, axis=axis, keepdims=keepdims).sqrt()

    def var_mean(self, dim: Axis = None, keepdim: bool = False, *,
                 correction: float = 1) -> tuple:
        """(var, mean) over `dim`."""
        return self.var(dim, keepdim, correction=correction), self.mean(dim, keepdim)

    def std_mean(self, dim: Axis = None, keepdim: bool = False, *,
                 correction: float = 1) -> tuple:
        """(std, mean) over `dim`."""
        return self.std(dim, keepdim, correction=correction), self.mean(dim, keepdim)

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Product over `dim` (everything by default); the gradient is exact at zeros."""
        if dim is None:
            flat = self.reshape(-1)
            out = flat.cumprod(0)[-1] if flat.size else self._make(np.ones((), self.dtype))
            return out.reshape((1,) * self.ndim) if keepdim else out
        dim = _axis_index(dim, self.ndim, "prod")
        if self.shape[dim] == 0:
            return self._make(np.prod(self.data, dim, keepdims=keepdim))
        last = self.cumprod(dim).narrow(dim, self.shape[dim] - 1, 1)
        return last if keepdim else last.squeeze(dim)

    def norm(self, p: Any = 2, dim: Axis = None, keepdim: bool = False) -> Tensor:
        """The p-norm over `dim` (all elements by default): p = 1, 2, "fro", inf, -inf, 0..."""
        a = self.abs()
        if p in (2, "fro"):
            squares = (self * self).sum(dim, keepdim)
            positive = squares.data > 0  # the gradient at a zero vector is 0, as torch's
            return squares.where(positive, 1.0).sqrt().where(positive, 0.0)
        if p == np.inf or p == -np.inf:
            return a.amax(dim, keepdim) if p > 0 else a.amin(dim, keepdim)
        if p == 0:
            return self._make((self.data != 0).sum(_axis(dim, None), keepdims=keepdim)
                              .astype(self.dtype))
        if p == 1:
            return a.sum(dim, keepdim)
        return (a ** p).sum(dim, keepdim) ** (1.0 / p)

    def logsumexp(self, dim: Axis = None, keepdim: bool = False, *, axis: Axis = None,
                  keepdims: bool | None = None) -> Tensor:
        """ln Σ eˣ over `dim`, without overflow."""
        return self._reduce(ops.logsumexp, dim, keepdim, axis, keepdims)

    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        """x - logsumexp(x) over `dim`."""
        return self._apply(ops.log_softmax, self, axis=_axis(dim, axis))

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        """eˣ / Σ eˣ over `dim`."""
        return self.log_softmax(dim, axis=axis).exp()

    def softmin(self, dim: int = -1) -> Tensor:
        """softmax(-x) over `dim`."""
        return (-self).softmax(dim)

    # ---------------------------------------------------------------- scans
    def cumsum(self, dim: int) -> Tensor:
        """Running sum along `dim`."""
        return self._apply(cumsum, self, axis=_axis_index(dim, self.ndim, "cumsum"))

    def cumprod(self, dim: int) -> Tensor:
        """Running product along `dim` (the gradient is exact at zeros)."""
        return self._apply(cumprod, self, axis=_axis_index(dim, self.ndim, "cumprod"))

    def cummax(self, dim: int) -> ValuesIndices:
        """(running maximum, index of the latest maximum so far) along `dim`."""
        return self._running(dim, np.maximum)

    def cummin(self, dim: int) -> ValuesIndices:
        """(running minimum, index of the latest minimum so far) along `dim`."""
        return self._running(dim, np.minimum)

    def _running(self, dim: int, ufunc) -> ValuesIndices:
        dim = _axis_index(dim, self.ndim, "cum" + ufunc.__name__[:3])
        data = self.data.reshape(1) if self.ndim == 0 else self.data
        best = ufunc.accumulate(data, dim)
        steps = np.arange(data.shape[dim]).reshape((-1,) + (1,) * (data.ndim - dim - 1))
        index = np.maximum.accumulate(np.where(data == best, steps, 0), dim)  # ties: latest
        index = index.reshape(self.shape)
        return ValuesIndices(self.gather(dim, self._make(index)), self._make(index))

    def logcumsumexp(self, dim: int) -> Tensor:
        """ln of the running sum of eˣ along `dim`, shifted by the maximum against overflow."""
        dim = _axis_index(dim, self.ndim, "logcumsumexp")
        shift = np.max(self.data, dim, keepdims=True, initial=-np.inf) if self.size else 0.0
        shift = np.where(np.isfinite(shift), shift, 0.0)
        with np.errstate(divide="ignore"):
            return (self - shift).exp().cumsum(dim).log() + shift

    # ---------------------------------------------------------------- sorting
    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """Indices that sort along `dim` (ties keep their order)."""
        data = self.data.reshape(1) if self.ndim == 0 else self.data
        key = -data if descending and data.dtype.kind != "b" else ~data if descending else data
        order = np.argsort(key, axis=_axis_index(dim, self.ndim, "argsort"), kind="stable")
        return self._make(order.reshape(self.shape))

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        """(sorted values, their indices) along `dim`."""
        index = self.argsort(dim, descending)
        return ValuesIndices(self.gather(dim, index), index)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
        """(the k largest, or smallest, values along `dim`, their indices)."""
        size = self.shape[_axis_index(dim, self.ndim, "topk")] if self.ndim else 1
        if not 0 <= k <= size:
            raise IndexError(f"topk: k must be in [0, {size}] for dim {dim}, got {k}")
        index = self.argsort(dim, descending=largest).narrow(dim, 0, k)
        return ValuesIndices(self.gather(dim, index), index)
