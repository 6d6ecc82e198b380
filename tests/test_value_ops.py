"""Every scalar Value rule, driven by VALUE_SPECS in op_specs.py: value against the math
module, first and second derivatives against finite differences; random expression graphs
with shared subexpressions; domain and type errors."""
from __future__ import annotations

import math
import re

import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from autograd import Value, grad, testing
from autograd.gradcheck import gradcheck, gradgradcheck
from autograd.graph import toposort
from autograd.primitive import OPS, VALUE_OPS
from op_specs import VALUE_SPECS, ValueSpec

each_spec = pytest.mark.parametrize("spec", VALUE_SPECS, ids=lambda s: s.name)


def _draw(spec: ValueSpec, data: st.DataObject) -> tuple[list[float], dict]:
    xs = [data.draw(dom, label=f"x{i}") for i, dom in enumerate(spec.domains)]
    consts = {k: data.draw(s, label=k) for k, s in spec.consts.items()}
    return xs, consts


def _applied(spec: ValueSpec, consts: dict):
    def f(*vs):
        return spec.fn(*vs, **consts)
    f.__name__ = spec.name
    return f


def test_every_op_has_a_spec():
    """Adding a scalar op to VALUE_OPS without a row in op_specs.VALUE_SPECS fails here."""
    rows = [(s.name, s.nargs) for s in VALUE_SPECS]
    assert len(rows) == len(set(rows)), "duplicate spec rows"
    assert set(VALUE_OPS) == {name for name, _ in rows}
    assert all(s.nargs == len(s.domains) for s in VALUE_SPECS)


def test_a_value_op_and_the_tensor_primitive_of_the_same_operation_share_a_name():
    """One vocabulary: every scalar op is also a Tensor primitive of that name, except `dot`
    (a neuron's n-ary w·x + b, which on Tensors is `linear` or `@`)."""
    assert set(VALUE_OPS) - {"dot"} <= set(OPS)


@each_spec
@given(data=st.data())
def test_value_matches_math(spec: ValueSpec, data: st.DataObject):
    """fn records the spec's op and computes what the math module does."""
    xs, consts = _draw(spec, data)
    out = spec.fn(*map(Value, xs), **consts)
    assert out._prim is VALUE_OPS[spec.name]
    assert out._op == (f"**{consts['k']}" if "k" in consts else VALUE_OPS[spec.name].label)
    assert isinstance(out.data, float)
    assert out.data == pytest.approx(spec.ref(*xs, **consts), rel=1e-12, abs=1e-12)


@each_spec
@given(data=st.data())
def test_first_derivative_matches_finite_differences(spec: ValueSpec, data: st.DataObject):
    xs, consts = _draw(spec, data)
    assert gradcheck(_applied(spec, consts), xs, atol=spec.tol, rtol=spec.tol)


@each_spec
@given(data=st.data())
def test_second_derivative_matches_finite_differences(spec: ValueSpec, data: st.DataObject):
    xs, consts = _draw(spec, data)
    f = _applied(spec, consts)
    # the rules run on Values under create_graph: that gradient must equal the plain one
    leaves = [Value(x) for x in xs]
    plain = grad(f(*leaves), leaves)
    graph = grad(f(*leaves), leaves, grad_outputs=Value(1.0), create_graph=True)
    assert [getattr(g, "data", g) for g in graph] == pytest.approx(list(plain), rel=1e-12,
                                                                   abs=1e-15)
    assert gradgradcheck(f, xs, atol=spec.tol, rtol=spec.tol)


@each_spec
@given(data=st.data())
def test_backward_agrees_with_grad(spec: ValueSpec, data: st.DataObject):
    """backward() accumulates into .grad what grad() returns, and a second call adds again."""
    xs, consts = _draw(spec, data)
    leaves = [Value(x) for x in xs]
    out = spec.fn(*leaves, **consts)
    out.backward()
    expected = grad(spec.fn(*leaves, **consts), leaves)
    assert [v.grad for v in leaves] == pytest.approx(list(expected), rel=1e-12, abs=1e-15)
    out.backward()
    assert [v.grad for v in leaves] == pytest.approx([2 * g for g in expected], rel=1e-12,
                                                     abs=1e-15)


# ------------------------------------------------------------------------ random graphs
@given(expr=testing.expressions())
def test_random_expressions_gradcheck(expr: testing.Expression):
    assert gradcheck(expr, expr.leaves)


@given(expr=testing.expressions())
def test_random_expressions_gradgradcheck(expr: testing.Expression):
    assert gradgradcheck(expr, expr.leaves)


