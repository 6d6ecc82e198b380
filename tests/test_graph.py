"""The shared graph walk: order, accumulation, depth, grad(), no_grad, detach, custom ops."""
import math
import sys
import threading

import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograd import Primitive, Tensor, Value, grad, no_grad, primitive
from autograd.extend import apply
from autograd.graph import is_grad_enabled, toposort
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

small = st.floats(-3, 3, allow_nan=False)


def test_toposort_lists_each_node_before_its_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = toposort([e])
    position = {id(n): i for i, n in enumerate(order)}
    assert len(order) == 5
    for node in order:
        for parent in node._prev:
            assert position[id(node)] < position[id(parent)]


def test_parents_keep_their_order():
    a, b = Value(1.0), Value(2.0)
    assert (a - b)._prev[0]._prev == () and (b * a)._prev == (b, a)


@given(small)
def test_shared_subexpressions_accumulate(x):
    a = Value(x)
    b = a + a
    c = b * b  # c = 4a², dc/da = 8a
    c.backward()
    assert math.isclose(a.grad, 8 * x, abs_tol=1e-12)
    assert math.isclose(b.grad, 2 * b.data, abs_tol=1e-12)


def test_repeated_backward_accumulates_into_leaves_only():
    a = Value(3.0)
    b = a * a
    c = b * 2.0
    c.backward()
    c.backward()
    assert a.grad == 2 * 12.0  # leaves add up, as in PyTorch
    assert b.grad == 2.0  # an interior node holds the last pass's gradient


def test_million_node_chain_backpropagates_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    assert sys.getrecursionlimit() < 1_000_000
    y.backward()
    assert x.grad == 1.0 and y.data == 1_000_001.0


def test_nodes_hold_no_reference_cycles():
    import gc
    gc.collect()
    gc.disable()
    try:
        a = Value(2.0)
        ((a * a).tanh() + a.exp()).backward()
        del a
        assert gc.collect() == 0
    finally:
        gc.enable()


@given(small, small)
def test_grad_returns_gradients_without_touching_dot_grad(x, y):
    a, b = Value(x), Value(y)
    c = a * b + a.tanh()
    ga, gb = grad(c, [a, b])
    assert math.isclose(ga, y + 1 - math.tanh(x) ** 2, abs_tol=1e-12)
    assert math.isclose(gb, x, abs_tol=1e-12)
    assert a.grad == 0.0 and b.grad == 0.0


@given(st.floats(0.2, 3))
def test_second_derivative_through_create_graph(x):
    a = Value(x)
    y = a ** 3 * a.sin()
    (dy,) = grad(y, [a], create_graph=True)
    (d2y,) = grad(dy, [a])
    expected = 6 * x * math.sin(x) + 6 * x**2 * math.cos(x) - x**3 * math.sin(x)
    assert math.isclose(d2y, expected, rel_tol=1e-9, abs_tol=1e-9)


def test_backward_create_graph_makes_grad_a_node():
    a = Value(2.0)
    (a * a * a).backward(create_graph=True)
    assert isinstance(a.grad, Value) and a.grad.data == 12.0
    g = a.grad
    a.grad = 0.0
    g.backward()
    assert a.grad == 12.0  # d(3a²)/da = 6a


def test_grad_of_an_unused_input_is_zero():
    a, b = Value(1.0), Value(2.0)
    assert grad(a * 3.0, [a, b]) == (3.0, 0.0)


def test_tensor_second_derivative():
    x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    (g,) = grad((x ** 3).sum(), [x], create_graph=True)
    (h,) = grad(g.sum(), [x])
    np.testing.assert_allclose(h, 6 * x.data)


def test_no_grad_builds_no_graph_and_restores_mode():
    a = Value(1.0)
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        b = a * 2.0 + 1.0
        y = (x * 2).sum()
    assert is_grad_enabled()
    assert b._prev == () and y._prev == () and not y.requires_grad


def test_no_grad_is_per_thread():
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def worker():
        with no_grad():
            inside.set()
            release.wait(5)
            seen["worker"] = is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main"] = is_grad_enabled()
    a = Value(1.0)
    seen["main_records"] = (a * 2.0)._prev != ()
    release.set()
    t.join()
    assert seen == {"worker": False, "main": True, "main_records": True}


def test_no_grad_works_as_a_decorator():
    @no_grad()
    def double(v):
        return v * 2.0
    assert double(Value(1.0))._prev == ()


def test_detach_cuts_the_graph():
    a = Value(2.0)
    b = (a * a).detach() * a
    b.backward()
    assert a.grad == 4.0
    x = Tensor(np.ones(2), requires_grad=True)
    assert x.detach()._prev == () and not x.detach().requires_grad


@primitive(vjp=lambda g, out, x: (g * 3.0 * x * x,))
def cube(x):
    return x ** 3


