"""Stochastic gradient descent with optional (Nesterov) momentum."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check


class SGD(Optimizer):
    r"""Stochastic gradient descent (momentum as in PyTorch; Nesterov from Sutskever et al.,
    "On the importance of initialization and momentum in deep learning", ICML 2013).

    For each step t with gradient g_t (negated if ``maximize``)::

        g_t = g_t + weight_decay * p                       (if weight_decay != 0)
        b_t = g_t  if t == 1  else  momentum * b_{t-1} + (1 - dampening) * g_t
        g_t = g_t + momentum * b_t  if nesterov  else  b_t  (if momentum != 0)
        p   = p - lr * g_t
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        check(lambda v: v >= 0.0, "learning rate", lr)
        check(lambda v: v >= 0.0, "momentum value", momentum)
        check(lambda v: v >= 0.0, "weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * data
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, dtype=data.dtype)
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        data -= group["lr"] * grad
