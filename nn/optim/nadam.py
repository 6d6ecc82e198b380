"""NAdam optimizer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .adam import check_adam_args
from .optimizer import Optimizer, check


class NAdam(Optimizer):
    r"""NAdam (Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop).

    With m, v starting at zero and mu_product at one, at step t with gradient g::

        g          = g + weight_decay * p                   (if weight_decay != 0)
        mu_t       = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))
        mu_{t+1}   = beta1 * (1 - 0.5 * 0.96^((t + 1) * momentum_decay))
        mu_product = mu_product * mu_t
        m          = beta1 * m + (1 - beta1) * g
        v          = beta2 * v + (1 - beta2) * g^2
        d          = sqrt(v / (1 - beta2^t)) + eps
        p          = p - lr * (1 - mu_t) / (1 - mu_product) * g / d
                       - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / d
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3) -> None:
        check_adam_args(lr, betas, eps, weight_decay)
        check(lambda v: v >= 0.0, "momentum_decay value", momentum_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay))

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        (beta1, beta2), lr = group["betas"], group["lr"]
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = np.zeros_like(data)
            state["exp_avg_sq"] = np.zeros_like(data)
        state["step"] += 1
        step = state["step"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * data
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        denom = np.sqrt(exp_avg_sq / (1 - beta2**step)) + group["eps"]
        data -= lr * (1 - mu) / (1 - mu_product) * (grad / denom)
        data -= lr * mu_next / (1 - mu_product * mu_next) * (exp_avg / denom)
