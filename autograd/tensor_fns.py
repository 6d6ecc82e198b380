"""Module-level tensor functions in PyTorch's names: einsum, outer, bmm, one_hot, pad."""
from __future__ import annotations

import string
from typing import Any, Sequence

import numpy as np

from .ops_linalg import einsum as _einsum_prim
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


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """x padded as torch's F.pad: (left, right) of the last axis first, then the one before.

    Modes: "constant" (`value`), "reflect" (mirrored without the edge), "replicate" (the
    edge repeated); negative amounts crop.
    """
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of amounts for at most {x.ndim} axes, "
                         f"got {tuple(pad)}")
    if mode not in ("constant", "reflect", "replicate"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'replicate', got {mode!r}")
    for k in range(len(pad) // 2):
        x = _pad_axis(x, x.ndim - 1 - k, pad[2 * k], pad[2 * k + 1], mode, value)
    return x


def _pad_axis(x: Tensor, axis: int, before: int, after: int, mode: str, value: float):
    n = x.shape[axis]
    x = x.narrow(axis, max(-before, 0), n - max(-before, 0) - max(-after, 0))
    before, after, n = max(before, 0), max(after, 0), x.shape[axis]
    if mode == "reflect" and (before >= n or after >= n):
        raise ValueError(f"pad: reflect amounts ({before}, {after}) must be below the size {n} "
                         f"of axis {axis}")
    if mode != "constant":  # an index along the axis, running past its ends
        steps = np.arange(-before, n + after)
        at = np.clip(steps, 0, n - 1) if mode == "replicate" else \
            np.abs((steps + (n - 1)) % (2 * (n - 1)) - (n - 1)) if n > 1 else np.zeros_like(steps)
        return x.index_select(axis, at)
    side = lambda k: Tensor(np.full(x.shape[:axis] + (k,) + x.shape[axis + 1:], value,  # noqa
                                    x.dtype))
    return concatenate([side(before), x, side(after)], axis) if before or after else x
