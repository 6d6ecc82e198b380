"""Scalar `Value`: a drop-in for micrograd's, each op written beside its local derivative.

A derivative rule has the form `vjp(g, out, *inputs, **consts) -> one gradient per input`.
The walk calls it with floats (plain backward) or with the Value nodes themselves
(`create_graph=True`), so every rule only uses operations that work on both.
"""
from __future__ import annotations

import math
import numbers
import operator
from typing import Any, Callable, Iterable, Sequence

from .graph import Node, _mode, backprop

Rule = Callable[..., Sequence[Any]]


def _real(x: Any) -> float:
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        return float(x)
    raise TypeError(f"Value needs a real number, got {type(x).__name__}: {x!r}")


class Value(Node):
    """A scalar that remembers how it was computed, so `backward()` can find its gradients."""

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_vjp", "_ctx")

    def __init__(self, data: float, _children: Iterable[Value] = (), _op: str = "",
                 label: str = "") -> None:
        self.data = data if type(data) is float else _real(data)
        self.grad = 0.0
        self.label = label
        self._prev = tuple(_children)
        self._op = _op
        self._vjp = None
        self._ctx = None

    @staticmethod
    def _make(data: float, parents: tuple, op: str, vjp: Rule, ctx: dict | None = None) -> Value:
        """A new node made by an op; no graph is recorded under `no_grad()`."""
        out = _new(Value)
        out.data, out.grad, out.label = data, 0.0, ""
        if _mode.enabled:
            out._prev, out._op, out._vjp, out._ctx = parents, op, vjp, ctx
        else:
            out._prev, out._op, out._vjp, out._ctx = (), op, None, None
        return out

    # ---------------------------------------------------------------- arithmetic primitives
    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return _make(self.data + other.data, (self, other), "+", _add_vjp)

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return _make(self.data * other.data, (self, other), "*", _mul_vjp)

    def __truediv__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        if other.data == 0.0:
            raise ZeroDivisionError(f"div: {self.data} / 0.0")
        return _make(self.data / other.data, (self, other), "/", _div_vjp)

    def __pow__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return _make(_power(self.data, other.data), (self, other), "**", _pow_vjp)
        k = _real(other)
        return _make(_power(self.data, k), (self,), f"**{other}", _powc_vjp, {"k": k})

    # ---------------------------------------------------------------- unary primitives
    def exp(self) -> Value:
        return _make(_exp(self.data), (self,), "exp", _exp_vjp)

    def log(self) -> Value:
        if self.data <= 0.0:
            raise ValueError(f"log: input must be positive, got {self.data}")
        return _make(math.log(self.data), (self,), "log", _log_vjp)

    def sqrt(self) -> Value:
        if self.data < 0.0:
            raise ValueError(f"sqrt: input must be non-negative, got {self.data}")
        return _make(math.sqrt(self.data), (self,), "sqrt", _sqrt_vjp)

    def tanh(self) -> Value:
        return _make(math.tanh(self.data), (self,), "tanh", _tanh_vjp)

    def sigmoid(self) -> Value:
        return _make(_sigmoid(self.data), (self,), "sigmoid", _sigmoid_vjp)

    def relu(self) -> Value:
        return _make(self.data if self.data > 0.0 else 0.0, (self,), "ReLU", _relu_vjp)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        x = self.data
        return _make(x if x > 0.0 else negative_slope * x, (self,), "leaky_relu", _leaky_vjp,
                     {"slope": negative_slope})

    def softplus(self) -> Value:
        x = self.data  # log(1 + e^x) = max(x, 0) + log1p(e^-|x|), finite for any x
        return _make(max(x, 0.0) + math.log1p(math.exp(-abs(x))), (self,), "softplus",
                     _softplus_vjp)

    def __abs__(self) -> Value:
        return _make(abs(self.data), (self,), "abs", _abs_vjp)

    abs = __abs__

    def sin(self) -> Value:
        return _make(math.sin(self.data), (self,), "sin", _sin_vjp)

    def cos(self) -> Value:
        return _make(math.cos(self.data), (self,), "cos", _cos_vjp)

    # ---------------------------------------------------------------- n-ary primitives
    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One node for `v0 + v1 + ...` (instead of a chain of additions)."""
        vs = _values(tuple(values))
        return _make(math.fsum(map(_get_data, vs)), vs, "sum", _sum_vjp)

    @staticmethod
    def dot(ws: Sequence[Value], xs: Sequence[Value | float], bias: Value | float = 0.0) -> Value:
        """One node for `w0*x0 + w1*x1 + ... + bias`, as a neuron computes it."""
        if len(ws) != len(xs):
            raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs")
        vs = _values((*ws, *xs, bias))
        data = list(map(_get_data, vs))
        n = len(ws)
        return _make(sum(map(float.__mul__, data[:n], data[n:2 * n]), data[-1]), vs, "dot",
                     _dot_vjp)

    # ---------------------------------------------------------------- composites
    def __neg__(self) -> Value:  # -self
        return self * -1.0

    def __radd__(self, other: float) -> Value:  # other + self
        return self + other

    def __sub__(self, other: Value | float) -> Value:  # self - other
        return self + (-other)

    def __rsub__(self, other: float) -> Value:  # other - self
        return other + (-self)

    def __rmul__(self, other: float) -> Value:  # other * self
        return self * other

    def __rtruediv__(self, other: float) -> Value:  # other / self
        return Value(other) / self

    def __rpow__(self, other: float) -> Value:  # other ** self
        return Value(other) ** self

    # comparisons look at data only (so rules can branch on them); == stays identity
    def __lt__(self, other: Value | float) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Value | float) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Value | float) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Value | float) -> bool:
        return self.data >= _data(other)

    def __float__(self) -> float:
        return self.data

    # ---------------------------------------------------------------- graph
    def backward(self, gradient: float | Value | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`; set each interior node's.

        Calling it again adds to the leaves' gradients, as in micrograd and PyTorch; call
        `zero_grad()` (on a model or optimizer) between steps.
        """
        backprop([self], [self._seed(gradient)], create_graph)

    def detach(self) -> Value:
        """The same number as a new leaf, cut from the graph."""
        return Value(self.data, label=self.label)

    def zero_grad(self) -> None:
        """Reset this node's gradient to 0."""
        self.grad = 0.0

    def _accumulate(self, g: Any) -> None:
        self.grad = self.grad + g

    def _seed(self, gradient: Any) -> Any:
        return 1.0 if gradient is None else gradient if isinstance(gradient, Value) \
            else _real(gradient)

    def _zeros(self) -> float:
        return 0.0

    def _parent_grads(self, g: Any, create_graph: bool) -> Sequence[Any]:
        prev, ctx = self._prev, self._ctx
        if create_graph:
            inputs, out = prev, self
        else:
            inputs, out = list(map(_get_data, prev)), self.data
        if ctx is None:
            return self._vjp(g, out, *inputs)
        return self._vjp(g, out, *inputs, **ctx)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


