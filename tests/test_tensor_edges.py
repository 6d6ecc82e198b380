"""torch's answers at the edges: powers at 0 and below, empty means, no degrees of freedom,
clip with no bounds, numpy's reason kept in errors, permute's checks, Tensor + Value."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor, Value
from nn import functional as F


def _pow_grads(base: float, exponent: float) -> tuple[float, float]:
    x, y = Tensor(base, requires_grad=True), Tensor(exponent, requires_grad=True)
    with np.errstate(all="ignore"):
        (x ** y).backward()
    return float(x.grad), float(y.grad)


@pytest.mark.parametrize("base, exponent", [(0.0, 0.0), (2.0, 0.0), (0.0, 2.0), (0.0, -1.0),
                                            (-2.0, 3.0), (-2.0, 0.5), (0.0, 0.5), (3.0, -2.0)])
def test_pow_gradients_match_torch(base: float, exponent: float):
    torch = pytest.importorskip("torch")
    x = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
    (x ** y).backward()
    np.testing.assert_equal(_pow_grads(base, exponent), (x.grad.item(), y.grad.item()))


def test_pow_gradients_by_hand():
    assert _pow_grads(0.0, 0.0) == (0.0, 0.0)  # not nan
    assert _pow_grads(0.0, -1.0)[1] == -np.inf
    assert np.isnan(_pow_grads(-2.0, 3.0)[1])  # ln of a negative base, as torch


def test_mean_over_an_empty_axis_is_nan_and_its_backward_is_empty():
    t = Tensor(np.zeros((0, 3)), requires_grad=True)
    out = t.mean(0)
    assert out.shape == (3,) and np.all(np.isnan(out.data))
    out.sum().backward()
    assert t.grad.shape == (0, 3)
    assert np.isnan(Tensor(np.zeros(0)).mean().item())


@pytest.mark.parametrize("reduction, expected", [("mean", np.nan), ("sum", 0.0)])
def test_cross_entropy_of_an_empty_batch_is_quiet_and_its_backward_is_empty(reduction, expected):
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 / 0 warning: torch's nan (or 0) quietly
        loss = F.cross_entropy(x, np.zeros(0, dtype=np.int64), reduction=reduction)
        loss.backward()
    np.testing.assert_array_equal(loss.data, expected)
    assert x.grad.shape == (0, 3)


def test_var_and_std_without_degrees_of_freedom_match_torch():
    torch = pytest.importorskip("torch")
    for data, correction in [([1.0], 1), ([1.0, 2.0], 2), ([1.0, 3.0], 3), ([2.0, 2.0], 2)]:
        ours = Tensor(data).var(correction=correction).item()
        theirs = torch.tensor(data, dtype=torch.float64).var(correction=correction).item()
        np.testing.assert_equal(ours, theirs)
        np.testing.assert_equal(Tensor(data).std(correction=correction).item(),
                                torch.tensor(data).double().std(correction=correction).item())


def test_var_by_hand():
    assert np.isnan(Tensor([5.0]).var().item())
    assert Tensor([1.0, 3.0]).var(correction=2).item() == np.inf
    assert Tensor([1.0, 3.0]).var().item() == 2.0


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="clip: at least one of min and max"):
        Tensor([1.0]).clip()
    assert Tensor([3.0]).clamp(max=1.0).item() == 1.0


@pytest.mark.parametrize("make, kind, reason", [
    (lambda: Tensor(np.ones((2, 3))).sum(axis=5), IndexError, "out of bounds"),
    (lambda: Tensor(np.ones((2, 3))).sum(axis=(0, 0)), ValueError, "duplicate"),
    (lambda: Tensor(np.ones((0, 3))).amax(0), ValueError, "identity"),
    (lambda: Tensor(np.array([2])) ** Tensor(np.array([-1])), ValueError, "negative"),
    (lambda: ag.concatenate([]), ValueError, "non-empty"),
    (lambda: Tensor(np.ones(2)) + Tensor(np.ones(3)), ValueError, "broadcast"),
])
def test_an_error_keeps_numpy_s_reason_and_type(make, kind, reason):
    with pytest.raises(kind, match=reason):
        make()


def test_an_axis_error_is_both_an_index_and_a_value_error():
    with pytest.raises(IndexError) as caught:
        Tensor(np.ones(2)).mean(axis=3)
    assert isinstance(caught.value, ValueError) and "mean" in str(caught.value)


def test_permute_refuses_bad_axes():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match="permute: dimension out of range"):
        t.permute(0, 3)
    with pytest.raises(ValueError, match="permute: repeated dim"):
        t.permute(1, 1)
    with pytest.raises(ValueError, match="permute: expected 0 dims"):
        Tensor(1.0).permute(0)
    assert Tensor(1.0).permute().shape == ()
    with pytest.raises(IndexError, match="transpose"):
        t.transpose(0, 2)


def test_tensor_plus_value_raises_like_value_plus_tensor():
    with pytest.raises(TypeError, match="Value"):
        Tensor([1.0]) + Value(1.0)
    with pytest.raises(TypeError, match="Tensor"):
        Value(1.0) + Tensor([1.0])


def test_torch_indexing_rule_for_an_integer_beside_an_index():
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(2, 3, 4)
    for index in [(1, slice(None), [0, 2]), (slice(None), 0, [1, 1, 3]),
                  (Ellipsis, [0, 1], 2), (None, 1, [0, 2], slice(1, 3))]:
        ours = Tensor(x)[tuple(np.array(i) if isinstance(i, list) else i for i in index)]
        theirs = torch.tensor(x)[tuple(torch.tensor(i) if isinstance(i, list) else i
                                       for i in index)]
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
