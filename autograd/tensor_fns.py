"""Module-level tensor functions in PyTorch's names: einsum, outer, bmm, one_hot, pad."""
from __future__ import annotations

import string
from typing import Any, Sequence

import numpy as np

from .ops_linalg import einsum as _einsum_prim
from .windows import pad as _pad_prim
from .tensor import Tensor, apply, concatenate, stack, where
from .tensor_args import _data

__all__ = ["einsum", "outer", "bmm", "one_hot", "pad", "cat", "concat", "stack", "where"]

cat = concat = concatenate


def _explicit(spec: str, shapes: list) -> str:
    """`spec` with "..." spelled out as letters and the output given after "->"."""
    spec = spec.replace(" ", "")
    inputs, arrow, out = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {spec!r} names {len(terms)} operands, got {len(shapes)}")
    free = [c for c in string.ascii_letters if c not in spec]
    width = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes)
                 if "..." in t), default=0)
    dots = "".join(free[:width])
    terms = [t.replace("...", dots[width - (len(s) - len(t) + 3):] if width else "")
             if "..." in t else t for t, s in zip(terms, shapes)]
    if not arrow:  # implicit output: the letters used once, in alphabetical order
        letters = "".join(terms)
        out = dots + "".join(sorted(c for c in set(letters) - set(dots)
                                    if letters.count(c) == 1))
    return ",".join(terms) + "->" + out.replace("...", dots)


def einsum(spec: str, *operands: Any) -> Tensor:
    """Sum of products over the letters `spec` contracts, as numpy's and torch's einsum."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return apply(_einsum_prim, *operands,
                 spec=_explicit(spec, [np.shape(_data(x)) for x in operands]))


def outer(a: Any, b: Any) -> Tensor:
    """The outer product of two 1-D tensors."""
    if np.ndim(_data(a)) != 1 or np.ndim(_data(b)) != 1:
        raise ValueError(f"outer: expected two 1-D tensors, got shapes {np.shape(_data(a))} "
                         f"and {np.shape(_data(b))}")
    return (a if isinstance(a, Tensor) else Tensor(a)).reshape(-1, 1) * b


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product of (B, n, m) and (B, m, p) tensors."""
    if np.ndim(_data(a)) != 3 or np.ndim(_data(b)) != 3:
        raise ValueError(f"bmm: expected two 3-D tensors, got shapes {np.shape(_data(a))} "
                         f"and {np.shape(_data(b))}")
    return a @ b


def one_hot(index: Any, num_classes: int = -1) -> Tensor:
    """Integer class indices as int64 one-hot rows (num_classes: the largest index + 1)."""
    index = np.asarray(_data(index))
    if index.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer tensor, got {index.dtype}")
    classes = int(index.max()) + 1 if num_classes == -1 and index.size else num_classes
    if index.size and (index.min() < 0 or index.max() >= classes):
        raise IndexError(f"one_hot: class values must be in [0, {classes}), got "
                         f"[{index.min()}, {index.max()}]")
    return Tensor(np.arange(max(classes, 0)) == index[..., None], dtype=np.int64)


_NP_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(x: Any, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """x padded as torch's F.pad: (left, right) of the last axis first, then the one before.

    Modes: "constant" (`value`), "reflect" (mirrored without the edge), "replicate" (the
    edge repeated), "circular" (wrapped around); negative amounts crop.
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of widths for at most {x.ndim} axes, "
                         f"got {tuple(pad)} for input of shape {x.shape}")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)][::-1]
    widths = ((0, 0),) * (x.ndim - len(pairs)) + tuple(pairs)
    if mode == "constant":
        crop = tuple(slice(-lo if lo < 0 else None, hi if hi < 0 else None) for lo, hi in widths)
        grow = tuple((max(lo, 0), max(hi, 0)) for lo, hi in widths)
        if any(lo < 0 or hi < 0 for lo, hi in widths):
            x = x[crop]
        return apply(_pad_prim, x, widths=grow, value=value) if any(map(any, grow)) else x
    if mode not in _NP_MODES:
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    for axis, (lo, hi) in enumerate(widths):  # gather along each padded axis
        if lo or hi:
            if mode == "reflect" and (lo >= x.shape[axis] or hi >= x.shape[axis]):
                raise ValueError(f"pad: reflect widths ({lo}, {hi}) must be below the size "
                                 f"{x.shape[axis]} of axis {axis}")
            index = np.pad(np.arange(x.shape[axis]), (lo, hi), mode=_NP_MODES[mode])
            x = x[(slice(None),) * axis + (index,)]
    return x
