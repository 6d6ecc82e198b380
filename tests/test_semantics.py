"""Semantics the op tables leave out because their domains avoid them: derivatives at kinks,
ties, -inf inputs, gradient accumulation, constants, grad modes, and the reflected operators.
Expected values follow PyTorch's conventions and are written out by hand."""
from __future__ import annotations

import math
import statistics

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import autograd
from autograd import Tensor, Value, enable_grad, is_grad_enabled, no_grad

INF = math.inf
both_passes = pytest.mark.parametrize("create_graph", [False, True],
                                      ids=["backward", "create_graph"])


def grads(out: Tensor, inputs: list[Tensor], gradient=None, create_graph=False) -> list:
    """d out / d input as arrays, by a plain pass or by one that records the graph."""
    gs = autograd.grad(out, inputs, grad_outputs=gradient, create_graph=create_graph)
    return [np.asarray(getattr(g, "data", g)) for g in gs]


# ------------------------------------------------------------------ 1. kinks at zero
@both_passes
def test_relu_at_zero_is_zero_with_zero_derivative(create_graph):
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    y = x.relu()
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 2.0])
    (g,) = grads(y.sum(), [x], create_graph=create_graph)
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])


@both_passes
@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_leaky_relu_derivative_at_zero_is_the_slope(create_graph, slope):
    """PyTorch's leaky_relu_backward takes the slope wherever x > 0 fails, 0 included."""
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    y = x.leaky_relu(slope)
    np.testing.assert_array_equal(y.data, [-slope, 0.0, 2.0])
    (g,) = grads(y.sum(), [x], create_graph=create_graph)
    np.testing.assert_array_equal(g, [slope, slope, 1.0])


@both_passes
def test_abs_derivative_at_zero_is_zero(create_graph):
    x = Tensor([-3.0, 0.0, 2.0], requires_grad=True)
    (g,) = grads(abs(x).sum(), [x], create_graph=create_graph)
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("op, value, derivative", [
    (lambda v: v.relu(), 0.0, 0.0),
    (lambda v: v.leaky_relu(0.2), 0.0, 0.2),
    (lambda v: v.leaky_relu(), 0.0, 0.01),
    (abs, 0.0, 0.0),
], ids=["relu", "leaky_relu", "leaky_relu_default", "abs"])
def test_value_kinks_at_zero(op, value, derivative):
    x = Value(0.0)
    y = op(x)
    assert y.data == value
    y.backward()
    assert x.grad == derivative


# ------------------------------------------------------------------ 2. ties
@both_passes
@pytest.mark.parametrize("fn, grad_a, grad_b", [
    (autograd.maximum, [0.5, 0.0, 0.5, 1.0], [0.5, 1.0, 0.5, 0.0]),
    (autograd.minimum, [0.5, 1.0, 0.5, 0.0], [0.5, 0.0, 0.5, 1.0]),
    (Tensor.maximum, [0.5, 0.0, 0.5, 1.0], [0.5, 1.0, 0.5, 0.0]),
], ids=["maximum", "minimum", "Tensor.maximum"])
def test_elementwise_ties_split_the_gradient_evenly(create_graph, fn, grad_a, grad_b):
    a = Tensor([1.0, 2.0, 3.0, 7.0], requires_grad=True)
    b = Tensor([1.0, 5.0, 3.0, -1.0], requires_grad=True)
    ga, gb = grads(fn(a, b).sum(), [a, b], create_graph=create_graph)
    np.testing.assert_array_equal(ga, grad_a)
    np.testing.assert_array_equal(gb, grad_b)


def test_a_broadcast_tie_sums_the_halves():
    x = Tensor([1.0, 2.0, 2.0, 3.0], requires_grad=True)
    s = Tensor(2.0, requires_grad=True)
    autograd.maximum(x, s).backward(np.array([1.0, 10.0, 100.0, 1000.0]))
    np.testing.assert_array_equal(x.grad, [0.0, 5.0, 50.0, 1000.0])
    assert s.grad == 1.0 + 5.0 + 50.0


X_TIES = [[1.0, 3.0, 3.0], [1.0, 2.0, 3.0]]


@both_passes
@pytest.mark.parametrize("method, axis, keepdims, seed, expected", [
    ("max", None, False, 6.0, [[0, 2, 2], [0, 0, 2]]),  # three tied maxima share 6
    ("max", (0, 1), True, [[6.0]], [[0, 2, 2], [0, 0, 2]]),
    ("max", 1, False, [1.0, 10.0], [[0, 0.5, 0.5], [0, 0, 10]]),
    ("max", -1, True, [[1.0], [10.0]], [[0, 0.5, 0.5], [0, 0, 10]]),
    ("max", 0, False, [1.0, 10.0, 100.0], [[0.5, 10, 50], [0.5, 0, 50]]),
    ("min", None, False, 1.0, [[0.5, 0, 0], [0.5, 0, 0]]),
    ("min", 1, True, [[1.0], [10.0]], [[1, 0, 0], [10, 0, 0]]),
    ("min", 0, False, [1.0, 10.0, 100.0], [[0.5, 0, 50], [0.5, 10, 50]]),
])
def test_reduction_ties_split_the_gradient_evenly(create_graph, method, axis, keepdims,
                                                  seed, expected):
    """PyTorch's amax/amin: the gradient is shared equally among the tied extremes."""
    x = Tensor(X_TIES, requires_grad=True)
    out = getattr(x, method)(axis=axis, keepdims=keepdims)
    (g,) = grads(out, [x], gradient=np.array(seed), create_graph=create_graph)
    np.testing.assert_array_equal(g, expected)


