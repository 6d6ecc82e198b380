"""Activation layers shaped like torch.nn's: each calls the nn.functional function of its
name with the settings it was built with."""
from __future__ import annotations

from typing import Any

from autograd import Tensor

from . import functional_activations as F
from .module import Module

__all__ = ["GELU", "SiLU", "ELU", "SELU", "CELU", "Mish", "Softsign", "Hardtanh", "Hardsigmoid",
           "Hardswish", "ReLU6", "LogSigmoid", "Softplus", "Softmin"]


class GELU(Module):
    """The gelu activation as a layer (see nn.functional.gelu)."""

    def __init__(self, approximate: str = "none") -> None:
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        """gelu(x)."""
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        """The settings, as in PyTorch."""
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """The silu activation as a layer (see nn.functional.silu)."""

    def forward(self, x: Any) -> Tensor:
        """silu(x)."""
        return F.silu(x)


class ELU(Module):
    """The elu activation as a layer (see nn.functional.elu)."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, x: Any) -> Tensor:
        """elu(x)."""
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        """The settings, as in PyTorch."""
        return f"alpha={self.alpha!r}"


class SELU(Module):
    """The selu activation as a layer (see nn.functional.selu)."""

    def forward(self, x: Any) -> Tensor:
        """selu(x)."""
        return F.selu(x)


class CELU(Module):
    """The celu activation as a layer (see nn.functional.celu)."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def forward(self, x: Any) -> Tensor:
        """celu(x)."""
        return F.celu(x, self.alpha)

    def extra_repr(self) -> str:
        """The settings, as in PyTorch."""
        return f"alpha={self.alpha!r}"


class Mish(Module):
    """The mish activation as a layer (see nn.functional.mish)."""

    def forward(self, x: Any) -> Tensor:
        """mish(x)."""
        return F.mish(x)


class Softsign(Module):
    """The softsign activation as a layer (see nn.functional.softsign)."""

    def forward(self, x: Any) -> Tensor:
        """softsign(x)."""
        return F.softsign(x)


class Hardtanh(Module):
    """The hardtanh activation as a layer (see nn.functional.hardtanh)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        self.min_val = min_val
        self.max_val = max_val

    def forward(self, x: Any) -> Tensor:
        """hardtanh(x)."""
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        """The settings, as in PyTorch."""
        return f"min_val={self.min_val!r}, max_val={self.max_val!r}"


class Hardsigmoid(Module):
    """The hardsigmoid activation as a layer (see nn.functional.hardsigmoid)."""

    def forward(self, x: Any) -> Tensor:
        """hardsigmoid(x)."""
        return F.hardsigmoid(x)


class Hardswish(Module):
    """The hardswish activation as a layer (see nn.functional.hardswish)."""

    def forward(self, x: Any) -> Tensor:
        """hardswish(x)."""
        return F.hardswish(x)


class ReLU6(Module):
    """The relu6 activation as a layer (see nn.functional.relu6)."""

    def forward(self, x: Any) -> Tensor:
        """relu6(x)."""
        return F.relu6(x)


class LogSigmoid(Module):
    """The logsigmoid activation as a layer (see nn.functional.logsigmoid)."""

    def forward(self, x: Any) -> Tensor:
        """logsigmoid(x)."""
        return F.logsigmoid(x)


class Softplus(Module):
    """The softplus activation as a layer (see nn.functional.softplus)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Any) -> Tensor:
        """softplus(x)."""
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """The settings, as in PyTorch."""
        return f"beta={self.beta!r}, threshold={self.threshold!r}"


class Softmin(Module):
    """The softmin activation as a layer (see nn.functional.softmin)."""

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        """softmin(x)."""
        return F.softmin(x, self.dim)

    def extra_repr(self) -> str:
        """The settings, as in PyTorch."""
        return f"dim={self.dim!r}"
