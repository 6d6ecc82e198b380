"""RMSprop optimizer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, "Neural Networks for Machine Learning", lecture 6e, 2012; centered
    variant from Graves, "Generating Sequences With Recurrent Neural Networks", 2013).

    For each step with gradient g (v, b, g_avg start at zero)::

        g     = g + weight_decay * p                        (if weight_decay != 0)
        v     = alpha * v + (1 - alpha) * g^2
        g_avg = alpha * g_avg + (1 - alpha) * g            (if centered)
        d     = sqrt(v - g_avg^2) + eps  if centered  else  sqrt(v) + eps
        b     = momentum * b + g / d;  p = p - lr * b       (if momentum > 0)
        p     = p - lr * g / d                              (otherwise)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False) -> None:
        check(lambda v: v >= 0.0, "learning rate", lr)
        check(lambda v: v >= 0.0, "epsilon value", eps)
        check(lambda v: v >= 0.0, "momentum value", momentum)
        check(lambda v: v >= 0.0, "weight_decay value", weight_decay)
        check(lambda v: v >= 0.0, "alpha value", alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(data)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(data)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * data
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            avg = np.sqrt(square_avg) + group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            data -= group["lr"] * buf
        else:
            data -= group["lr"] * (grad / avg)
