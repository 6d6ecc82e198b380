"""Tests for nn.clip.clip_grad_norm_ and clip_grad_value_ (PyTorch semantics)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.clip import clip_grad_norm_, clip_grad_value_


class P:
    def __init__(self, grad, dtype=np.float64):
        self.grad = None if grad is None else np.array(grad, dtype=dtype)
        self.data = np.zeros_like(self.grad) if grad is not None else np.zeros(1)


class S:
    __slots__ = ("data", "grad")

    def __init__(self, grad: float):
        self.data = 0.0
        self.grad = grad


def test_total_norm_and_no_clipping_below_max_norm():
    a, b = P([3.0, 0.0]), P([[0.0], [4.0]])
    buffers = (a.grad, b.grad)
    total = clip_grad_norm_([a, b], max_norm=10.0)
    assert type(total) is float and total == pytest.approx(5.0)
    assert a.grad is buffers[0] and b.grad is buffers[1]
    np.testing.assert_array_equal(a.grad, [3.0, 0.0])
    np.testing.assert_array_equal(b.grad, [[0.0], [4.0]])


def test_clipping_above_max_norm_scales_in_place():
    a, b = P([3.0, 0.0]), P([[0.0], [4.0]])
    buffer = a.grad
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    coef = 1.0 / (5.0 + 1e-6)
    assert a.grad is buffer
    np.testing.assert_allclose(a.grad, [3.0 * coef, 0.0], rtol=1e-15)
    np.testing.assert_allclose(b.grad, [[0.0], [4.0 * coef]], rtol=1e-15)
    assert math.hypot(a.grad[0], b.grad[1, 0]) == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("norm_type", [float("inf"), "inf", math.inf])
def test_inf_norm(norm_type):
    a, b = P([1.0, -7.0]), P([2.0, 3.0])
    assert clip_grad_norm_([a, b], max_norm=3.5, norm_type=norm_type) == 7.0
    np.testing.assert_allclose(a.grad, np.array([1.0, -7.0]) * 3.5 / (7.0 + 1e-6))


def test_one_norm_and_single_parameter_and_generator():
    a = P([1.0, -2.0, 3.0])
    assert clip_grad_norm_(a, max_norm=100.0, norm_type=1) == pytest.approx(6.0)
    b, c = P([1.0, -2.0]), P([3.0])
    assert clip_grad_norm_((p for p in [b, c]), max_norm=3.0, norm_type=1.0) == 6.0
    np.testing.assert_allclose(c.grad, [3.0 * 3.0 / (6.0 + 1e-6)])


def test_none_grads_are_skipped():
    a, none = P([6.0, 8.0]), P(None)
    assert clip_grad_norm_([none, a], max_norm=5.0) == pytest.approx(10.0)
    assert none.grad is None
    assert clip_grad_norm_([P(None)], max_norm=1.0) == 0.0
    clip_grad_value_([none, a], 1.0)
    assert none.grad is None


def test_scalar_value_like_grads():
    a, b = S(3.0), S(-4.0)
    assert clip_grad_norm_([a, b], max_norm=2.5) == pytest.approx(5.0)
    assert type(a.grad) is float
    assert a.grad == pytest.approx(1.5, rel=1e-6) and b.grad == pytest.approx(-2.0, rel=1e-6)
    c, d = S(0.3), S(-2.0)
    clip_grad_value_([c, d], 0.5)
    assert (c.grad, d.grad) == (0.3, -0.5) and type(d.grad) is float


def test_float32_grads_stay_float32():
    a = P([30.0, 40.0], dtype=np.float32)
    clip_grad_norm_([a], max_norm=1.0)
    assert a.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad, [0.6, 0.8], rtol=1e-6)


def test_nonfinite_norm():
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([P([1.0, np.nan])], max_norm=1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([P([1.0, np.inf])], max_norm=1.0, error_if_nonfinite=True)
    a = P([1.0, np.inf])
    assert math.isinf(clip_grad_norm_([a], max_norm=1.0))
    np.testing.assert_array_equal(a.grad, [0.0, np.nan])


def test_clip_grad_value_in_place():
    a = P([[-3.0, 0.2], [0.7, 5.0]])
    buffer = a.grad
    assert clip_grad_value_(a, clip_value=0.5) is None
    assert a.grad is buffer
    np.testing.assert_array_equal(a.grad, [[-0.5, 0.2], [0.5, 0.5]])


@settings(max_examples=100, deadline=None)
@given(grads=st.lists(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=5),
                      min_size=1, max_size=4),
       max_norm=st.floats(0.01, 100.0))
def test_clipped_norm_is_bounded_and_direction_kept(grads, max_norm):
    params = [P(g) for g in grads]
    flat = np.concatenate([np.array(g, dtype=float) for g in grads])
    total = clip_grad_norm_(params, max_norm)
    np.testing.assert_allclose(total, np.sqrt(np.sum(flat**2)), rtol=1e-12)
    clipped = np.concatenate([p.grad for p in params])
    assert np.linalg.norm(clipped) <= max_norm * (1 + 1e-9)
    np.testing.assert_allclose(clipped, flat * min(1.0, max_norm / (total + 1e-6)), rtol=1e-12)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_parity_with_torch(norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    ours = [P(g) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(theirs, grads):
        t.grad = torch.tensor(g)
    total = clip_grad_norm_(ours, 0.7, norm_type=norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, 0.7, norm_type=norm_type)
    assert total == pytest.approx(float(t_total), rel=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)
    clip_grad_value_(ours, 0.1)
    torch.nn.utils.clip_grad_value_(theirs, 0.1)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12)