def _tie_reference(a: np.ndarray, axis: int | None) -> np.ndarray:
    """Gradient of a.max(axis).sum(): per reduced slice, 1 / (number of maxima) at each."""
    out = np.zeros_like(a)
    lines = [()] if axis is None else np.ndindex(a.shape[:axis] + a.shape[axis + 1:])
    for line in lines:
        index = (...,) if axis is None else line[:axis] + (slice(None),) + line[axis:]
        top = max(a[index].ravel().tolist())
        hits = [i for i in np.ndindex(a[index].shape) if a[index][i] == top]
        for i in hits:
            out[index][i] = 1.0 / len(hits)
    return out


@given(a=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                    elements=st.integers(0, 2).map(float)), data=st.data())
@example(a=np.array([1.0, 3.0, 3.0]), data=None)
@example(a=np.array([[2.0, 2.0], [2.0, 2.0]]), data=None)
def test_max_gradient_is_shared_among_ties(a: np.ndarray, data):
    axis = None if data is None or a.ndim == 0 else data.draw(
        st.one_of(st.none(), st.integers(0, a.ndim - 1)), label="axis")
    x = Tensor(a, requires_grad=True)
    x.max(axis=axis).sum().backward()
    np.testing.assert_allclose(x.grad, _tie_reference(a, axis), rtol=1e-15)


# ------------------------------------------------------------------ 3. logsumexp of -inf
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.parametrize("rows, axis, keepdims, expected", [
    ([[-INF, -INF], [0.0, 1.0]], 1, False, [-INF, math.log(1 + math.e)]),
    ([[-INF, -INF], [0.0, 1.0]], -1, True, [[-INF], [math.log(1 + math.e)]]),
    ([[-INF, 0.0], [-INF, 1.0]], 0, False, [-INF, math.log(1 + math.e)]),
    ([[-INF, -INF], [-INF, -INF]], None, False, -INF),
    ([-INF], None, True, [-INF]),
])
def test_logsumexp_of_only_minus_inf_is_minus_inf(rows, axis, keepdims, expected):
    out = Tensor(rows).logsumexp(axis=axis, keepdims=keepdims)
    assert not np.isnan(out.data).any()
    np.testing.assert_allclose(out.data, expected, rtol=1e-15)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning",
                            "ignore:invalid value:RuntimeWarning")
def test_logsumexp_gradient_of_a_finite_row_beside_a_minus_inf_row():
    x = Tensor([[-INF, -INF], [0.0, 1.0]], requires_grad=True)
    x.logsumexp(axis=1).backward(np.array([0.0, 1.0]))
    e = math.e
    np.testing.assert_allclose(x.grad[1], [1 / (1 + e), e / (1 + e)], rtol=1e-15)


# ------------------------------------------------------------------ 4. accumulation
def test_tensor_gradients_accumulate_over_repeated_backward():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, -8.0, 12.0])  # 2 passes of 2x
    (x * 3.0).sum().backward()  # another graph adds on top
    np.testing.assert_array_equal(x.grad, [7.0, -5.0, 15.0])


def test_value_gradients_accumulate_over_repeated_backward():
    x = Value(3.0)
    y = x * x + x
    y.backward()
    y.backward()
    assert x.grad == 2 * 7.0
    (x * 2.0).backward()
    assert x.grad == 16.0


def test_create_graph_backward_accumulates_too():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x * x).sum()
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    np.testing.assert_array_equal(np.asarray(x.grad.data), [6.0, 24.0])


# ------------------------------------------------------------------ 5. constants
def test_constants_never_get_a_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = Tensor([4.0, 5.0, 6.0])  # requires_grad=False
    arr = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    kept = arr.copy()
    scaled = c * 2.0  # only constants in: no graph
    assert not scaled.requires_grad
    y = (x * c + arr * x + 2.0 * x - x / 4.0 + x * scaled).sum()
    y.backward()
    assert c.grad is None and scaled.grad is None
    np.testing.assert_array_equal(arr, kept)
    # every term but arr * x is broadcast over arr's 2 rows, so counts twice
    np.testing.assert_array_equal(x.grad, 2 * (c.data + 2.0 - 0.25 + 2 * c.data)
                                  + arr.sum(axis=0))


def test_constants_in_ops_with_one_rule_for_all_inputs_get_no_gradient():
    """concatenate, stack and user primitives compute every input's gradient at once."""
    x, c = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0])
    scale = autograd.primitive(vjp=lambda g, out, a, b: (g * b, g * a),
                               name="scale")(lambda a, b: a * b)
    y = (autograd.concatenate([x, c]).sum() + autograd.stack([c, x]).sum()
         + scale(x, c).sum())
    y.backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, [1.0 + 1.0 + 3.0, 1.0 + 1.0 + 4.0])


