"""Hypothesis strategies for testing code built on `autograd`: numbers, Values, arrays, Tensors.

Every strategy is bounded (no nan, no inf, no subnormals), and `domain(op)` draws only where
an op is smooth and well conditioned, so finite differences agree with the derivative rules.
`expressions()` draws whole random expression graphs with shared subexpressions::

    from hypothesis import given
    from autograd import testing
    from autograd.gradcheck import gradcheck

    @given(testing.expressions())
    def test_random_graphs(expr):          # expr prints as its formula when a test fails
        assert gradcheck(expr, expr.leaves)

    @given(testing.tensors(shape=(2, 3)), testing.domain("log"))
    def test_scaled_log(t, c):
        assert gradcheck(lambda x: (x * x + c).log(), [t])

This module registers no hypothesis profile: choose one in your conftest.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

from .tensor import Tensor
from .value import Value

__all__ = ["floats", "DOMAINS", "AVOID", "domain", "values", "expressions", "Expression",
           "shapes", "arrays", "broadcastable_shapes", "tensors"]

Shape = tuple[int, ...]


def floats(min_value: float = -10.0, max_value: float = 10.0) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value]: no nan, no inf, no subnormals."""
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


_REAL = (-5.0, 5.0)

# Where each op (by its name, which a Value op and a Tensor primitive share) is smooth and
# well conditioned for central differences. For a binary op the bounds are for the argument
# that constrains it: the divisor of "div", the base of a power; the other argument may be anything
# in _REAL (a power's exponent: [-2, 2]).
DOMAINS: dict[str, tuple[float, float]] = {
    **dict.fromkeys(["sum", "dot", "add", "sub", "neg", "mul", "matmul", "linear",
                     "where", "mean", "cross_entropy", "max", "min", "logsumexp", "log_softmax", "reshape", "transpose",
                     "expand", "getitem", "scatter_add", "concatenate", "stack", "sin",
                     "cos"], _REAL),
    "exp": (-4.0, 4.0), "tanh": (-4.0, 4.0), "sigmoid": (-8.0, 8.0), "softplus": (-8.0, 8.0),
    "log": (0.1, 10.0), "sqrt": (0.1, 10.0),  # positive, away from the pole at 0
    "div": _REAL,  # the divisor, kept away from 0 (see AVOID)
    "pow": (0.2, 4.0),  # a positive base
    **dict.fromkeys(["abs", "relu", "leaky_relu"], _REAL),  # kink at 0 (see AVOID)
    "clip": (-3.0, 3.0),  # kinks at the clip bounds -1 and 1 (see AVOID)
    "maximum": _REAL, "minimum": _REAL,  # first argument; see AVOID
    **dict.fromkeys(["asin", "acos", "atanh"], (-0.9, 0.9)),  # inside (-1, 1), off the poles
    **dict.fromkeys(["atan", "asinh", "sinh", "cosh", "erf"], (-3.0, 3.0)),
    "acosh": (1.1, 5.0), "log1p": (-0.9, 5.0), "expm1": (-4.0, 4.0),
    "rounding": _REAL,  # piecewise constant: off the steps at integers and halves (AVOID)
    "fmod": (-0.8, 0.8), "remainder": (-0.8, 0.8),  # the dividend; divisors |b| in [1, 2]
    **dict.fromkeys(["astype", "cumsum", "einsum"], _REAL),
    "cumprod": (-2.0, 2.0),
}
DOMAINS.update(dict.fromkeys(["lstm_gates", "lstm_c", "lstm_h"], (-3.0, 3.0)))  # gates, state
DOMAINS.update(dict.fromkeys(["pad", "windows", "fold", "max_pool"], _REAL))  # windows.py

# Points each op's argument keeps away from, and by how much: kinks (abs, relu, clip) and
# poles (a divisor). maximum/minimum keep their first argument 1 away from 0 so it never
# ties a second argument drawn from [-0.5, 0.5], while either argument can be the larger.
AVOID: dict[str, tuple[tuple[float, ...], float]] = {
    **dict.fromkeys(["abs", "relu", "leaky_relu"], ((0.0,), 0.05)),
    "div": ((0.0,), 0.5),
    "clip": ((-1.0, 1.0), 0.05),
    "maximum": ((0.0,), 1.0), "minimum": ((0.0,), 1.0),
    "rounding": (tuple(k / 2 for k in range(-10, 11)), 0.125),
    # |a| >= 0.2 and |b| in [1, 2]: a / b keeps off the integers where the quotient steps
    "fmod": ((0.0,), 0.2), "remainder": ((0.0,), 0.2),
}


