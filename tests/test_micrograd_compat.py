"""micrograd's README example and test expressions, run unchanged on our Value."""
import math

import pytest

import autograd

micrograd = pytest.importorskip("micrograd.engine")


def sanity_check(Value):  # micrograd test/test_engine.py::test_sanity_check
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y.data, x.grad


def more_ops(Value):  # micrograd test/test_engine.py::test_more_ops and the README example
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


@pytest.mark.parametrize("expression", [sanity_check, more_ops])
def test_same_numbers_as_micrograd(expression):
    ours = expression(autograd.Value)
    theirs = expression(micrograd.Value)
    assert all(math.isclose(o, t, rel_tol=1e-12) for o, t in zip(ours, theirs))


def test_readme_numbers():
    g, a_grad, b_grad = more_ops(autograd.Value)
    assert (f"{g:.4f}", f"{a_grad:.4f}", f"{b_grad:.4f}") == ("24.7041", "138.8338", "645.5773")


def test_micrograd_attributes_exist():
    a, b = autograd.Value(2.0), autograd.Value(3.0)
    c = a * b
    assert c._op == "*" and c._prev == (a, b)  # a tuple in parent order (micrograd: a set)
    assert repr(c) == "Value(data=6.0, grad=0.0)"
