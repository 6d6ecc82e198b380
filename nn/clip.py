"""Gradient clipping utilities with PyTorch semantics."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np


def _with_grads(parameters: Any) -> list[Any]:
    params = [parameters] if hasattr(parameters, "grad") else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Any | Iterable[Any], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale gradients in place so their joint ``norm_type``-norm is at most ``max_norm``."""
    params = _with_grads(parameters)
    if not params:
        return 0.0
    norm_type = float(norm_type)
    norms = [np.linalg.norm(np.ravel(np.asarray(p.grad, dtype=np.float64)), ord=norm_type)
             for p in params]
    total_norm = float(np.linalg.norm(np.array(norms), ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total_norm):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and "
                           "scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    clip_coef = float(max_norm) / (total_norm + 1e-6)
    if clip_coef < 1.0 or math.isnan(clip_coef):
        with np.errstate(invalid="ignore"):
            for p in params:
                if isinstance(p.grad, np.ndarray):
                    p.grad *= clip_coef
                else:
                    p.grad = float(p.grad) * clip_coef
    return total_norm


def clip_grad_value_(parameters: Any | Iterable[Any], clip_value: float) -> None:
    """Clamp every gradient element in place to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        if isinstance(p.grad, np.ndarray):
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)
        else:
            p.grad = min(max(float(p.grad), -clip_value), clip_value)