_new = object.__new__
_make = Value._make
_get_data = operator.attrgetter("data")
_is_value = Value.__instancecheck__


def _values(xs: tuple) -> tuple:
    """`xs` with plain numbers wrapped as Values."""
    return xs if all(map(_is_value, xs)) else tuple(
        x if isinstance(x, Value) else Value(x) for x in xs)


def _data(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else x


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.78 else math.inf


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _power(x: float, k: float) -> float:
    if x < 0.0 and not k.is_integer():
        raise ValueError(f"pow: negative base {x} with non-integer exponent {k}")
    if x == 0.0 and k < 0.0:
        raise ZeroDivisionError(f"pow: 0.0 ** {k}")
    return x ** k


# Functions used inside rules: a method on a Value (create_graph), math on a float.
def _log_of(x):
    return x.log() if isinstance(x, Value) else math.log(x)


def _sigmoid_of(x):
    return x.sigmoid() if isinstance(x, Value) else _sigmoid(x)


def _sin_of(x):
    return x.sin() if isinstance(x, Value) else math.sin(x)


def _cos_of(x):
    return x.cos() if isinstance(x, Value) else math.cos(x)


# ------------------------------------------------------------------- derivative rules
def _add_vjp(g, out, a, b):  # d(a + b) = da + db
    return g, g


def _mul_vjp(g, out, a, b):  # d(ab) = b da + a db
    return g * b, g * a


def _div_vjp(g, out, a, b):  # d(a/b) = da/b - a/b² db
    return g / b, -g * out / b


def _pow_vjp(g, out, a, b):  # d(a^b) = b a^(b-1) da + a^b ln(a) db
    return g * b * a ** (b - 1.0), (g * out * _log_of(a) if a > 0.0 else g * math.nan)


def _powc_vjp(g, out, a, k):  # d(a^k) = k a^(k-1) da
    return (g * k * a ** (k - 1.0) if k != 0.0 else g * 0.0,)


def _exp_vjp(g, out, a):  # d e^a = e^a da
    return (g * out,)


def _log_vjp(g, out, a):  # d ln a = da / a
    return (g / a,)


def _sqrt_vjp(g, out, a):  # d √a = da / (2√a)
    return (g / (2.0 * out),)


def _tanh_vjp(g, out, a):  # d tanh = (1 - tanh²) da
    return (g * (1.0 - out * out),)


def _sigmoid_vjp(g, out, a):  # d σ = σ (1 - σ) da
    return (g * out * (1.0 - out),)


def _relu_vjp(g, out, a):  # 1 where a > 0, else 0
    return (g * (1.0 if a > 0.0 else 0.0),)


def _leaky_vjp(g, out, a, slope):  # 1 where a > 0, else slope
    return (g * (1.0 if a > 0.0 else slope),)


def _softplus_vjp(g, out, a):  # d log(1 + e^a) = σ(a) da
    return (g * _sigmoid_of(a),)


def _abs_vjp(g, out, a):  # sign(a), 0 at 0
    return (g * (1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0),)


def _sin_vjp(g, out, a):  # d sin = cos da
    return (g * _cos_of(a),)


def _cos_vjp(g, out, a):  # d cos = -sin da
    return (-g * _sin_of(a),)


def _sum_vjp(g, out, *xs):  # every term gets g
    return (g,) * len(xs)


def _dot_vjp(g, out, *wxb):  # d(Σ wᵢxᵢ + b): wᵢ gets g·xᵢ, xᵢ gets g·wᵢ, b gets g
    n = (len(wxb) - 1) // 2
    return [g * x for x in wxb[n:2 * n]] + [g * w for w in wxb[:n]] + [g]


# Every differentiable scalar op, by the name it gets in the graph (pow by a constant is
# drawn as "**k"); the tests check each one has a spec.
RULES: dict[str, Rule] = {
    "+": _add_vjp, "*": _mul_vjp, "/": _div_vjp, "**": _pow_vjp, "**k": _powc_vjp,
    "exp": _exp_vjp, "log": _log_vjp, "sqrt": _sqrt_vjp, "tanh": _tanh_vjp,
    "sigmoid": _sigmoid_vjp, "ReLU": _relu_vjp, "leaky_relu": _leaky_vjp,
    "softplus": _softplus_vjp, "abs": _abs_vjp, "sin": _sin_vjp, "cos": _cos_vjp,
    "sum": _sum_vjp, "dot": _dot_vjp,
}
