"""Tensor factories in PyTorch's spelling: `zeros(2, 3)`, `arange(5)`, `randn(4, seed=0)`.

Sizes go as `f(2, 3)` or `f((2, 3))`; `dtype=` takes a numpy dtype or its name; floats are
float64 by default (as Tensor), integers from `arange`/`randint` int64 (as torch). Random
factories draw from `generator=` (a `np.random.Generator`), or a new one seeded by `seed=`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor
from .tensor_args import _dims, _dtype

__all__ = ["tensor", "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "rand",
           "randn", "randint", "zeros_like", "ones_like", "full_like", "rand_like",
           "randn_like"]


def _make(data: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    data = data if dtype is None else data.astype(_dtype(dtype), copy=False)
    return Tensor(data, requires_grad=requires_grad)


def _float(dtype: Any) -> np.dtype:
    return np.dtype(np.float64) if dtype is None else _dtype(dtype)


def _rng(generator: np.random.Generator | None, seed: int | None) -> np.random.Generator:
    if generator is not None and seed is not None:
        raise ValueError("random factory: give generator= or seed=, not both")
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"random factory: generator must be a numpy Generator, got "
                        f"{type(generator).__name__}")
    return generator if generator is not None else np.random.default_rng(seed)


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf holding a copy of `data` (floats as float64 unless `dtype` says)."""
    data = np.array(data.data if isinstance(data, Tensor) else data)
    if dtype is None and data.dtype.kind == "f":
        dtype = data.dtype
    return _make(data, dtype, requires_grad)


def zeros(*size, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _make(np.zeros(_dims(size), _float(dtype)), None, requires_grad)


def ones(*size, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make(np.ones(_dims(size), _float(dtype)), None, requires_grad)


def empty(*size, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are whatever the memory held."""
    return _make(np.empty(_dims(size), _float(dtype)), None, requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `fill_value` (its dtype follows the value: bool, int64 or float64)."""
    value = np.asarray(fill_value)
    default = np.float64 if value.dtype.kind == "f" else value.dtype
    return _make(np.full(_dims((size,)), fill_value, dtype or default), None, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """start, start + step, ... below end (int64 for integer arguments, as torch)."""
    start, end = (0, start) if end is None else (start, end)
    integral = all(isinstance(x, (int, np.integer)) for x in (start, end, step))
    default = np.int64 if integral else np.float64
    return _make(np.arange(start, end, step, dtype=_dtype(dtype or default)), None,
                 requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced numbers from start to end, both included."""
    return _make(np.linspace(start, end, steps, dtype=_float(dtype)), None, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An n x m matrix with ones on the diagonal."""
    return _make(np.eye(n, m, dtype=_float(dtype)), None, requires_grad)


def rand(*size, dtype: Any = None, requires_grad: bool = False,
         generator: np.random.Generator | None = None, seed: int | None = None) -> Tensor:
    """Uniform samples from [0, 1)."""
    data = _rng(generator, seed).random(_dims(size))
    return _make(data, _float(dtype), requires_grad)


def randn(*size, dtype: Any = None, requires_grad: bool = False,
          generator: np.random.Generator | None = None, seed: int | None = None) -> Tensor:
    """Samples from the standard normal distribution."""
    data = _rng(generator, seed).standard_normal(_dims(size))
    return _make(data, _float(dtype), requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), dtype: Any = None,
            generator: np.random.Generator | None = None, seed: int | None = None) -> Tensor:
    """Integers from [low, high) (from [0, low) when `high` is omitted), int64 by default."""
    low, high = (0, low) if high is None else (low, high)
    data = _rng(generator, seed).integers(low, high, _dims((size,)) if size != () else ())
    return _make(data, dtype or np.int64, False)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros in the shape (and dtype) of `t`."""
    return full_like(t, 0, dtype, requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones in the shape (and dtype) of `t`."""
    return full_like(t, 1, dtype, requires_grad)


def full_like(t: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """`fill_value` in the shape (and dtype) of `t`."""
    like = np.asarray(getattr(t, "data", t))
    return _make(np.full(like.shape, fill_value, dtype=_dtype(dtype or like.dtype)), None,
                 requires_grad)


def rand_like(t: Any, dtype: Any = None, requires_grad: bool = False,
              generator: np.random.Generator | None = None, seed: int | None = None) -> Tensor:
    """Uniform samples from [0, 1) in the shape (and float dtype) of `t`."""
    like = np.asarray(getattr(t, "data", t))
    return rand(like.shape, dtype=dtype or _like_float(like), requires_grad=requires_grad,
                generator=generator, seed=seed)


def randn_like(t: Any, dtype: Any = None, requires_grad: bool = False,
               generator: np.random.Generator | None = None, seed: int | None = None) -> Tensor:
    """Standard normal samples in the shape (and float dtype) of `t`."""
    like = np.asarray(getattr(t, "data", t))
    return randn(like.shape, dtype=dtype or _like_float(like), requires_grad=requires_grad,
                 generator=generator, seed=seed)


def _like_float(like: np.ndarray) -> np.dtype:
    return like.dtype if like.dtype.kind == "f" else np.dtype(np.float64)
