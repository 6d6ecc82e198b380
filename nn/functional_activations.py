"""Activation functions on Tensors in torch.nn.functional's names (re-exported by
nn.functional), each a call of the Tensor method of the same name."""
from __future__ import annotations

from typing import Any

from autograd import Tensor
from autograd import one_hot  # noqa: F401  (F.one_hot, as torch)

__all__ = ["gelu", "silu", "elu", "selu", "celu", "mish", "softsign", "hardtanh",
           "hardsigmoid", "hardswish", "relu6", "logsigmoid", "softplus", "softmin", "one_hot"]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """x Φ(x), Φ the normal CDF (`approximate="tanh"`: torch's tanh formula)."""
    return _tensor(x).gelu(approximate)


def silu(x: Any) -> Tensor:
    """x σ(x)."""
    return _tensor(x).silu()


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, else α(eˣ - 1)."""
    return _tensor(x).elu(alpha)


def selu(x: Any) -> Tensor:
    """The self-normalizing scaled ELU."""
    return _tensor(x).selu()


def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, else α(e^(x/α) - 1)."""
    return _tensor(x).celu(alpha)


def mish(x: Any) -> Tensor:
    """x tanh(softplus(x))."""
    return _tensor(x).mish()


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|)."""
    return _tensor(x).softsign()


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x limited to [min_val, max_val]."""
    return _tensor(x).hardtanh(min_val, max_val)


def hardsigmoid(x: Any) -> Tensor:
    """relu6(x + 3) / 6."""
    return _tensor(x).hardsigmoid()


def hardswish(x: Any) -> Tensor:
    """x relu6(x + 3) / 6."""
    return _tensor(x).hardswish()


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6)."""
    return _tensor(x).relu6()


def logsigmoid(x: Any) -> Tensor:
    """ln σ(x)."""
    return _tensor(x).logsigmoid()


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """ln(1 + e^(βx)) / β, linear where βx > threshold."""
    return _tensor(x).softplus(beta, threshold)


def softmin(x: Any, dim: int = -1) -> Tensor:
    """softmax(-x) along `dim`."""
    return _tensor(x).softmin(dim)