@given(expr=testing.expressions())
def test_expression_rebuilds_the_same_graph(expr: testing.Expression):
    """Calling the expression twice on the same leaves gives the same number and graph size."""
    a, b = expr(*expr.leaves), expr(*map(Value, expr.leaves))
    assert a.data == b.data and math.isfinite(a.data)
    assert len(toposort([a])) == len(toposort([b]))
    assert "out =" in repr(expr) and all(f"x{i} =" in repr(expr) for i in
                                         range(len(expr.leaves)))


def _shared(expr: testing.Expression) -> bool:
    """True when some non-leaf node feeds two or more later nodes."""
    uses: dict[int, int] = {}
    for _, args in expr.steps:
        for i in set(args):
            uses[i] = uses.get(i, 0) + 1
    return any(n >= 2 and i >= len(expr.leaves) for i, n in uses.items())


def test_expressions_share_subexpressions():
    """The strategy draws DAGs, not just trees: an interior node is reused, once built."""
    expr = find(testing.expressions(), _shared)
    out = expr(*expr.leaves)
    consumers: dict[int, int] = {}
    for node in toposort([out]):
        for parent in set(node._prev):
            consumers[id(parent)] = consumers.get(id(parent), 0) + 1
    interior = {id(n) for n in toposort([out]) if n._prev}
    assert any(consumers.get(i, 0) >= 2 for i in interior)


# ------------------------------------------------------------------------ domains
def test_every_op_has_a_domain():
    """A new scalar rule or Tensor primitive needs a domain in autograd.testing.DOMAINS."""
    assert set(VALUE_OPS) | set(OPS) <= set(testing.DOMAINS)
    assert set(testing.AVOID) <= set(testing.DOMAINS)


@pytest.mark.parametrize("op", sorted(testing.DOMAINS))
@given(data=st.data())
def test_domain_draws_within_bounds_and_away_from_kinks(op: str, data: st.DataObject):
    x = data.draw(testing.domain(op))
    low, high = testing.DOMAINS[op]
    points, gap = testing.AVOID.get(op, ((), 0.0))
    assert low <= x <= high and math.isfinite(x)
    assert all(abs(x - p) >= gap for p in points)
    v = data.draw(testing.values(op))
    assert isinstance(v, Value) and low <= v.data <= high and not v._prev


def test_unknown_domain_names_the_op():
    with _raises(KeyError, "no_such_op"):
        testing.domain("no_such_op")


# ------------------------------------------------------------------------ domain errors
def _raises(kind: type, *parts: str):
    return pytest.raises(kind, match="(?s)" + "".join(f"(?=.*{re.escape(p)})" for p in parts))


@given(x=testing.floats(-10.0, 0.0))
def test_log_of_non_positive_raises(x: float):
    with _raises(ValueError, "log", repr(x)):
        Value(x).log()


@given(x=testing.floats(-10.0, -1e-9))
def test_sqrt_of_negative_raises(x: float):
    with _raises(ValueError, "sqrt", repr(x)):
        Value(x).sqrt()


@pytest.mark.parametrize("bad, type_name", [("a", "str"), (None, "NoneType"), ([1.0], "list"),
                                            (1j, "complex")])
def test_value_of_a_non_number_raises_type_error(bad, type_name: str):
    with _raises(TypeError, type_name):
        Value(bad)


@given(base=testing.floats(-5.0, -0.1),
       k=testing.floats(-3.0, 3.0).filter(lambda k: not k.is_integer()))
def test_negative_base_to_non_integer_power_raises(base: float, k: float):
    with _raises(ValueError, "pow", repr(base), repr(k)):
        Value(base) ** k
    with _raises(ValueError, "pow", repr(base), repr(k)):
        Value(base) ** Value(k)


@given(base=testing.floats(-5.0, -0.1), k=st.integers(-3, 3))
def test_negative_base_to_integer_power_is_fine(base: float, k: int):
    x = Value(base)
    out = x ** k
    assert out.data == pytest.approx(base ** k, rel=1e-12)
    out.backward()
    assert x.grad == pytest.approx(k * base ** (k - 1), rel=1e-12)


@pytest.mark.parametrize("x", [-1e4, -800.0, 800.0, 1e4])
def test_sigmoid_and_softplus_are_finite_for_huge_inputs(x: float):
    v = Value(x)
    s, p = v.sigmoid(), v.softplus()
    (s + p).backward()
    assert 0.0 <= s.data <= 1.0 and p.data == pytest.approx(max(x, 0.0), abs=1e-12)
    assert math.isfinite(v.grad) and 0.0 <= v.grad <= 1.25