def test_a_constant_stays_without_gradient_under_create_graph_and_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    y = (x * x * c).sum()
    (gx,) = autograd.grad(y, [x], create_graph=True)
    gx.sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, [6.0, 8.0])  # d/dx sum(2 x c) = 2 c


# ------------------------------------------------------------------ 6. grad modes
def test_enable_grad_inside_no_grad_records_a_graph():
    x, v = Tensor([1.0, 2.0], requires_grad=True), Value(3.0)
    with no_grad():
        dead, dead_v = x * 2.0, v * 2.0
        with enable_grad():
            assert is_grad_enabled()
            live, live_v = x * 2.0, v * 2.0
        assert not is_grad_enabled()
    assert not dead.requires_grad and live.requires_grad
    live.sum().backward()
    live_v.backward()
    dead_v.backward()  # a leaf: nothing reaches v
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    assert v.grad == 2.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_under_no_grad_leaves_grad_mode_off(create_graph):
    x, v = Tensor([1.0, 2.0], requires_grad=True), Value(3.0)
    y, w = (x * x).sum(), v * v
    with no_grad():
        y.backward(create_graph=create_graph)
        assert not is_grad_enabled()
        w.backward(create_graph=create_graph)
        assert not is_grad_enabled()
    assert is_grad_enabled()
    np.testing.assert_array_equal(np.asarray(getattr(x.grad, "data", x.grad)), [2.0, 4.0])
    assert float(v.grad) == 6.0


def _failing_op():
    def vjp(g, out, a):
        raise ArithmeticError("rule failed")
    return autograd.primitive(vjp=vjp, name="failing")(lambda a: a * 1.0)


@pytest.mark.parametrize("outer", ["enabled", "no_grad"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_mode_is_restored_after_an_exception_inside_backward(outer, create_graph):
    failing = _failing_op()
    x, v = Tensor([1.0, 2.0], requires_grad=True), Value(2.0)
    outputs = [failing(x).sum(), failing(v)]
    for out in outputs:
        with pytest.raises(ArithmeticError, match="rule failed"):
            if outer == "no_grad":
                with no_grad():
                    out.backward(create_graph=create_graph)
                    pytest.fail("backward should have raised")
            else:
                out.backward(create_graph=create_graph)
        assert is_grad_enabled()
    with no_grad():
        for out in outputs:
            with pytest.raises(ArithmeticError):
                autograd.grad(out, [x] if isinstance(out, Tensor) else [v],
                              create_graph=create_graph)
            assert not is_grad_enabled()


# ------------------------------------------------------------------ 7. var, reflected ops
V = [[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]]


@pytest.mark.parametrize("axis, keepdims", [(None, False), (1, False), (-1, True), (0, False)])
@pytest.mark.parametrize("correction", [1, 0])
def test_var_value_and_gradient(axis, keepdims, correction):
    a = np.array(V)
    x = Tensor(a, requires_grad=True)
    out = x.var(axis, keepdims=keepdims) if correction == 1 else x.var(
        axis, keepdims=keepdims, correction=0)
    var = statistics.variance if correction == 1 else statistics.pvariance
    if axis is None:
        values, n = var(a.ravel().tolist()), a.size
    else:
        lines = np.moveaxis(a, axis, -1)
        values, n = [var(line.tolist()) for line in lines], a.shape[axis]
    expected = np.array(values)
    if keepdims:
        expected = np.expand_dims(expected, axis)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    out.sum().backward()
    mean = a.mean() if axis is None else a.mean(axis=axis, keepdims=True)
    np.testing.assert_allclose(x.grad, 2 * (a - mean) / (n - correction), rtol=1e-14)


def test_var_default_is_bessel_corrected():
    x = Tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5 / 3, rel=1e-15)
    assert x.var(correction=0).item() == pytest.approx(5 / 4, rel=1e-15)


def test_number_divided_by_tensor_and_value():
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    y = 2.0 / x
    np.testing.assert_array_equal(y.data, [2.0, 1.0, 0.5])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [-2.0, -0.5, -0.125])  # -2 / x²
    z = np.array([3.0, 3.0, 3.0]) / x  # an array on the left too
    np.testing.assert_array_equal(z.data, [3.0, 1.5, 0.75])
    v = Value(4.0)
    w = 2.0 / v
    assert w.data == 0.5
    w.backward()
    assert v.grad == -2.0 / 16.0


def test_number_to_the_power_of_a_tensor_and_value():
    x = Tensor([0.0, 1.0, 3.0], requires_grad=True)
    y = 2.0 ** x
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 8.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.array([1.0, 2.0, 8.0]) * math.log(2), rtol=1e-15)
    v = Value(3.0)
    w = 2.0 ** v
    assert w.data == 8.0
    w.backward()
    assert v.grad == pytest.approx(8.0 * math.log(2), rel=1e-15)