def _pieces(low: float, high: float, avoid: Sequence[float], gap: float) -> list[tuple]:
    """[low, high] less the open intervals (p - gap, p + gap), as closed pieces."""
    pieces, start = [], low
    for p in sorted(avoid):
        if p - gap > start:
            pieces.append((start, min(p - gap, high)))
        start = max(start, p + gap)
    if start < high:
        pieces.append((start, high))
    return [(a, b) for a, b in pieces if a < b]


def domain(op: str) -> st.SearchStrategy[float]:
    """Floats where `op` (a Value rule or Tensor primitive name) is smooth and well conditioned."""
    if op not in DOMAINS:
        raise KeyError(f"domain: no domain for op {op!r}; known: {sorted(DOMAINS)}")
    low, high = DOMAINS[op]
    avoid, gap = AVOID.get(op, ((), 0.0))
    return st.one_of([floats(a, b) for a, b in _pieces(low, high, avoid, gap)])


def values(op: str | None = None, min_value: float = -10.0,
           max_value: float = 10.0) -> st.SearchStrategy[Value]:
    """Leaf `Value`s: in `op`'s domain when given, else in [min_value, max_value]."""
    numbers = domain(op) if op is not None else floats(min_value, max_value)
    return numbers.map(Value)


# ------------------------------------------------------------------ random expression graphs
@dataclass(frozen=True)
class _Op:
    arity: int
    template: str  # the formula, with {0}, {1}, ... for the operands
    build: Callable[..., Any]  # on Values (rebuilding) and on floats (drawing)


def _sig(x):
    return x.sigmoid() if isinstance(x, Value) else 1.0 / (1.0 + math.exp(-x))


def _softplus(x):
    return x.softplus() if isinstance(x, Value) else math.log1p(math.exp(x))


def _call(method: str, fallback: Callable[[float], float]) -> Callable[[Any], Any]:
    return lambda x: getattr(x, method)() if isinstance(x, Value) else fallback(x)


_tanh, _sin, _cos = _call("tanh", math.tanh), _call("sin", math.sin), _call("cos", math.cos)
_exp, _sqrt = _call("exp", math.exp), _call("sqrt", math.sqrt)
_log = _call("log", math.log)

# Smooth everywhere on the reals and free of domain errors, whatever the operands.
_EXPRESSION_OPS: dict[str, _Op] = {
    "add": _Op(2, "{0} + {1}", lambda a, b: a + b),
    "sub": _Op(2, "{0} - {1}", lambda a, b: a - b),
    "mul": _Op(2, "{0} * {1}", lambda a, b: a * b),
    "tanh": _Op(1, "tanh({0})", _tanh),
    "sigmoid": _Op(1, "sigmoid({0})", _sig),
    "sin": _Op(1, "sin({0})", _sin),
    "cos": _Op(1, "cos({0})", _cos),
    "softplus": _Op(1, "softplus({0})", _softplus),
    "exp_tanh": _Op(1, "exp(tanh({0}))", lambda a: _exp(_tanh(a))),
    "rational": _Op(1, "{0} / (1 + {0} * {0})", lambda a: a / (1.0 + a * a)),
    "hypot1": _Op(1, "sqrt(1 + {0} ** 2)", lambda a: _sqrt(1.0 + a ** 2)),
    "log1sq": _Op(1, "log(1 + {0} * {0})", lambda a: _log(1.0 + a * a)),
    "div1sq": _Op(2, "{0} / (1 + {1} ** 2)", lambda a, b: a / (1.0 + b ** 2)),
    "sum3": _Op(3, "Value.sum([{0}, {1}, {2}])",
                lambda a, b, c: Value.sum([a, b, c]) if _any_value(a, b, c) else a + b + c),
    "dot2": _Op(5, "Value.dot([{0}, {1}], [{2}, {3}], {4})",
                lambda w0, w1, x0, x1, b: Value.dot([w0, w1], [x0, x1], b)
                if _any_value(w0, w1, x0, x1, b) else w0 * x0 + w1 * x1 + b),
}

_BOUND = 10.0  # drawn graphs keep every intermediate value within +-_BOUND


def _any_value(*xs: Any) -> bool:
    return any(isinstance(x, Value) for x in xs)


