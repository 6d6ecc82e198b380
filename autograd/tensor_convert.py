"""Tensor's facts and conversions in PyTorch's spelling: size, numel, dim, dtype casts."""
from __future__ import annotations

from typing import Any

import numpy as np

from .ops_math import astype
from .tensor_args import _dims, _dtype


class TensorConvert:
    """Mixin of Tensor: shape facts and dtype conversions."""

    __slots__ = ()

    def numel(self) -> int:
        """How many elements the tensor holds."""
        return self.data.size

    def dim(self) -> int:
        """How many axes the tensor has (also the property `ndim`)."""
        return self.data.ndim

    def tolist(self) -> Any:
        """The elements as nested Python lists (a number for a 0-d tensor)."""
        return self.data.tolist()

    def to(self, dtype: Any) -> Tensor:
        """The tensor in `dtype`, on the graph (float to float keeps the gradient)."""
        dtype = _dtype(dtype)
        if dtype == self.dtype:
            return self
        if np.issubdtype(dtype, np.floating):
            return self._apply(astype, self, dtype=dtype)
        return self._make(self.data.astype(dtype))

    def type_as(self, other: Tensor) -> Tensor:
        """The tensor in `other`'s dtype."""
        return self.to(other.dtype)

    def float(self) -> Tensor:
        """The tensor as float32."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """The tensor as float64."""
        return self.to(np.float64)

    def half(self) -> Tensor:
        """The tensor as float16."""
        return self.to(np.float16)

    def int(self) -> Tensor:
        """The tensor as int32."""
        return self.to(np.int32)

    def long(self) -> Tensor:
        """The tensor as int64."""
        return self.to(np.int64)

    def bool(self) -> Tensor:
        """The tensor as bool (nonzero is True)."""
        return self.to(np.bool_)

    def clone(self) -> Tensor:
        """A copy of the data that stays on the graph (the gradient flows back)."""
        return self * 1  # keeps -0.0, nan and inf as they are

    def contiguous(self) -> Tensor:
        """The tensor with C-ordered data (itself when it already is)."""
        if self.data.flags.c_contiguous:
            return self
        return self.reshape(-1).reshape(self.shape)  # flattening copies in C order


    def new_tensor(self, data: Any, dtype: Any = None) -> Tensor:
        """A new leaf of `data`, in this tensor's dtype unless `dtype` says."""
        return type(self)(np.array(data, dtype=_dtype(dtype or self.dtype)))

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None) -> Tensor:
        """A new leaf of `size` filled with `fill_value`, in this tensor's dtype by default."""
        return type(self)(np.full(_dims((size,)), fill_value, _dtype(dtype or self.dtype)))

    def new_zeros(self, *size, dtype: Any = None) -> Tensor:
        """A new leaf of zeros, in this tensor's dtype by default."""
        return self.new_full(_dims(size), 0, dtype)

    def new_ones(self, *size, dtype: Any = None) -> Tensor:
        """A new leaf of ones, in this tensor's dtype by default."""
        return self.new_full(_dims(size), 1, dtype)

    def new_empty(self, *size, dtype: Any = None) -> Tensor:
        """A new leaf of `size` (zeroed here), in this tensor's dtype by default."""
        return self.new_zeros(*size, dtype=dtype)
