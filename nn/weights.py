"""Weights as safetensors in PyTorch's layout: `save_weights(model, "m.safetensors")` writes
the state_dict under torch's keys and shapes, so `safetensors.torch.load_file` feeds
`torch_model.load_state_dict` directly; `load_weights` reads ours and torch's files."""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from .atomic import atomic_write

INSTALL = 'pip install "autograd-nn[interop]"'


def _safetensors() -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(f"safetensors weights need the safetensors package: {INSTALL}") from None
    return safetensors.numpy


def save_weights(model: Any, path: str | os.PathLike) -> None:
    """Write `model.state_dict()` to `path` as safetensors, atomically."""
    st = _safetensors()
    state = {k: np.ascontiguousarray(v) for k, v in model.state_dict().items()}
    data = st.save(state, metadata={"format": "pt"})  # "pt": what transformers expects
    atomic_write(path, lambda f: f.write(data))


def load_weights(model: Any, path: str | os.PathLike, strict: bool = True) -> None:
    """Load a safetensors file into `model`, all or nothing (see `Module.load_state_dict`)."""
    st, path = _safetensors(), os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        state = st.load(data)
    except Exception as error:  # the Rust reader's SafetensorError, or a dtype numpy lacks
        raise ValueError(f"load_weights: {path!r} is not a readable safetensors file "
                         f"(truncated or corrupt?): {error}") from None
    try:
        model.load_state_dict(state, strict=strict)
    except ValueError as error:
        raise ValueError(f"load_weights: {path!r} does not fit the model: {error}") from None


__all__ = ["save_weights", "load_weights"]
