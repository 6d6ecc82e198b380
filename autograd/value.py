"""Scalar `Value`: a drop-in for micrograd's. Each op is written once, as a forward on
floats beside its local derivative rule, and the Value methods are one-liners over them.

A rule has the form `vjp(g, out, *inputs, **consts) -> one gradient per input`. The walk
calls it with floats (plain backward) or with the Value nodes themselves
(`create_graph=True`), so every rule only uses operations that work on both. Rules are
module-level functions, never closures over a node, so a graph holds no reference cycle.
"""
from __future__ import annotations

import math
import numbers
import operator
from typing import Any, Iterable, Sequence

from .graph import Node, _mode, backprop
from .primitive import VALUE_OPS, Primitive, defop


def _real(x: Any) -> float:
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        return float(x)
    raise TypeError(f"Value needs a real number, got {type(x).__name__}: {x!r}")


def _op(name: str, label: str, forward, vjp) -> Primitive:
    return defop(name, forward, vjp=vjp, label=label, registry=VALUE_OPS)


# Functions used inside rules: a method on a Value (create_graph), math on a float.
def _log_of(x):
    return x.log() if isinstance(x, Value) else math.log(x)


def _sigmoid_of(x):
    return x.sigmoid() if isinstance(x, Value) else _sigmoid(x)


def _sin_of(x):
    return x.sin() if isinstance(x, Value) else _sin(x)


def _cos_of(x):
    return x.cos() if isinstance(x, Value) else _cos(x)


def _div(a, b):
    """a / b, with IEEE's inf or nan (as torch) for a zero float divisor."""
    if isinstance(a, Value) or isinstance(b, Value) or b != 0.0:
        return a / b
    return math.nan if a == 0.0 or a != a else math.copysign(math.inf, a) * math.copysign(1.0, b)


def _fpow(a: float, b: float) -> float:
    """a ** b for floats with torch's answers: inf for overflow and for 0 to a negative power."""
    try:
        return a ** b
    except (OverflowError, ZeroDivisionError):  # too big, or 0.0 ** negative: ±inf
        return math.copysign(math.inf, a) if float(b).is_integer() and b % 2 else math.inf


def _pow_of(a, b):
    return a ** b if isinstance(a, Value) or isinstance(b, Value) else _fpow(a, b)


# ------------------------------------------------------------------- binary
ADD = _op("add", "+", operator.add,
          lambda g, out, a, b: (g, g))  # d(a + b) = da + db
MUL = _op("mul", "*", operator.mul,
          lambda g, out, a, b: (g * b, g * a))  # d(ab) = b da + a db


DIV = _op("div", "/", _div,
          lambda g, out, a, b: (_div(g, b), _div(-g * out, b)))  # d(a/b) = da/b - a/b² db


def _power(a: float, b: float | None = None, k: float | None = None) -> float:
    b = k if b is None else b
    if a < 0.0 and not b.is_integer():
        raise ValueError(f"pow: negative base {a} with non-integer exponent {b}")
    return _fpow(a, b)


def _pow_vjp(g, out, a, b=None, k=None):  # d(a^b) = b a^(b-1) da + a^b ln(a) db
    if b is None:  # a constant exponent k: only the base gets a gradient
        return (g * k * _pow_of(a, k - 1.0) if k != 0.0 else g * 0.0,)
    return g * b * _pow_of(a, b - 1.0), (g * out * _log_of(a) if a > 0.0 else g * math.nan)


POW = _op("pow", "**", _power, _pow_vjp)

# ------------------------------------------------------------------- unary


def _exp(x: float) -> float:
    return math.inf if x > 709.78 else math.exp(x)  # nan stays nan


def _sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else math.nan  # sin(±inf) is nan, as in torch


def _cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else math.nan


def _fsum(xs: tuple) -> float:
    """The correctly rounded sum; inf or nan (as plain addition gives) where fsum refuses."""
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):  # an intermediate overflow, or inf + -inf
        return sum(xs, 0.0)


def _log(x: float) -> float:
    if x <= 0.0:
        raise ValueError(f"log: input must be positive, got {x}")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt: input must be non-negative, got {x}")
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:  # log(1 + e^x) = max(x, 0) + log1p(e^-|x|), finite for any x
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


EXP = _op("exp", "exp", _exp,
          lambda g, out, a: (g * out,))  # d e^a = e^a da
LOG = _op("log", "log", _log,
          lambda g, out, a: (_div(g, a),))  # d ln a = da / a
SQRT = _op("sqrt", "sqrt", _sqrt,
           lambda g, out, a: (_div(g, 2.0 * out),))  # d √a = da / (2√a)
TANH = _op("tanh", "tanh", math.tanh,
           lambda g, out, a: (g * (1.0 - out * out),))  # d tanh = (1 - tanh²) da
SIGMOID = _op("sigmoid", "sigmoid", _sigmoid,
              lambda g, out, a: (g * out * (1.0 - out),))  # d σ = σ (1 - σ) da
RELU = _op("relu", "ReLU", lambda a: a if a > 0.0 else 0.0,
           lambda g, out, a: (g * (1.0 if a > 0.0 else 0.0),))  # 1 where a > 0, else 0
LEAKY_RELU = _op("leaky_relu", "leaky_relu",
                 lambda a, slope: a if a > 0.0 else slope * a,
                 lambda g, out, a, slope: (g * (1.0 if a > 0.0 else slope),))
