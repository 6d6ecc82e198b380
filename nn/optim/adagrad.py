"""Adagrad optimizer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", JMLR 2011).

    With ``sum`` starting at ``initial_accumulator_value``, at step t with gradient g::

        lr_t = lr / (1 + (t - 1) * lr_decay)
        g    = g + weight_decay * p                         (if weight_decay != 0)
        sum  = sum + g^2
        p    = p - lr_t * g / (sqrt(sum) + eps)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        check(lambda v: v >= 0.0, "learning rate", lr)
        check(lambda v: v >= 0.0, "lr_decay value", lr_decay)
        check(lambda v: v >= 0.0, "weight_decay value", weight_decay)
        check(lambda v: v >= 0.0, "initial_accumulator_value value",
              initial_accumulator_value)
        check(lambda v: v >= 0.0, "epsilon value", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(data, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * data
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        data -= clr * (grad / (np.sqrt(state["sum"]) + group["eps"]))
