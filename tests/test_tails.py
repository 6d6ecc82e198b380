"""Accurate tails: sigmoid keeps its relative precision down to the dtype's smallest values,
and binary cross-entropy of it is the accurate log (clamped at -100 as torch clamps)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograd import Tensor
from nn import functional as F

mpmath = pytest.importorskip("mpmath")
mpmath.mp.dps = 50

# float32 reaches its normal floor near -87 and its last subnormal near -103; float64 near
# -708 and -745. Below the floor relative error grows as subnormals lose bits, so each point
# is checked against the precision a subnormal result can carry.
POINTS = {np.float32: [-103.0, -100.0, -87.0, -60.0, -38.0, -20.0, -5.0, -0.5, 0.0, 0.5, 5.0,
                       20.0, 88.0, 1e4],
          np.float64: [-745.0, -740.0, -708.0, -500.0, -100.0, -38.0, -20.0, -1.0, 0.0, 1.0,
                       20.0, 40.0, 710.0, 1e6]}


def _exact(x: float) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-mpmath.mpf(x)))


def _allowed(dtype, exact) -> float:
    """Relative error a correctly rounded result of `dtype` can have at `exact`."""
    info = np.finfo(dtype)
    spacing = max(float(exact) * float(info.eps), float(info.smallest_subnormal))
    return 4 * spacing / float(exact)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_has_relative_accuracy_over_the_whole_range(dtype):
    x = np.array(POINTS[dtype], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or underflow warnings either
        got = Tensor(x).sigmoid().data
    assert got.dtype == dtype
    for xi, gi in zip(x, got):
        exact = _exact(float(xi))
        rel = abs(mpmath.mpf(float(gi)) - exact) / exact
        assert rel <= _allowed(dtype, exact), (dtype, float(xi), float(gi), float(exact))


@given(st.floats(-745.0, 745.0))
def test_sigmoid_float64_near_correctly_rounded(x: float):
    got = Tensor(np.array([x])).sigmoid().data[0]
    exact = _exact(x)
    assert abs(mpmath.mpf(float(got)) - exact) / exact <= _allowed(np.float64, exact)


def test_sigmoid_gradient_is_accurate_in_the_tail():
    x = Tensor(np.array([-50.0, -700.0]), requires_grad=True)
    x.sigmoid().sum().backward()
    exact = [float(_exact(v) * (1 - _exact(v))) for v in (-50.0, -700.0)]
    np.testing.assert_allclose(x.grad, exact, rtol=1e-12)


@pytest.mark.parametrize("x, y, expected", [
    (-50.0, 1.0, 50.0),     # log σ(-50) = -50 exactly enough; the old tanh form gave 100
    (-90.0, 1.0, 90.0),
    (-200.0, 1.0, 100.0),   # log σ(-200) = -200, clamped at -100 as torch clamps
    (50.0, 0.0, 50.0),      # log(1 - σ(50)) is lost to rounding: σ(50) == 1 in float64...
])
def test_bce_of_sigmoid_is_the_accurate_log_clamped_at_100(x, y, expected):
    p = Tensor(np.array([x])).sigmoid()
    loss = F.binary_cross_entropy(p, np.array([y])).item()
    if x > 0:  # ... so torch and this code both give the clamp
        expected = 100.0
    assert loss == pytest.approx(expected, rel=1e-12)


def test_bce_of_sigmoid_matches_torch_in_the_tails():
    torch = pytest.importorskip("torch")
    x = np.array([-100.0, -60.0, -30.0, -5.0, 0.0, 5.0, 30.0, 60.0])
    y = np.array([1.0, 1.0, 0.0, 1.0, 0.5, 0.0, 1.0, 0.0])
    ours = F.binary_cross_entropy(Tensor(x).sigmoid(), y, reduction="none").data
    ref = torch.nn.functional.binary_cross_entropy(
        torch.tensor(x).sigmoid(), torch.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
