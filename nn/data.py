"""Mini-batches of numpy arrays: the `batches` generator and a re-iterable `DataLoader`."""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np


def _check(arrays: tuple, batch_size: int) -> tuple[np.ndarray, ...]:
    if not arrays:
        raise ValueError("batches: give at least one array")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batches: batch_size must be a positive integer, got {batch_size!r}")
    arrays = tuple(np.asarray(a) for a in arrays)
    if any(a.ndim == 0 for a in arrays):
        raise ValueError("batches: every array needs a first (sample) dimension")
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"batches: all arrays must have the same first dimension, got "
                         f"lengths {lengths}")
    return arrays


def _slices(arrays: tuple[np.ndarray, ...], batch_size: int, order: np.ndarray | None,
            drop_last: bool) -> Iterator[tuple[np.ndarray, ...]]:
    n = len(arrays[0])
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            yield tuple(a[start:start + batch_size] for a in arrays)
        else:
            index = order[start:start + batch_size]
            yield tuple(a[index] for a in arrays)


def batches(*arrays: Any, batch_size: int = 32, shuffle: bool = False, seed: Any = None,
            drop_last: bool = False) -> Iterator[tuple[np.ndarray, ...]]:
    """Tuples of aligned slices of `arrays`, `batch_size` rows at a time (shuffled if asked)."""
    arrays = _check(arrays, batch_size)
    order = np.random.default_rng(seed).permutation(len(arrays[0])) if shuffle else None
    return _slices(arrays, batch_size, order, drop_last)


class DataLoader:
    """Re-iterable batches; with shuffle, each epoch has a new order, reproducible from seed."""

    def __init__(self, *arrays: Any, batch_size: int = 32, shuffle: bool = False,
                 seed: Any = None, drop_last: bool = False) -> None:
        self.arrays = _check(arrays, batch_size)
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.rng = np.random.default_rng(seed)

    def __iter__(self) -> Iterator[tuple[np.ndarray, ...]]:
        n = len(self.arrays[0])
        order = self.rng.permutation(n) if self.shuffle else None
        return _slices(self.arrays, self.batch_size, order, self.drop_last)

    def __len__(self) -> int:
        n = len(self.arrays[0])
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __repr__(self) -> str:
        return (f"DataLoader({len(self.arrays[0])} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")


__all__ = ["batches", "DataLoader"]
