"""Adadelta optimizer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701, 2012).

    With v and u starting at zero, for each step with gradient g::

        g  = g + weight_decay * p                           (if weight_decay != 0)
        v  = rho * v + (1 - rho) * g^2
        dx = sqrt(u + eps) / sqrt(v + eps) * g
        u  = rho * u + (1 - rho) * dx^2
        p  = p - lr * dx
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0.0) -> None:
        check(lambda v: v >= 0.0, "learning rate", lr)
        check(lambda v: 0.0 <= v <= 1.0, "rho value", rho)
        check(lambda v: v >= 0.0, "epsilon value", eps)
        check(lambda v: v >= 0.0, "weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(data)
            state["acc_delta"] = np.zeros_like(data)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * data
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        data -= group["lr"] * delta
