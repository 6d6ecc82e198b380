"""Adam and AdamW optimizers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, check, pair


def check_adam_args(lr: float, betas: tuple[float, float], eps: float,
                    weight_decay: float) -> None:
    """Validate the hyperparameters shared by the Adam family."""
    check(lambda v: v >= 0.0, "learning rate", lr)
    check(lambda v: v >= 0.0, "epsilon value", eps)
    betas = pair("betas", betas)
    check(lambda v: 0.0 <= v < 1.0, "beta parameter at index 0", betas[0])
    check(lambda v: 0.0 <= v < 1.0, "beta parameter at index 1", betas[1])
    check(lambda v: v >= 0.0, "weight_decay value", weight_decay)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015; AMSGrad from
    Reddi et al., "On the Convergence of Adam and Beyond", ICLR 2018).

    With m, v, v_max starting at zero, at step t with gradient g::

        g     = g + weight_decay * p                        (L2 penalty, if weight_decay != 0)
        m     = beta1 * m + (1 - beta1) * g
        v     = beta2 * v + (1 - beta2) * g^2
        v_max = max(v_max, v)                               (if amsgrad; then v := v_max)
        p     = p - lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps)
    """

    decoupled_weight_decay = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        check_adam_args(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        (beta1, beta2), lr, wd = group["betas"], group["lr"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(data)
            state["exp_avg_sq"] = np.zeros_like(data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(data)
        state["step"] += 1
        step = state["step"]
        if wd != 0 and self.decoupled_weight_decay:
            data *= 1 - lr * wd
        elif wd != 0:
            grad = grad + wd * data
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]
        denom = np.sqrt(exp_avg_sq) / (1 - beta2**step) ** 0.5 + group["eps"]
        data -= lr / (1 - beta1**step) * (exp_avg / denom)


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019).

    Identical to :class:`Adam` except that weight decay is decoupled from the gradient:
    first ``p = p * (1 - lr * weight_decay)``, then the Adam update with the raw gradient.
    """

    decoupled_weight_decay = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
