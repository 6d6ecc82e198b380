"""Tests for the losses in nn.functional: numpy references, gradients, stability, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograd import Tensor, Value
from autograd.gradcheck import gradcheck
from nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)


def _log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def _reduce(values, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


def _one_hot(t, c):
    return np.eye(c)[t]


# Each case: (loss, input, target, numpy reference of the unreduced loss).
X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
P, Q = rng.uniform(0.01, 0.99, size=(6, 3)), rng.uniform(0, 1, size=(6, 3))
LOGITS, CLASSES = rng.normal(size=(6, 4)) * 3, rng.integers(0, 4, size=6)
SOFT = rng.dirichlet(np.ones(4), size=6)
SIGNS = rng.choice([-1.0, 1.0], size=(6, 3))
CASES = {
    "mse_loss": (F.mse_loss, X, Y, lambda x, y: (x - y) ** 2),
    "l1_loss": (F.l1_loss, X, Y, lambda x, y: np.abs(x - y)),
    "binary_cross_entropy": (F.binary_cross_entropy, P, Q,
                             lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p))),
    "binary_cross_entropy_with_logits": (
        F.binary_cross_entropy_with_logits, X * 3, Q,
        lambda x, y: -(y * np.log(1 / (1 + np.exp(-x))) + (1 - y) * np.log(1 / (1 + np.exp(x))))),
    "cross_entropy": (F.cross_entropy, LOGITS, CLASSES,
                      lambda x, t: -_log_softmax(x)[np.arange(len(t)), t]),
    "cross_entropy_probs": (F.cross_entropy, LOGITS, SOFT,
                            lambda x, q: -(q * _log_softmax(x)).sum(axis=-1)),
    "nll_loss": (F.nll_loss, _log_softmax(LOGITS), CLASSES,
                 lambda lp, t: -lp[np.arange(len(t)), t]),
    "hinge_loss": (F.hinge_loss, X, SIGNS, lambda s, y: np.maximum(0, 1 - y * s)),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(CASES))
def test_loss_matches_numpy_reference(name, reduction):
    loss, x, y, reference = CASES[name]
    out = loss(Tensor(x), y, reduction=reduction)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, _reduce(reference(x, y), reduction), rtol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_targets_may_be_tensors_and_never_get_a_gradient(name):
    loss, x, y, reference = CASES[name]
    target = Tensor(y, requires_grad=np.issubdtype(np.asarray(y).dtype, np.floating))
    inp = Tensor(x, requires_grad=True)
    out = loss(inp, target)
    out.backward()
    assert target.grad is None and inp.grad is not None
    assert out.item() == pytest.approx(np.mean(reference(x, y)))


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_label_smoothing_is_a_mixed_target(smoothing, reduction):
    c = LOGITS.shape[1]
    for target, dense in [(CLASSES, _one_hot(CLASSES, c)), (SOFT, SOFT)]:
        q = (1 - smoothing) * dense + smoothing / c
        expected = _reduce(-(q * _log_softmax(LOGITS)).sum(axis=-1), reduction)
        out = F.cross_entropy(Tensor(LOGITS), target, reduction=reduction,
                              label_smoothing=smoothing)
        np.testing.assert_allclose(out.data, expected, rtol=1e-12)


def test_single_sample_cross_entropy_and_nll():
    x = LOGITS[0]
    assert F.cross_entropy(Tensor(x), 2).item() == pytest.approx(-_log_softmax(x)[2])
    assert F.nll_loss(Tensor(x), np.int64(1)).item() == pytest.approx(-x[1])


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    p = Tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
    out = F.binary_cross_entropy(p, np.array([1.0, 0.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_array_equal(out.data, [100.0, 100.0, 0.0, 0.0])
    out.sum().backward()
    assert np.all(np.isfinite(p.grad)) and p.grad[0] < 0 < p.grad[1]


def test_value_lists_are_accepted_for_micrograd_style_losses():
    xs = [Value(v) for v in X[:, 0]]
    for loss in (F.mse_loss, F.l1_loss, F.hinge_loss):
        y = SIGNS[:, 0]
        for reduction in REDUCTIONS:
            got = loss(xs, y, reduction=reduction)
            want = loss(Tensor(X[:, 0]), y, reduction=reduction).data
            got = [v.data for v in got] if reduction == "none" else got.data
            np.testing.assert_allclose(got, want, rtol=1e-12)
    total = F.mse_loss(xs, Y[:, 0])
    total.backward()
    np.testing.assert_allclose([v.grad for v in xs], 2 * (X[:, 0] - Y[:, 0]) / len(xs))
    assert F.hinge_loss(Value(0.5), 1.0).data == pytest.approx(0.5)


def test_float32_losses_stay_float32():
    x = Tensor(LOGITS.astype(np.float32), requires_grad=True)
    for out in (F.cross_entropy(x, CLASSES, label_smoothing=0.1), F.cross_entropy(x, SOFT),
                F.mse_loss(x, LOGITS), F.binary_cross_entropy_with_logits(x, SOFT),
                F.binary_cross_entropy(x.sigmoid(), SOFT), F.hinge_loss(x, np.sign(LOGITS))):
        assert out.dtype == np.float32
        out.backward()
        assert x.grad.dtype == np.float32


# ---------------------------------------------------------------------- gradients
FLOATS = st.floats(-4, 4, allow_nan=False, allow_subnormal=False)
SHAPES = st.tuples(st.integers(1, 4), st.integers(2, 4))


@settings(max_examples=25, deadline=None)
@given(st.data(), SHAPES, st.sampled_from(REDUCTIONS))
def test_regression_and_binary_gradients(data, shape, reduction):
    x = data.draw(arrays(np.float64, shape, elements=FLOATS))
    y = data.draw(arrays(np.float64, shape, elements=FLOATS))
    q = data.draw(arrays(np.float64, shape, elements=st.floats(0, 1)))
    p = data.draw(arrays(np.float64, shape, elements=st.floats(0.05, 0.95)))
    signs = np.where(data.draw(arrays(bool, shape)), 1.0, -1.0)
    assert gradcheck(lambda a: F.mse_loss(a, y, reduction=reduction), [x])
    assert gradcheck(lambda a: F.binary_cross_entropy_with_logits(a, q, reduction=reduction), [x])
    assert gradcheck(lambda a: F.binary_cross_entropy(a, q, reduction=reduction), [p])
    if np.all(np.abs(x - y) > 1e-3):  # away from the kink of |x - y|
        assert gradcheck(lambda a: F.l1_loss(a, y, reduction=reduction), [x])
    if np.all(np.abs(1 - signs * x) > 1e-3):  # away from the hinge's kink
        assert gradcheck(lambda a: F.hinge_loss(a, signs, reduction=reduction), [x])


@settings(max_examples=25, deadline=None)
@given(st.data(), SHAPES, st.sampled_from(REDUCTIONS), st.sampled_from([0.0, 0.2]))
def test_classification_gradients(data, shape, reduction, smoothing):
    x = data.draw(arrays(np.float64, shape, elements=FLOATS))
    t = data.draw(arrays(np.int64, shape[:1], elements=st.integers(0, shape[1] - 1)))
    w = data.draw(arrays(np.float64, shape, elements=st.floats(0.01, 1)))
    soft = w / w.sum(axis=1, keepdims=True)
    for target in (t, soft):
        assert gradcheck(lambda a: F.cross_entropy(a, target, reduction=reduction,
                                                   label_smoothing=smoothing), [x])
    assert gradcheck(lambda a: F.nll_loss(a, t, reduction=reduction), [x])


# ---------------------------------------------------------------------- stability
@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_losses_stay_finite_for_huge_logits(scale):
    logits = np.array([[1.0, -1.0, 0.5], [-1.0, 1.0, 0.0]]) * scale
    targets = {
        "ce": lambda a: F.cross_entropy(a, np.array([1, 2])),
        "ce_smooth": lambda a: F.cross_entropy(a, np.array([0, 1]), label_smoothing=0.1),
        "ce_probs": lambda a: F.cross_entropy(a, np.array([[0.2, 0.3, 0.5], [1.0, 0, 0]])),
        "bce_logits": lambda a: F.binary_cross_entropy_with_logits(a, (logits < 0) * 1.0),
        "bce": lambda a: F.binary_cross_entropy(a.sigmoid(), (logits < 0) * 1.0),
        "hinge": lambda a: F.hinge_loss(a, np.ones_like(logits)),
        "mse": lambda a: F.mse_loss(a, np.zeros_like(logits)),
    }
    for name, loss in targets.items():
        x = Tensor(logits, requires_grad=True)
        with warnings.catch_warnings(), np.errstate(over="raise", divide="raise",
                                                    invalid="raise"):
            warnings.simplefilter("error")
            out = loss(x)
            out.backward()
        assert np.isfinite(out.item()), name
        assert np.all(np.isfinite(x.grad)), name
    expected = 15000.0 if scale > 0 else 5000.0  # -log_softmax picks, averaged over 2 rows
    assert F.cross_entropy(Tensor(logits), np.array([1, 2])).item() == expected


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.binary_cross_entropy,
                                  F.binary_cross_entropy_with_logits, F.hinge_loss])
def test_wrong_target_shape_names_the_loss_and_both_shapes(loss):
    with pytest.raises(ValueError, match=rf"{loss.__name__}: .*\(3,\).*\(3, 1\)"):
        loss(Tensor(np.full((3, 1), 0.5)), np.ones(3))


def test_classification_target_errors():
    x = Tensor(LOGITS)
    with pytest.raises(ValueError, match=r"cross_entropy: target shape \(5,\).*\(6, 4\)"):
        F.cross_entropy(x, CLASSES[:5])
    with pytest.raises(ValueError, match=r"cross_entropy: target shape \(6, 3\).*\(6, 4\)"):
        F.cross_entropy(x, SOFT[:, :3])
    with pytest.raises(IndexError, match="nll_loss: target class 4 is out of range for 4"):
        F.nll_loss(x, np.array([0, 1, 4, 0, 0, 0]))
    with pytest.raises(IndexError, match="class -1"):
        F.cross_entropy(x, np.array([0, 1, -1, 0, 0, 0]))
    with pytest.raises(TypeError, match="integers"):
        F.nll_loss(x, CLASSES.astype(float))
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3, 4))), np.zeros((2, 4), int))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, CLASSES, label_smoothing=1.5)


def test_other_argument_errors():
    with pytest.raises(ValueError, match="mse_loss: reduction must be"):
        F.mse_loss(Tensor(X), Y, reduction="average")
    with pytest.raises(ValueError, match="mse_loss: reduction must be"):
        F.mse_loss([Value(1.0)], [1.0], reduction="avg")
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must be .*\[0, 1\]"):
        F.binary_cross_entropy(Tensor(X), Q)
    with pytest.raises(ValueError, match="hinge_loss: targets must be -1 or \\+1"):
        F.hinge_loss(Tensor(X), (Y > 0) * 1.0)
    with pytest.raises(ValueError, match=r"hinge_loss: target shape \(2,\).*\(3,\)"):
        F.hinge_loss([Value(1.0)] * 3, [1, -1])


# ---------------------------------------------------------------------- torch parity
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", [n for n in CASES if n != "hinge_loss"])
def test_values_and_gradients_match_torch(name, reduction):
    torch = pytest.importorskip("torch")
    loss, x, y, _ = CASES[name]
    theirs = getattr(torch.nn.functional, name.replace("_probs", ""))
    tx = torch.tensor(x, requires_grad=True)
    t_out = theirs(tx, torch.tensor(y), reduction=reduction)
    t_out.backward(torch.ones_like(t_out))
    ours = Tensor(x, requires_grad=True)
    out = loss(ours, y, reduction=reduction)
    out.backward(np.ones(out.shape))
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.grad, tx.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_binary_cross_entropy_gradient_at_saturation_matches_torch():
    torch = pytest.importorskip("torch")
    p, y = np.array([0.0, 1.0, 1e-50, 0.5]), np.array([1.0, 0.0, 1.0, 0.0])
    tp = torch.tensor(p, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(tp, torch.tensor(y), reduction="sum").backward()
    ours = Tensor(p, requires_grad=True)
    F.binary_cross_entropy(ours, y, reduction="sum").backward()
    np.testing.assert_allclose(ours.grad, tp.grad.numpy())
