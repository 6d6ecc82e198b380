"""Tensor's elementwise math and activations, in PyTorch's names and with its gradients.

Most are compositions of primitives (the gradient follows); the comments give torch's
choice at a kink where the composition has to be arranged to match it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import ops
from .ops_math import acos, acosh, asin, asinh, atan, atanh, cosh, erf, expm1, fmod, log1p, \
    remainder, rounding, sinh
from .tensor_args import _data, _where

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946



class TensorMath:
    """Mixin of Tensor: arithmetic methods, elementwise functions and activations."""

    __slots__ = ()

    # ---------------------------------------------------------------- arithmetic
    def add(self, other, alpha: float = 1) -> Tensor:
        """self + alpha * other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha: float = 1) -> Tensor:
        """self - alpha * other."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other) -> Tensor:
        """Elementwise product."""
        return self * other

    def div(self, other, rounding_mode: str | None = None) -> Tensor:
        """self / other, rounded by `rounding_mode` "trunc" or "floor" when given."""
        if rounding_mode not in (None, "trunc", "floor"):
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{rounding_mode!r}")
        out = self / other
        return out if rounding_mode is None else self._apply(rounding, out, mode=rounding_mode)

    def pow(self, exponent) -> Tensor:
        """self ** exponent."""
        return self ** exponent

    def neg(self) -> Tensor:
        """-self."""
        return -self

    def reciprocal(self) -> Tensor:
        """1 / self."""
        return 1 / self

    def matmul(self, other) -> Tensor:
        """Matrix product (self @ other)."""
        return self @ other

    def dot(self, other) -> Tensor:
        """Inner product of two 1-D tensors."""
        if self.ndim != 1 or np.ndim(_data(other)) != 1:
            raise ValueError(f"dot: expected two 1-D tensors, got shapes {self.shape} and "
                             f"{np.shape(_data(other))}")
        return self @ other

    # ---------------------------------------------------------------- elementwise
    def exp(self) -> Tensor: return self._apply(ops.exp, self)  # noqa: E704
    def log(self) -> Tensor: return self._apply(ops.log, self)  # noqa: E704
    def sqrt(self) -> Tensor: return self._apply(ops.sqrt, self)  # noqa: E704
    def abs(self) -> Tensor: return self._apply(ops.absolute, self)  # noqa: E704
    def sin(self) -> Tensor: return self._apply(ops.sin, self)  # noqa: E704
    def cos(self) -> Tensor: return self._apply(ops.cos, self)  # noqa: E704
    def tanh(self) -> Tensor: return self._apply(ops.tanh, self)  # noqa: E704
    def sigmoid(self) -> Tensor: return self._apply(ops.sigmoid, self)  # noqa: E704
    def relu(self) -> Tensor: return self._apply(ops.relu, self)  # noqa: E704
    def asin(self) -> Tensor: return self._apply(asin, self)  # noqa: E704
    def acos(self) -> Tensor: return self._apply(acos, self)  # noqa: E704
    def atan(self) -> Tensor: return self._apply(atan, self)  # noqa: E704
    def sinh(self) -> Tensor: return self._apply(sinh, self)  # noqa: E704
    def cosh(self) -> Tensor: return self._apply(cosh, self)  # noqa: E704
    def asinh(self) -> Tensor: return self._apply(asinh, self)  # noqa: E704
    def acosh(self) -> Tensor: return self._apply(acosh, self)  # noqa: E704
    def atanh(self) -> Tensor: return self._apply(atanh, self)  # noqa: E704
    def erf(self) -> Tensor: return self._apply(erf, self)  # noqa: E704
    def log1p(self) -> Tensor: return self._apply(log1p, self)  # noqa: E704
    def expm1(self) -> Tensor: return self._apply(expm1, self)  # noqa: E704
    def tan(self) -> Tensor: return self.sin() / self.cos()  # noqa: E704
    def exp2(self) -> Tensor: return 2.0 ** self  # noqa: E704
    def log2(self) -> Tensor: return self.log() * (1 / math.log(2))  # noqa: E704
    def log10(self) -> Tensor: return self.log() * (1 / math.log(10))  # noqa: E704
    def rsqrt(self) -> Tensor: return 1 / self.sqrt()  # noqa: E704
    def square(self) -> Tensor: return self * self  # noqa: E704
    for _name, _doc in [("exp", "eˣ"), ("log", "ln x"), ("sqrt", "√x"), ("abs", "|x|"),
                        ("sin", "sin x"), ("cos", "cos x"), ("tanh", "tanh x"),
                        ("sigmoid", "1 / (1 + e⁻ˣ)"), ("relu", "max(x, 0)"),
                        ("asin", "arcsin x"), ("acos", "arccos x"), ("atan", "arctan x"),
                        ("sinh", "sinh x"), ("cosh", "cosh x"), ("asinh", "arsinh x"),
                        ("acosh", "arcosh x"), ("atanh", "artanh x"),
                        ("erf", "the error function"), ("log1p", "ln(1 + x), exact near 0"),
                        ("expm1", "eˣ - 1, exact near 0"), ("tan", "tan x"), ("exp2", "2ˣ"),
                        ("log2", "log₂ x"), ("log10", "log₁₀ x"), ("rsqrt", "1 / √x"),
                        ("square", "x²")]:
        locals()[_name].__doc__ = f"Elementwise {_doc}."
    del _name, _doc
    __abs__ = abs

    def _round(self, mode: str) -> Tensor:
        return self._apply(rounding, self, mode=mode)

    def sign(self) -> Tensor:
        """-1, 0 or 1 by the sign (zero gradient)."""
        return self._round("sign")

    def floor(self) -> Tensor:
        """Round down (zero gradient)."""
        return self._round("floor")

    def ceil(self) -> Tensor:
        """Round up (zero gradient)."""
        return self._round("ceil")

    def trunc(self) -> Tensor:
        """Round toward zero (zero gradient)."""
        return self._round("trunc")

    def round(self, decimals: int = 0) -> Tensor:
        """Round half to even, at `decimals` places (zero gradient)."""
        if decimals == 0:
            return self._round("round")
        scale = 10.0 ** decimals
        return (self * scale)._round("round") / scale

    def frac(self) -> Tensor:
        """The fractional part, self - trunc(self) (gradient 1)."""
        return self - self.trunc()

    def fmod(self, other) -> Tensor:
        """Remainder of division with the sign of self (C's fmod)."""
        return self._apply(fmod, self, other)

    def remainder(self, other) -> Tensor:
        """Remainder of division with the sign of other (Python's %)."""
        return self._apply(remainder, self, other)

    def copysign(self, other) -> Tensor:
        """|self| with the sign of other (no gradient to other, as torch)."""
        return self.abs() * np.where(np.signbit(_data(other)), -1.0, 1.0).astype(self.dtype)

    def logaddexp(self, other) -> Tensor:
        """ln(eˢᵉˡᶠ + eᵒᵗʰᵉʳ), without overflow."""
        other = other if hasattr(other, "_prim") else self._make(np.asarray(other, self.dtype))
        shape = np.broadcast_shapes(self.shape, other.shape)
        return self._apply(ops.stack, self.expand(shape), other.expand(shape), axis=0).logsumexp(0)

    def lerp(self, end, weight) -> Tensor:
        """self + weight * (end - self)."""
        return self + weight * (end - self)

    def hypot(self, other) -> Tensor:
        """√(self² + other²)."""
        return (self * self + other * other).sqrt()

    def isnan(self) -> Tensor:
        """True where the element is nan."""
        return self._make(np.isnan(self.data))

    def isinf(self) -> Tensor:
        """True where the element is ±inf."""
        return self._make(np.isinf(self.data))

    def isfinite(self) -> Tensor:
        """True where the element is neither nan nor ±inf."""
        return self._make(np.isfinite(self.data))

    def isclose(self, other, rtol: float = 1e-5, atol: float = 1e-8,
                equal_nan: bool = False) -> Tensor:
        """True where |self - other| <= atol + rtol |other|."""
        return self._make(np.isclose(self.data, _data(other), rtol, atol, equal_nan))

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:
        """nan, +inf and -inf replaced by numbers (the dtype's extremes by default)."""
        fixed = np.nan_to_num(self.data, nan=nan, posinf=posinf, neginf=neginf)
        return _where(self, np.isfinite(self.data), self, fixed)

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where `condition` holds, else `other` (PyTorch's `x.where(cond, y)`)."""
        return _where(self, condition, self, other)

    def maximum(self, other) -> Tensor:
        """Elementwise maximum (ties share the gradient)."""
        return self._apply(ops.maximum, self, other)

    def minimum(self, other) -> Tensor:
        """Elementwise minimum (ties share the gradient)."""
        return self._apply(ops.minimum, self, other)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Values limited to [min, max]; the gradient is zero where a limit applies."""
        return self._apply(ops.clip, self, low=min, high=max)

    clamp = clip

    # ---------------------------------------------------------------- activations
    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x for x > 0, else negative_slope * x."""
        return self._apply(ops.leaky_relu, self, slope=negative_slope)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        """ln(1 + e^(βx)) / β, and x itself where βx > threshold (as torch)."""
        z = self if beta == 1 else self * beta
        smooth = self._apply(ops.softplus, z)
        return _where(self, z.data > threshold, self, smooth if beta == 1 else smooth / beta)

    def logsigmoid(self) -> Tensor:
        """ln σ(x) = -softplus(-x)."""
        return -self._apply(ops.softplus, -self)

    def silu(self) -> Tensor:
        """x σ(x) (also called swish)."""
        return self * self.sigmoid()

    def gelu(self, approximate: str = "none") -> Tensor:
        """x Φ(x) with the normal CDF Φ; `approximate="tanh"` uses torch's tanh formula."""
        if approximate == "none":
            return self * (0.5 + 0.5 * (self * (1 / math.sqrt(2))).erf())
        if approximate == "tanh":
            inner = (self + 0.044715 * self * self * self) * math.sqrt(2 / math.pi)
            return self * (0.5 + 0.5 * inner.tanh())
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")

    def elu(self, alpha: float = 1.0) -> Tensor:
        """x for x > 0, else α(eˣ - 1); the gradient at 0 is α (torch's)."""
        return self.relu() + alpha * self.clip(max=0.0).expm1()  # clip: no overflow in exp

    def selu(self) -> Tensor:
        """scale * elu(x, α) with the self-normalizing constants."""
        return _SELU_SCALE * self.elu(_SELU_ALPHA)

    def celu(self, alpha: float = 1.0) -> Tensor:
        """x for x > 0, else α(e^(x/α) - 1)."""
        return self.relu() + alpha * (self.clip(max=0.0) * (1 / alpha)).expm1()

    def mish(self) -> Tensor:
        """x tanh(softplus(x))."""
        return self * self._apply(ops.softplus, self).tanh()

    def softsign(self) -> Tensor:
        """x / (1 + |x|)."""
        return self / (1 + self.abs())

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
        """x limited to [min_val, max_val]; zero gradient at the limits too (torch's)."""
        inside = (self.data > min_val) & (self.data < max_val)
        return _where(self, inside, self, np.clip(self.data, min_val, max_val))

    def relu6(self) -> Tensor:
        """min(max(x, 0), 6)."""
        return self.hardtanh(0.0, 6.0)

    def hardsigmoid(self) -> Tensor:
        """relu6(x + 3) / 6, zero gradient at ±3 (torch's)."""
        return self.hardtanh(-3.0, 3.0) * (1 / 6) + 0.5

    def hardswish(self) -> Tensor:
        """x relu6(x + 3) / 6; the gradient at -3 and 3 is 0 and 1 (torch's)."""
        return self * self.hardsigmoid()
