"""Tensor's shape and indexing methods in PyTorch's spelling and meaning.

All are compositions of the reshape, transpose, expand, getitem, scatter_add and where
primitives: the gradient of each follows from theirs.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import ops
from .tensor_args import TwoSteps, _axis_index, _data, _dims, _index, _where



def _dim_list(dims: Any, ndim: int, who: str) -> tuple:
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return tuple(_axis_index(int(d), ndim, who) for d in dims)


class TensorShape:
    """Mixin of Tensor: reshaping, reordering, joining pieces, indexing."""

    __slots__ = ()

    # ---------------------------------------------------------------- shape
    def reshape(self, *shape) -> Tensor:
        """The same elements in `shape` (one entry may be -1)."""
        return self._apply(ops.reshape, self, shape=_dims(shape))

    view = reshape

    def permute(self, *dims) -> Tensor:
        """The axes reordered: output axis i is input axis dims[i]."""
        dims = _dims(dims)
        if len(dims) != self.ndim:
            raise ValueError(f"permute: expected {self.ndim} dims for shape {self.shape}, "
                             f"got {len(dims)}: {dims}")
        axes = _dim_list(dims, self.ndim, "permute") if self.ndim else ()
        if len(set(axes)) != len(axes):
            raise ValueError(f"permute: repeated dim in {dims}")
        return self._apply(ops.transpose, self, axes=axes)

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap two axes (PyTorch's meaning); `permute` reorders all of them."""
        axes = list(range(self.ndim))
        i, j = _dim_list((dim0, dim1), self.ndim, "transpose")
        if not axes:
            return self
        axes[i], axes[j] = axes[j], axes[i]
        return self.permute(*axes)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """Swap two axes (numpy's name for `transpose`)."""
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

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """Split axis `dim` into axes of `sizes` (one may be -1)."""
        d = _axis_index(dim, self.ndim, "unflatten")
        return self.reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1:])

    def expand(self, *shape) -> Tensor:
        """A broadcast view in `shape`; -1 keeps an axis's size."""
        shape = _dims(shape)
        lead = len(shape) - self.ndim
        shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                      for i, n in enumerate(shape))
        return self._apply(ops.expand, self, shape=shape)

    def expand_as(self, other) -> Tensor:
        """`expand` to `other`'s shape."""
        return self.expand(other.shape)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Without the axes of size 1 (only those of `dim` when given)."""
        dims = range(self.ndim) if dim is None else _dim_list(dim, self.ndim, "squeeze")
        drop = {d for d in dims if self.ndim and self.shape[d] == 1}
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in drop))

    def unsqueeze(self, dim: int) -> Tensor:
        """With a new axis of size 1 at `dim`."""
        d = _axis_index(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def repeat(self, *sizes) -> Tensor:
        """The tensor tiled `sizes[i]` times along axis i (numpy's tile)."""
        sizes = _dims(sizes)
        if len(sizes) < self.ndim:
            raise ValueError(f"repeat: needs at least {self.ndim} sizes for shape "
                             f"{self.shape}, got {sizes}")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        spread = self.reshape(sum(((1, n) for n in shape), ()))
        tiled = spread.expand(sum(((r, n) for r, n in zip(sizes, shape)), ()))
        return tiled.reshape(tuple(r * n for r, n in zip(sizes, shape)))

    def repeat_interleave(self, repeats: Any, dim: int | None = None) -> Tensor:
        """Each element repeated `repeats` times along `dim` (flattened when None)."""
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else _axis_index(dim, self.ndim, "repeat_interleave")
        return x.index_select(d, np.repeat(np.arange(x.shape[d]), _data(repeats)))

    def flip(self, *dims) -> Tensor:
        """The elements in reverse order along each of `dims`."""
        dims = _dim_list(_dims(dims), self.ndim, "flip")
        return self[tuple(slice(None, None, -1) if i in dims else slice(None)
                          for i in range(self.ndim))]

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Elements shifted by `shifts` along `dims`, wrapping around (flattened if None)."""
        if dims is None:
            return self.reshape(-1).roll(shifts, 0).reshape(self.shape)
        out = self
        for shift, d in zip(np.atleast_1d(shifts), _dim_list(dims, self.ndim, "roll")):
            out = out.index_select(d, np.roll(np.arange(self.shape[d]), int(shift)))
        return out

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """`length` elements from `start` along `dim`."""
        d = _axis_index(dim, self.ndim, "narrow")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple:
        """Pieces of that size along `dim` (the last may be smaller), or of those sizes."""
        n = self.shape[_axis_index(dim, self.ndim, "split")]
        sizes = split_size_or_sections
        if isinstance(sizes, (int, np.integer)):
            sizes = [min(sizes, n - s) for s in range(0, n, max(int(sizes), 1))] or [0]
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {list(sizes)} must add up to {n} (dim {dim})")
        starts = np.cumsum([0, *sizes])
        return tuple(self.narrow(dim, int(s), int(k)) for s, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """At most `chunks` pieces of equal size (the last may be smaller) along `dim`."""
        n = self.shape[_axis_index(dim, self.ndim, "chunk")]
        return self.split(max(-(-n // chunks), 1), dim)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two axes (the rest is 0)."""
        keep = np.tril(np.ones(self.shape[-2:], dtype=bool), diagonal)
        return _where(self, keep, self, 0.0)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two axes (the rest is 0)."""
        keep = np.triu(np.ones(self.shape[-2:], dtype=bool), diagonal)
        return _where(self, keep, self, 0.0)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal of axes dim1 and dim2, as a last axis."""
        i, j = _dim_list((dim1, dim2), self.ndim, "diagonal")
        rest = [d for d in range(self.ndim) if d not in (i, j)]
        x = self.permute(*rest, i, j)
        rows, cols = x.shape[-2:]
        start_r, start_c = max(-offset, 0), max(offset, 0)
        k = max(min(rows - start_r, cols - start_c), 0)
        return x[..., np.arange(start_r, start_r + k), np.arange(start_c, start_c + k)]

    def diag(self, diagonal: int = 0) -> Tensor:
        """A 1-D tensor as a diagonal matrix, or a matrix's diagonal."""
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {self.shape}")
        n, k = self.shape[0] + abs(diagonal), np.arange(self.shape[0])
        at = (k + max(-diagonal, 0), k + max(diagonal, 0))
        return self._apply(ops.scatter_add, self, index=at, shape=(n, n))

    # ---------------------------------------------------------------- indexing
    def __getitem__(self, index) -> Tensor:
        index = _index(index, self.ndim)
        if isinstance(index, TwoSteps):  # torch's integer-beside-array rule: two steps
            return self._apply(ops.getitem, self._apply(ops.getitem, self, index=index[0]),
                               index=index[1])
        return self._apply(ops.getitem, self, index=index)

    def _along(self, dim: int, index: np.ndarray, who: str) -> tuple:
        """The numpy index that takes `index[...]` along `dim` and the position elsewhere."""
        if index.ndim != self.ndim or index.dtype.kind not in "iu":
            raise ValueError(f"{who}: index must be an integer tensor with {self.ndim} dims, "
                             f"got {index.dtype} of shape {index.shape}")
        d = _axis_index(dim, self.ndim, who)
        return tuple(index if i == d else np.arange(n).reshape((-1,) + (1,) * (index.ndim - i - 1))
                     for i, n in enumerate(index.shape))

    def gather(self, dim: int, index: Any) -> Tensor:
        """out[i][j] = self[index[i][j]][j] along `dim` (and so on for each axis)."""
        return self._apply(ops.getitem, self, index=self._along(dim, np.asarray(_data(index)),
                                                                 "gather"))

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """self with src[i][j] added at self[index[i][j]][j] along `dim` (repeats add up)."""
        index = np.asarray(_data(index))
        at = self._along(dim, index, "scatter_add")
        src = src[tuple(slice(0, n) for n in index.shape)]
        return self + self._apply(ops.scatter_add, src, index=at, shape=self.shape)

    def scatter(self, dim: int, index: Any, src: Any) -> Tensor:
        """self with src[i][j] written at self[index[i][j]][j] along `dim` (the last of
        repeated positions wins); `src` may be a number."""
        index = np.asarray(_data(index))
        at = np.ravel_multi_index(np.broadcast_arrays(*self._along(dim, index, "scatter")),
                                  self.shape).ravel()
        _, first_from_end = np.unique(at[::-1], return_index=True)
        last = at.size - 1 - first_from_end  # the last write to each position
        hit = np.zeros(self.shape, dtype=bool)
        hit.flat[at] = True
        if not hasattr(src, "_prim"):
            values = np.zeros(self.shape, self.dtype)
            values.flat[at] = src
            return _where(self, hit, values, self)
        picked = src[tuple(slice(0, n) for n in index.shape)].reshape(-1)[last]
        placed = self._apply(ops.scatter_add, picked, index=np.unravel_index(at[last],
                                                                              self.shape),
                             shape=self.shape)
        return _where(self, hit, placed, self)

    def index_select(self, dim: int, index: Any) -> Tensor:
        """The slices at the 1-D `index` along `dim`."""
        d = _axis_index(dim, self.ndim, "index_select")
        return self._apply(ops.getitem, self, index=(slice(None),) * d + (
            np.asarray(_data(index), dtype=np.intp),))

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """self with `value` where the (broadcast) mask is True."""
        return _where(self, mask, value, self)

    def masked_select(self, mask: Any) -> Tensor:
        """The elements where the (broadcast) mask is True, as a 1-D tensor."""
        mask = np.asarray(_data(mask), dtype=bool)
        shape = np.broadcast_shapes(self.shape, mask.shape)
        x = self.expand(shape)
        return x._apply(ops.getitem, x, index=np.broadcast_to(mask, shape))

    def nonzero(self, as_tuple: bool = False) -> Any:
        """Indices of the nonzero elements: an (n, ndim) tensor, or one tensor per axis."""
        if as_tuple:
            return tuple(self._make(i) for i in np.nonzero(np.atleast_1d(self.data)))
        return self._make(np.argwhere(self.data))
