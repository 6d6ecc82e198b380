"""Helpers of autograd.jit: the checks around a traced fn, names, literals, the views the
generated code replays, and the allocator setting it runs best under."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import keyword
import re
import sys
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import graph
from .ops import unbroadcast
from .tensor import Tensor


@contextmanager
def _refusing_backward() -> Iterator[None]:
    """Inside: a backward pass (or grad) raises; the traced step does the one backward."""
    def refuse(create_graph: bool) -> None:
        why = ("create_graph=True builds derivative graphs whose masks the trace would "
               "freeze" if create_graph else "the step itself runs loss.backward()")
        raise RuntimeError(f"jit: fn must not call backward() or grad() ({why}); return "
                           "the scalar loss instead")
    graph._mode.refuse_backward = refuse
    try:
        yield
    finally:
        graph._mode.refuse_backward = None


def _split_output(result: Any) -> tuple[Tensor, tuple]:
    loss, aux = (result[0], tuple(result[1:])) if isinstance(result, tuple) else (result, ())
    if not isinstance(loss, Tensor) or not all(isinstance(a, Tensor) for a in aux):
        raise TypeError("jit: fn must return a scalar loss Tensor, or a tuple (loss, *tensors), "
                        f"got {type(result).__name__}")
    if loss.data.size != 1:
        raise ValueError(f"jit: fn must return a scalar loss, got shape {loss.shape}: a "
                         "non-scalar has no gradient to start the backward pass with")
    if loss._prim is None and not loss.requires_grad:
        raise ValueError("jit: the loss has no gradient (it depends on nothing that requires "
                         "one), so there is nothing to trace")
    return loss, aux


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


@functools.cache
def keep_freed_memory() -> bool:
    """On glibc, keep freed heap memory for reuse instead of returning it to the system.

    A replayed step allocates its intermediate arrays afresh and frees them all when it
    returns. glibc gives the top of its heap back to the kernel once more than its trim
    threshold (128 KiB until a large block has been freed) is free there, so a step whose
    arrays are many and mid-sized (an LSTM's: 64 KiB each, megabytes in all) page-faults
    its whole working set in again at every call. These are the bounds glibc's own
    adaptive thresholds reach at most: arrays below 32 MiB come from the heap, and up to
    64 MiB of freed heap is kept. Process-wide, once; False where the C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # glibc, not musl
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 32 << 20)
                    and libc.mallopt(m_trim_threshold, 64 << 20))
    except (OSError, AttributeError):
        return False