class Expression:
    """A drawn expression graph over scalar leaves; call it with leaf values to rebuild it."""

    def __init__(self, leaves: list[float], steps: list[tuple[str, tuple[int, ...]]],
                 outputs: tuple[int, ...]) -> None:
        self.leaves = leaves
        self.steps = steps  # (op, operand node indices); node i < len(leaves) is leaf i
        self.outputs = outputs  # nodes no step consumes; the result is their sum

    __name__ = "Expression"

    def __call__(self, *leaf_values: Value | float) -> Value:
        """The graph rebuilt on `leaf_values` (one per leaf), as a Value."""
        if len(leaf_values) != len(self.leaves):
            raise TypeError(f"expression takes {len(self.leaves)} leaves, "
                            f"got {len(leaf_values)}")
        nodes = [x if isinstance(x, Value) else Value(x) for x in leaf_values]
        for op, args in self.steps:
            nodes.append(_EXPRESSION_OPS[op].build(*(nodes[i] for i in args)))
        outs = [nodes[i] for i in self.outputs]
        return outs[0] if len(outs) == 1 else Value.sum(outs)

    def _name(self, i: int) -> str:
        return f"x{i}" if i < len(self.leaves) else f"v{i}"

    def __repr__(self) -> str:
        lines = [f"x{i} = {x!r}" for i, x in enumerate(self.leaves)]
        for k, (op, args) in enumerate(self.steps, start=len(self.leaves)):
            formula = _EXPRESSION_OPS[op].template.format(*(self._name(i) for i in args))
            lines.append(f"v{k} = {formula}")
        outs = [self._name(i) for i in self.outputs]
        lines.append("out = " + (outs[0] if len(outs) == 1 else " + ".join(outs)))
        return "Expression(" + "; ".join(lines) + ")"


@st.composite
def expressions(draw: Callable, n_leaves: tuple[int, int] = (1, 4), max_ops: int = 8,
                leaf_values: st.SearchStrategy[float] | None = None) -> Expression:
    """A random expression DAG whose nodes reuse any earlier node (shared subexpressions)."""
    leaves = draw(st.lists(leaf_values or floats(-2.0, 2.0), min_size=n_leaves[0],
                           max_size=n_leaves[1]))
    data = list(leaves)
    steps: list[tuple[str, tuple[int, ...]]] = []
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(st.sampled_from(sorted(_EXPRESSION_OPS)))
        spec = _EXPRESSION_OPS[op]
        args = tuple(draw(st.integers(0, len(data) - 1)) for _ in range(spec.arity))
        result = spec.build(*(data[i] for i in args))
        if not abs(result) <= _BOUND:  # keep the graph well scaled for finite differences
            op, args, result = "tanh", args[:1], math.tanh(data[args[0]])
        steps.append((op, args))
        data.append(result)
    used = {i for _, args in steps for i in args}
    outputs = tuple(i for i in range(len(data)) if i not in used and i >= len(leaves))
    if not outputs:  # no steps: the result is the sum of the leaves
        outputs = tuple(range(len(leaves)))
    return Expression(leaves, steps, outputs)


# ------------------------------------------------------------------ arrays and tensors
def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 4,
           min_side: int = 1) -> st.SearchStrategy[Shape]:
    """Array shapes with min_dims..max_dims axes of min_side..max_side elements."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(n: int = 2, min_dims: int = 0, max_dims: int = 3, max_side: int = 4,
                         min_side: int = 1) -> st.SearchStrategy[tuple[Shape, ...]]:
    """A tuple of `n` shapes that broadcast together (sizes 1 and missing axes included)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda b: b.input_shapes)


def arrays(shape: Shape | st.SearchStrategy[Shape], min_value: float = -10.0,
           max_value: float = 10.0, dtype: Any = np.float64, *,
           elements: st.SearchStrategy[float] | None = None,
           distinct: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Bounded float arrays of `shape` (drawn in float64, then cast to `dtype`).

    `elements` overrides the bounds (e.g. `domain("log")`). With `distinct=True` the
    elements are a shuffled even grid over the bounds, at least (max - min) / size apart:
    for ops with a kink where two elements tie, such as `max`.
    """
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(lambda s: arrays(s, min_value, max_value, dtype,
                                              elements=elements, distinct=distinct))
    shape = tuple(shape)
    if distinct:
        n = math.prod(shape)
        step = (max_value - min_value) / max(n, 1)
        return st.permutations(range(n)).map(
            lambda p: (min_value + step * (np.asarray(p, np.float64) + 0.5))
            .reshape(shape).astype(dtype))
    elements = elements if elements is not None else floats(min_value, max_value)
    return hnp.arrays(np.float64, shape, elements=elements).map(lambda a: a.astype(dtype))


def tensors(shape: Shape | None = None, requires_grad: bool = True, min_value: float = -10.0,
            max_value: float = 10.0, dtype: Any = np.float64, *,
            elements: st.SearchStrategy[float] | None = None) -> st.SearchStrategy[Tensor]:
    """Leaf Tensors of `shape` (drawn by `shapes()` when None) with bounded elements."""
    shape_strategy = shapes() if shape is None else st.just(tuple(shape))
    return arrays(shape_strategy, min_value, max_value, dtype, elements=elements).map(
        lambda a: Tensor(a, requires_grad=requires_grad))