@primitive(vjp=lambda g, out, x: (g * 2.0 * x * x,))  # wrong on purpose: d x³ = 3x²
def bad_cube(x):
    return x ** 3


@given(st.floats(-2, 2).filter(lambda v: abs(v) > 0.1))
def test_user_defined_op_works_like_a_builtin(x):
    a = Value(x)
    y = cube(a)
    assert y._op == "cube" and y._prev == (a,)
    y.backward()
    assert math.isclose(a.grad, 3 * x * x, rel_tol=1e-12)
    assert gradcheck(cube, [x]) and gradgradcheck(cube, [x])
    with no_grad():
        assert cube(Value(x))._prev == ()
    t = Tensor(np.array([x, 2 * x]), requires_grad=True)
    assert gradcheck(cube, [t]) and gradgradcheck(cube, [t])
    from autograd.viz import draw_dot
    assert "cube" in draw_dot(cube(t).sum()).source


def test_gradcheck_catches_a_wrong_derivative_and_names_it():
    with pytest.raises(GradcheckError, match=r"bad_cube.*input 0: analytic 2, numeric 3"):
        gradcheck(bad_cube, [Value(1.0)], max_elements=16)
    assert gradcheck(bad_cube, [1.0], raise_exception=False) is False
    with pytest.raises(GradcheckError, match="element"):
        gradcheck(bad_cube, [np.array([1.0, 2.0])])


def test_leaf_gradients_own_their_memory():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    g = np.full((2, 3), 2.0)
    (a + b).backward(g)  # both leaves receive the upstream gradient itself
    a.grad *= 10  # in place, as gradient clipping does
    np.testing.assert_array_equal(b.grad, 2.0)
    np.testing.assert_array_equal(g, 2.0)

    c = Tensor(np.ones(6), requires_grad=True)
    d = Tensor(np.ones((2, 3)), requires_grad=True)
    (c.reshape(2, 3) + d).backward(g)  # c's gradient is a view of d's
    c.grad *= 10
    np.testing.assert_array_equal(d.grad, 2.0)

    e = Tensor(np.ones(()), requires_grad=True)
    e.expand(4, 3).sum().backward()  # a broadcast (read-only) view reaches e
    e.grad *= 0.5
    assert e.grad == 6.0


@pytest.mark.parametrize("make", [
    lambda: [Value(0.7), Value(-1.3)],
    lambda: [Tensor(np.array([0.7, -0.2])), Tensor(np.array([-1.3, 0.4]))],
    lambda: [__import__("nn").Parameter(np.array([0.7, -0.2])),
             __import__("nn").Parameter(np.array([-1.3, 0.4]))],
], ids=["Value", "Tensor", "nn.Parameter"])
def test_gradcheck_and_gradgradcheck_take_values_tensors_and_parameters(make):
    def f(a, b):
        return ((a * b).tanh() + a.exp() * b).sum() if isinstance(a, Tensor) else \
            (a * b).tanh() + a.exp() * b
    assert gradcheck(f, make()) and gradgradcheck(f, make())


def test_a_user_op_is_an_op_record_plus_dispatch():
    @primitive(vjp=lambda g, out, x: (g * 3 * x**2,), label="x³")
    def cube(x):
        return x**3
    assert cube.name == "cube" and cube.primitive.label == "x³"
    assert cube(Value(2.0))._op == "x³" and cube(Value(2.0))._prim is cube.primitive
    t = cube(Tensor(np.ones(2), requires_grad=True))
    assert isinstance(t, Tensor) and t._prim is cube.primitive


def _cube_with_residuals(calls):
    """x³, saving 3x² for its rule; `calls` records whether each rule call received it."""
    def forward(x):
        return x ** 3, {"slope": 3 * x ** 2}

    def vjp(g, out, x, slope=None):
        calls.append(slope is not None)
        return (g * (3 * x ** 2 if slope is None else slope),)
    return Primitive("cube", forward, vjp=vjp, residuals=True)


def test_residuals_reach_a_plain_backward_and_stay_out_of_create_graph():
    calls = []
    cube = _cube_with_residuals(calls)
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = apply(cube, x)
    np.testing.assert_array_equal(y.data, [1.0, -8.0])  # the output, not the pair
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 12.0])
    assert calls == [True]
    (g,) = grad(apply(cube, x).sum(), [x], create_graph=True)  # residuals are constants
    (gg,) = grad(g.sum(), [x])  # to a graph, so the rule recomputes: d(3x²) = 6x
    np.testing.assert_array_equal(gg.data, [6.0, -12.0])
    assert calls[1:] == [False]
    v = Value(2.0)
    apply(cube, v).backward()  # scalar Values carry no residuals
    assert (v.grad, calls[2:]) == (12.0, [False])
