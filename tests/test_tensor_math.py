"""Elementwise math and activations: values and gradients against torch (kinks included),
gradcheck of the compositions over drawn inputs, operators and truth values."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
from autograd import Tensor, testing
from autograd.gradcheck import gradcheck, gradgradcheck

# the kinks of relu6, hardtanh, hardsigmoid, hardswish, elu... and ordinary points
POINTS = np.array([-6.0, -3.0, -2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.0, 3.0, 6.0, 7.5, 25.0])
UNIT = np.array([-0.9, -0.5, 0.0, 0.3, 0.8])

CASES = {  # name: (ours, torch's (given the torch module), inputs)
    "gelu": (lambda x: x.gelu(), lambda t, x: t.nn.functional.gelu(x), POINTS),
    "gelu_tanh": (lambda x: x.gelu("tanh"),
                  lambda t, x: t.nn.functional.gelu(x, approximate="tanh"), POINTS),
    "silu": (lambda x: x.silu(), lambda t, x: t.nn.functional.silu(x), POINTS),
    "elu": (lambda x: x.elu(0.7), lambda t, x: t.nn.functional.elu(x, 0.7), POINTS),
    "selu": (lambda x: x.selu(), lambda t, x: t.selu(x), POINTS),
    "celu": (lambda x: x.celu(0.5), lambda t, x: t.celu(x, 0.5), POINTS),
    "mish": (lambda x: x.mish(), lambda t, x: t.nn.functional.mish(x), POINTS),
    "softsign": (lambda x: x.softsign(), lambda t, x: t.nn.functional.softsign(x), POINTS),
    "hardtanh": (lambda x: x.hardtanh(-1.0, 2.0),
                 lambda t, x: t.nn.functional.hardtanh(x, -1.0, 2.0), POINTS),
    "hardsigmoid": (lambda x: x.hardsigmoid(), lambda t, x: t.nn.functional.hardsigmoid(x),
                    POINTS),
    "hardswish": (lambda x: x.hardswish(), lambda t, x: t.nn.functional.hardswish(x), POINTS),
    "relu6": (lambda x: x.relu6(), lambda t, x: t.nn.functional.relu6(x), POINTS),
    "logsigmoid": (lambda x: x.logsigmoid(), lambda t, x: t.nn.functional.logsigmoid(x),
                   POINTS),
    "softplus": (lambda x: x.softplus(2.0, 5.0),
                 lambda t, x: t.nn.functional.softplus(x, 2.0, 5.0), POINTS),
    "softmin": (lambda x: x.softmin(0), lambda t, x: t.nn.functional.softmin(x, 0), POINTS),
    "tan": (lambda x: x.tan(), lambda t, x: t.tan(x), UNIT),
    "asin": (lambda x: x.asin(), lambda t, x: t.asin(x), UNIT),
    "acos": (lambda x: x.acos(), lambda t, x: t.acos(x), UNIT),
    "atan": (lambda x: x.atan(), lambda t, x: t.atan(x), POINTS),
    "sinh": (lambda x: x.sinh(), lambda t, x: t.sinh(x), UNIT),
    "cosh": (lambda x: x.cosh(), lambda t, x: t.cosh(x), UNIT),
    "asinh": (lambda x: x.asinh(), lambda t, x: t.asinh(x), POINTS),
    "acosh": (lambda x: (x.abs() + 1.5).acosh(), lambda t, x: t.acosh(x.abs() + 1.5), UNIT),
    "atanh": (lambda x: x.atanh(), lambda t, x: t.atanh(x), UNIT),
    "erf": (lambda x: x.erf(), lambda t, x: t.erf(x), POINTS),
    "exp2": (lambda x: x.exp2(), lambda t, x: t.exp2(x), UNIT),
    "log2": (lambda x: (x.abs() + 0.1).log2(), lambda t, x: t.log2(x.abs() + 0.1), POINTS),
    "log10": (lambda x: (x.abs() + 0.1).log10(), lambda t, x: t.log10(x.abs() + 0.1), POINTS),
    "log1p": (lambda x: x.log1p(), lambda t, x: t.log1p(x), UNIT),
    "expm1": (lambda x: x.expm1(), lambda t, x: t.expm1(x), UNIT),
    "rsqrt": (lambda x: (x.abs() + 0.1).rsqrt(), lambda t, x: t.rsqrt(x.abs() + 0.1), POINTS),
    "square": (lambda x: x.square(), lambda t, x: t.square(x), POINTS),
    "sign": (lambda x: x.sign(), lambda t, x: t.sign(x), POINTS),
    "floor": (lambda x: x.floor(), lambda t, x: t.floor(x), POINTS),
    "ceil": (lambda x: x.ceil(), lambda t, x: t.ceil(x), POINTS),
    "round": (lambda x: x.round(), lambda t, x: t.round(x), POINTS),
    "trunc": (lambda x: x.trunc(), lambda t, x: t.trunc(x), POINTS),
    "frac": (lambda x: x.frac(), lambda t, x: t.frac(x), POINTS),
    "fmod": (lambda x: x.fmod(1.5), lambda t, x: t.fmod(x, 1.5), POINTS),
    "remainder": (lambda x: x % 1.5, lambda t, x: x % 1.5, POINTS),
    "copysign": (lambda x: x.copysign(-1.0), lambda t, x: t.copysign(x, -1.0), POINTS),
    "logaddexp": (lambda x: x.logaddexp(x * 0.5), lambda t, x: t.logaddexp(x, x * 0.5),
                  POINTS),
    "lerp": (lambda x: x.lerp(x * x, 0.25), lambda t, x: t.lerp(x, x * x, 0.25), POINTS),
    "hypot": (lambda x: x.hypot(x + 1.0), lambda t, x: t.hypot(x, x + 1.0), POINTS),
    "nan_to_num": (lambda x: (x.log()).nan_to_num(0.0, 9.0, -9.0),
                   lambda t, x: t.nan_to_num(t.log(x), 0.0, 9.0, -9.0), POINTS),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_gradient_match_torch(name: str):
    torch = pytest.importorskip("torch")
    ours, theirs, points = CASES[name]
    x = Tensor(points, requires_grad=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = ours(x)
        out.backward(np.ones(out.shape))
    tx = torch.tensor(points, requires_grad=True)
    tout = theirs(torch, tx)
    tout.backward(torch.ones_like(tout))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-7, atol=1e-12)


SMOOTH = {  # compositions checked by gradcheck away from their kinks
    "gelu": lambda x: x.gelu(), "gelu_tanh": lambda x: x.gelu("tanh"),
    "silu": lambda x: x.silu(), "mish": lambda x: x.mish(), "elu": lambda x: x.elu(),
    "celu": lambda x: x.celu(2.0), "softsign": lambda x: x.softsign(),
    "logsigmoid": lambda x: x.logsigmoid(), "softmin": lambda x: x.softmin(-1),
    "tan": lambda x: (x * 0.3).tan(), "hardswish": lambda x: x.hardswish(),
    "logaddexp": lambda x: x.logaddexp(x * x), "lerp": lambda x: x.lerp(x.sin(), x.cos()),
    "hypot": lambda x: x.hypot(x + 10.0), "exp2": lambda x: x.exp2(),
    "log2": lambda x: (x * x + 1).log2(), "softplus": lambda x: x.softplus(3.0, 4.0),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@given(data=st.data())
def test_compositions_pass_gradcheck(name: str, data: st.DataObject):
    # away from 0 (softsign, elu...) and ±3 (hardswish) and βx = threshold (softplus)
    pieces = st.one_of(testing.floats(-4.0, -3.1), testing.floats(-2.9, -0.1),
                       testing.floats(0.1, 1.3), testing.floats(1.4, 2.9))
    x = data.draw(testing.arrays(data.draw(testing.shapes(min_dims=1)), elements=pieces))
    assert gradcheck(SMOOTH[name], [x])
    assert gradgradcheck(SMOOTH[name], [x])


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="gelu.*'none' or 'tanh'.*'erf'"):
        Tensor([1.0]).gelu("erf")


def test_activation_layers_call_their_functions():
    x = Tensor(POINTS)
    for layer, method in [(nn.GELU("tanh"), lambda t: t.gelu("tanh")), (nn.SiLU(), Tensor.silu),
                          (nn.ELU(0.5), lambda t: t.elu(0.5)), (nn.SELU(), Tensor.selu),
                          (nn.CELU(), Tensor.celu), (nn.Mish(), Tensor.mish),
                          (nn.Softsign(), Tensor.softsign), (nn.Hardtanh(-2, 2),
                                                             lambda t: t.hardtanh(-2, 2)),
                          (nn.Hardsigmoid(), Tensor.hardsigmoid),
                          (nn.Hardswish(), Tensor.hardswish), (nn.ReLU6(), Tensor.relu6),
                          (nn.LogSigmoid(), Tensor.logsigmoid),
                          (nn.Softplus(2.0), lambda t: t.softplus(2.0)),
                          (nn.Softmin(0), lambda t: t.softmin(0))]:
        np.testing.assert_array_equal(layer(x).data, method(x).data)
    assert repr(nn.Softplus(2.0)) == "Softplus(beta=2.0, threshold=20.0)"
    np.testing.assert_array_equal(nn.functional.gelu(x).data, x.gelu().data)


def test_arithmetic_methods_in_torch_spelling():
    a, b = Tensor([1.0, -7.0]), Tensor([2.0, 2.0])
    np.testing.assert_array_equal(a.add(b, alpha=3).data, [7.0, -1.0])
    np.testing.assert_array_equal(a.sub(b, alpha=0.5).data, [0.0, -8.0])
    np.testing.assert_array_equal(a.div(b, rounding_mode="trunc").data, [0.0, -3.0])
    np.testing.assert_array_equal(a.div(b, rounding_mode="floor").data, [0.0, -4.0])
    np.testing.assert_array_equal((a // b).data, [0.0, -4.0])
    np.testing.assert_array_equal((a % b).data, [1.0, 1.0])
    assert a.dot(b).item() == -12.0 and a.mul(b).pow(2).neg().tolist() == [-4.0, -196.0]
    np.testing.assert_array_equal(ag.outer(a, b).data, [[2.0, 2.0], [-14.0, -14.0]])
    with pytest.raises(ValueError, match=r"dot: expected two 1-D.*\(1, 2\)"):
        a.dot(b.reshape(1, 2))


def test_comparisons_are_elementwise_and_hashing_stays_identity():
    a = Tensor([1.0, 2.0, 3.0])
    assert (a == 2.0).tolist() == [False, True, False]
    assert (a != Tensor([1.0, 0.0, 3.0])).tolist() == [False, True, False]
    assert (a <= 2).dtype == np.bool_ and not (a == None)  # noqa: E711
    b = Tensor([1.0, 2.0, 3.0])
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b" and len({a, b}) == 2


def test_truth_of_a_tensor_is_torch_s():
    assert not Tensor([3.0]) < 1.0 and bool(Tensor(2.0)) and not Tensor([0.0])
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(Tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        bool(Tensor([]))


def test_bitwise_operators_on_bool_and_integer_tensors():
    p, q = Tensor([True, False]), Tensor([True, True])
    assert (p & q).tolist() == [True, False] and (p | q).tolist() == [True, True]
    assert (p ^ q).tolist() == [False, True] and (~p).tolist() == [False, True]
    n = Tensor(np.array([1, 4]))
    assert (n << 2).tolist() == [4, 16] and (n >> 1).tolist() == [0, 2]
    with pytest.raises(TypeError, match="bitwise_and: needs integer or bool.*float64"):
        Tensor([1.0]) & Tensor([1.0])
    with pytest.raises(TypeError, match="left_shift: needs integer"):
        p << 1


def test_predicates_and_isclose():
    x = Tensor([np.nan, np.inf, -1.0])
    assert x.isnan().tolist() == [True, False, False] and x.isinf().tolist() == [False, True,
                                                                                False]
    assert x.isfinite().tolist() == [False, False, True]
    assert Tensor([1.0, 2.0]).isclose(Tensor([1.0 + 1e-9, 2.1])).tolist() == [True, False]
    assert math.isclose(Tensor([100.0]).nan_to_num().item(), 100.0)


def test_elu_family_has_no_overflow_in_the_unused_branch():
    x = Tensor([1000.0, -1000.0], requires_grad=True)
    (x.elu() + x.selu() + x.celu(0.5)).sum().backward()
    assert np.all(np.isfinite(x.grad)) and x.grad[0] > 0
