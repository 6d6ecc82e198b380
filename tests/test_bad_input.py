"""Bad input gives torch's answer (inf, nan) or an error that names the call, the expected
and the given; never a bare Python error or a silently wrong result."""
import math
import re

import numpy as np
import pytest

from autograd import Value


def _raises(kind: type, *parts: str):
    return pytest.raises(kind, match="(?s)" + "".join(f"(?=.*{re.escape(p)})" for p in parts))


def _same(got: float, want: float) -> bool:
    return (math.isnan(got) and math.isnan(want)) or got == want


# ------------------------------------------------------------------ scalar ops: torch's answers
def _run(fn, x: float) -> tuple[float, float]:
    v = Value(x)
    out = fn(v)
    out.backward()
    return out.data, v.grad


@pytest.mark.parametrize("name, fn, x, value, grad", [
    ("sqrt at 0", lambda v: v.sqrt(), 0.0, 0.0, math.inf),
    ("reciprocal pole", lambda v: v ** -1, 0.0, math.inf, -math.inf),
    ("negative zero pole", lambda v: v ** -1, -0.0, -math.inf, -math.inf),
    ("square pole", lambda v: v ** -2, 0.0, math.inf, -math.inf),
    ("tiny ** -1", lambda v: v ** -1, 1e-300, 1e-300 ** -1, -math.inf),
    ("overflowing power", lambda v: v ** 100, 1e4, math.inf, math.inf),
    ("overflowing odd power", lambda v: v ** 101, -1e4, -math.inf, math.inf),
    ("Value exponent", lambda v: v ** Value(3000.0), 2.0, math.inf, math.inf),
    ("sin of inf", lambda v: v.sin(), math.inf, math.nan, math.nan),
    ("cos of -inf", lambda v: v.cos(), -math.inf, math.nan, math.nan),
    ("exp of nan", lambda v: v.exp(), math.nan, math.nan, math.nan),
    ("division by zero", lambda v: v / 0.0, 1.0, math.inf, math.inf),
    ("zero over zero", lambda v: v / 0.0, 0.0, math.nan, math.inf),
    ("divisor zero", lambda v: 1.0 / v, 0.0, math.inf, -math.inf),
    ("log at 0's neighbour", lambda v: v.log(), 5e-324, math.log(5e-324), math.inf),
])
def test_scalar_ops_give_torchs_inf_and_nan(name, fn, x, value, grad):
    got_value, got_grad = _run(fn, x)
    assert _same(got_value, value) and _same(got_grad, grad), (name, got_value, got_grad)


def test_scalar_ops_match_torch_at_the_edges():
    torch = pytest.importorskip("torch")
    cases = [(lambda v: v.sqrt(), 0.0), (lambda v: v ** -1, 0.0), (lambda v: v ** -1, 1e-300),
             (lambda v: v ** 100, 1e4), (lambda v: v.sin(), math.inf),
             (lambda v: v.cos(), math.inf), (lambda v: v / 0.0, 1.0), (lambda v: 1.0 / v, 0.0)]
    for fn, x in cases:
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        out = fn(t)
        out.backward()
        got = _run(fn, x)
        assert _same(got[0], out.item()) and _same(got[1], t.grad.item()), (x, got)


def test_second_derivative_through_a_pole_is_inf_not_an_exception():
    x = Value(0.0)
    x.sqrt().backward(create_graph=True)
    assert x.grad.data == math.inf


def test_sum_of_overflowing_or_opposite_infinities_is_inf_or_nan():
    assert Value.sum([Value(1e308), Value(1e308)]).data == math.inf
    assert math.isnan(Value.sum([Value(math.inf), Value(-math.inf)]).data)


@pytest.mark.parametrize("fn, op, x", [(lambda v: v.log(), "log", -1.0),
                                       (lambda v: v.sqrt(), "sqrt", -4.0),
                                       (lambda v: v ** 0.5, "pow", -2.0)])
def test_forward_domain_errors_keep_their_clear_message(fn, op, x):
    with _raises(ValueError, op, repr(x)):
        fn(Value(x))