SOFTPLUS = _op("softplus", "softplus", _softplus,
               lambda g, out, a: (g * _sigmoid_of(a),))  # d log(1 + e^a) = σ(a) da
ABS = _op("abs", "abs", abs,
          lambda g, out, a: (g * (1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0),))  # sign(a)
SIN = _op("sin", "sin", _sin,
          lambda g, out, a: (g * _cos_of(a),))  # d sin = cos da
COS = _op("cos", "cos", _cos,
          lambda g, out, a: (-g * _sin_of(a),))  # d cos = -sin da

# ------------------------------------------------------------------- n-ary
SUM = _op("sum", "sum", lambda *xs: _fsum(xs),
          lambda g, out, *xs: (g,) * len(xs))  # every term gets g


def _dot(*wxb: float) -> float:  # Σ wᵢxᵢ + b, for n weights, n inputs and a bias
    n = (len(wxb) - 1) // 2
    return sum(map(float.__mul__, wxb[:n], wxb[n:2 * n]), wxb[-1])


def _dot_vjp(g, out, *wxb):  # wᵢ gets g·xᵢ, xᵢ gets g·wᵢ, b gets g
    n = (len(wxb) - 1) // 2
    return [g * x for x in wxb[n:2 * n]] + [g * w for w in wxb[:n]] + [g]


DOT = _op("dot", "dot", _dot, _dot_vjp)


class Value(Node):
    """A scalar that remembers how it was computed, so `backward()` can find its gradients."""

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_prim", "_ctx")

    def __init__(self, data: float, _children: Iterable[Value] = (), _op: str = "",
                 label: str = "") -> None:
        self.data = data if type(data) is float else _real(data)
        self.grad = 0.0
        self.label = label
        self._prev = tuple(_children)
        self._op = _op
        self._prim = None
        self._ctx = None

    # ---------------------------------------------------------------- ops
    def __add__(self, other: Value | float) -> Value:
        """self + other."""
        return _binary(ADD, self, other)

    def __mul__(self, other: Value | float) -> Value:
        """self * other."""
        return _binary(MUL, self, other)

    def __truediv__(self, other: Value | float) -> Value:
        """self / other."""
        return _binary(DIV, self, other)

    def __pow__(self, other: Value | float) -> Value:
        """self ** other; a plain-number exponent is a constant, drawn as "**k"."""
        if isinstance(other, Value):
            return _binary(POW, self, other)
        k = _real(other)
        return _make(_power(self.data, k=k), (self,), POW, {"k": k}, f"**{other}")

    def exp(self) -> Value:
        """e ** self."""
        return _unary(EXP, self)

    def log(self) -> Value:
        """Natural logarithm (raises ValueError unless positive)."""
        return _unary(LOG, self)

    def sqrt(self) -> Value:
        """Square root (raises ValueError when negative)."""
        return _unary(SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-self), accurate for any input."""
        return _unary(SIGMOID, self)

    def relu(self) -> Value:
        """max(self, 0); its derivative at 0 is 0."""
        return _unary(RELU, self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """self where positive, else negative_slope * self."""
        return apply(LEAKY_RELU, self, slope=negative_slope)

    def softplus(self) -> Value:
        """log(1 + e^self), finite for any input."""
        return _unary(SOFTPLUS, self)

    def __abs__(self) -> Value:
        """|self|; its derivative at 0 is 0."""
        return _unary(ABS, self)

    abs = __abs__

    def sin(self) -> Value:
        """Sine."""
        return _unary(SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return _unary(COS, self)

    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One node for `v0 + v1 + ...` (instead of a chain of additions)."""
        return apply(SUM, *values)

    @staticmethod
    def dot(ws: Sequence[Value], xs: Sequence[Value | float], bias: Value | float = 0.0) -> Value:
        """One node for `w0*x0 + w1*x1 + ... + bias`, as a neuron computes it."""
        if len(ws) != len(xs):
            raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs")
        return apply(DOT, *ws, *xs, bias)

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
            return self._prim.vjp(g, out, *inputs)
        return self._prim.vjp(g, out, *inputs, **ctx)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


_new = object.__new__
_get_data = operator.attrgetter("data")
_is_value = Value.__instancecheck__


def _make(data: float, parents: tuple, prim: Primitive, ctx: dict | None = None,
          label: str | None = None) -> Value:
    """A new node made by `prim`; no graph is recorded under `no_grad()`."""
    out = _new(Value)
    out.data, out.grad, out.label = data, 0.0, ""
    out._op = prim.label if label is None else label
    if _mode.enabled:
        out._prev, out._prim, out._ctx = parents, prim, ctx
    else:
        out._prev, out._prim, out._ctx = (), None, None
    return out


def _unary(prim: Primitive, a: Value) -> Value:
    return _make(prim.forward(a.data), (a,), prim)


def _binary(prim: Primitive, a: Value, b: Value | float) -> Value:
    b = b if isinstance(b, Value) else Value(b)
    return _make(prim.forward(a.data, b.data), (a, b), prim)


def apply(prim: Primitive, *inputs: Any, **consts: Any) -> Value:
    """Run `prim` on Values (numbers become constant leaves); record the graph."""
    values = _values(inputs)
    out = prim.forward(*map(_get_data, values), **consts)
    return _make(float(out[0] if prim.residuals else out), values, prim, consts or None)


def _values(xs: tuple) -> tuple:
    """`xs` with plain numbers wrapped as Values."""
    return xs if all(map(_is_value, xs)) else tuple(
        x if isinstance(x, Value) else Value(x) for x in xs)


def _data(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else x
