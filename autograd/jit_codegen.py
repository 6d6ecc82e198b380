"""Helpers of the code autograd.jit generates: names, literals, and the views it replays."""
from __future__ import annotations

import keyword
import re
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .ops import unbroadcast


def _view(base: np.ndarray, offset: int, shape: tuple, strides: tuple) -> np.ndarray:
    """The view of `base` starting `offset` elements in, with `shape` and `strides`."""
    return as_strided(base.reshape(-1)[offset:], shape, strides, writeable=False)


_HELPERS = {"asarray": np.asarray, "ones_like": np.ones_like, "unbroadcast": unbroadcast,
            "_view": _view}


def _identifier(name: str, taken: set[str]) -> str:
    """`name` made a fresh Python identifier (not in `taken`, which it is added to)."""
    base = re.sub(r"\W", "_", name) or "v"
    if base[0].isdigit() or keyword.iskeyword(base):
        base = "p_" + base
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}_{n}", n + 1
    taken.add(ident)
    return ident


def _literal(x: Any) -> bool:
    if isinstance(x, (tuple, list)):
        return all(map(_literal, x))
    return x is None or x is Ellipsis or type(x) in (bool, int, float, str, slice)
