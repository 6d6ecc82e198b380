"""Tensor layers shaped like `torch.nn`: `Linear`, activations, `Dropout`, `Flatten`."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor, random_constant

from . import functional as F
from . import init
from .module import Module, Parameter


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class Linear(Module):
    """y = x Wᵀ + b with W of shape (out_features, in_features), PyTorch's default init."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 rng: np.random.Generator | int | None = None, dtype: Any = np.float64) -> None:
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
                raise TypeError(f"Linear: {name} must be a non-negative integer, got "
                                f"{type(n).__name__} {n!r}")
        self.in_features, self.out_features = in_features, out_features
        gen = np.random.default_rng(rng)
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        # (out, in) as in PyTorch, stored column-major: x Wᵀ is then a plain, fast matmul
        self.weight = Parameter(np.zeros((in_features, out_features)).T, dtype=dtype)
        init.uniform_(self.weight, -bound, bound, rng=gen)
        self.bias = None
        if bias:
            self.bias = Parameter(np.zeros(out_features), dtype=dtype)
            init.uniform_(self.bias, -bound, bound, rng=gen)

    def forward(self, x: Any) -> Tensor:
        """x Wᵀ + b."""
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        """Sizes shown in the repr, as in PyTorch."""
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """max(x, 0) elementwise."""

    def forward(self, x: Any) -> Tensor:
        """max(x, 0)."""
        return F.relu(x)


class LeakyReLU(Module):
    """x where x > 0, else negative_slope · x."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        """The leaky ReLU of x."""
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    """Hyperbolic tangent elementwise."""

    def forward(self, x: Any) -> Tensor:
        """tanh(x)."""
        return F.tanh(x)


class Sigmoid(Module):
    """Logistic sigmoid elementwise."""

    def forward(self, x: Any) -> Tensor:
        """sigmoid(x)."""
        return F.sigmoid(x)


class Softmax(Module):
    """Softmax along `dim`."""

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        """softmax(x) along dim."""
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log-softmax along `dim`."""

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        """log_softmax(x) along dim."""
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Dropout(Module):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p).

    In eval mode (or with p == 0) the input passes through unchanged.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None) -> None:
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must satisfy 0 <= p < 1, got {p}")
        self.p = p
        self.rng = np.random.default_rng(rng)

    def forward(self, x: Any) -> Tensor:
        """x with random elements zeroed (training) or x itself (eval)."""
        x = _tensor(x)
        if not self.training or self.p == 0.0:
            return x
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
        shape, p = x.shape, self.p
        # a random constant: a traced step (autograd.jit) draws a fresh mask at each replay
        mask = random_constant(lambda: ((self.rng.random(shape) >= p) / (1.0 - p)).astype(dtype))
        return x * mask

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one (keeping the batch axis by default)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Tensor:
        """x with the chosen dimensions merged."""
        return _tensor(x).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """Returns its input; extra arguments are accepted and ignored, as in PyTorch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def forward(self, x: Any) -> Any:
        """x, unchanged."""
        return x


__all__ = ["Linear", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax",
           "Dropout", "Flatten", "Identity"]
