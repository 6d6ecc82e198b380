"""Tests for nn.layers and nn.init: shapes, names, initialisation, Dropout, gradients."""
from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd import Tensor
from autograd.gradcheck import gradcheck
from nn import functional as F
from nn import init


def mnist_mlp(rng=None) -> nn.Sequential:
    return nn.Sequential(nn.Linear(784, 128, rng=rng), nn.ReLU(), nn.Linear(128, 10, rng=rng))


def test_linear_shapes_and_forward_formula():
    layer = nn.Linear(5, 3, rng=0)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    x = np.random.default_rng(1).normal(size=(4, 5))
    out = layer(x)
    assert isinstance(out, Tensor) and out.shape == (4, 3)
    np.testing.assert_allclose(out.data, x @ layer.weight.data.T + layer.bias.data)
    assert layer(x[0]).shape == (3,)


def test_sequential_state_dict_names_and_pytorch_shapes():
    model = mnist_mlp(rng=np.random.default_rng(0))
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [v.shape for v in state.values()] == [(128, 784), (128,), (10, 128), (10,)]
    assert model(np.zeros((2, 784))).shape == (2, 10)
    assert len(model.parameters()) == 4


def test_linear_without_bias():
    layer = nn.Linear(4, 2, bias=False, rng=0)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((3, 4))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T)
    assert repr(layer) == "Linear(in_features=4, out_features=2, bias=False)"


def test_default_init_bounds_and_statistics_match_pytorch():
    layer = nn.Linear(400, 300, rng=np.random.default_rng(0))
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # really spans the interval
    assert abs(w.mean()) < 0.02 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert b.std() == pytest.approx(bound / math.sqrt(3), rel=0.2)


def test_init_is_reproducible_from_rng_and_fresh_without():
    a, b = nn.Linear(6, 4, rng=np.random.default_rng(3)), nn.Linear(6, 4, rng=3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(nn.Linear(6, 4).weight.data, nn.Linear(6, 4).weight.data)


def test_linear_gradcheck():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(3, 4)), rng.normal(size=(2, 4)), rng.normal(size=2)
    assert gradcheck(lambda x, w, b: F.linear(x, w, b), [x, w, b])
    assert gradcheck(lambda x, w: F.linear(x, w), [x, w])
    layer = nn.Linear(4, 2, rng=0)

    def through_module(x):
        return (layer(x) ** 2).sum()
    assert gradcheck(through_module, [x])


def test_linear_gradients_have_pytorch_shapes():
    layer = nn.Linear(4, 2, rng=0)
    x = np.random.default_rng(1).normal(size=(5, 4))
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, np.ones((5, 2)).T @ x)
    np.testing.assert_allclose(layer.bias.grad, np.full(2, 5.0))


def test_float32_stays_float32():
    layer = nn.Linear(3, 2, rng=0, dtype=np.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    for x in (np.ones((4, 3)), Tensor(np.ones((4, 3), dtype=np.float32))):
        out = nn.Sequential(layer, nn.ReLU(), nn.Dropout(0.5, rng=0), nn.Sigmoid())(x)
        assert out.dtype == np.float32
    out.sum().backward()
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32


def test_reprs_match_pytorch():
    model = nn.Sequential(nn.Linear(784, 128, rng=0), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(128, 10, rng=0), nn.LogSoftmax(dim=1))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=128, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.2)\n"
        "  (3): Linear(in_features=128, out_features=10, bias=True)\n"
        "  (4): LogSoftmax(dim=1)\n"
        ")")
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Softmax()) == "Softmax(dim=-1)"


def test_activation_modules_compute_their_functions():
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(nn.ReLU()(x).data, np.maximum(x, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(x).data, np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x))
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x)))
    soft = np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(dim=-1)(x).data, soft)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(x).data, np.log(soft))
    t = Tensor(x)
    assert nn.Identity(3, foo=1)(t) is t


def test_flatten_keeps_the_batch_axis():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0)(x).shape == (24,)
    assert nn.Flatten(1, 1)(x).shape == (2, 3, 4)


def test_dropout_train_zeroes_and_rescales_eval_is_identity():
    p = 0.3
    drop = nn.Dropout(p, rng=np.random.default_rng(0))
    x = Tensor(np.ones((200, 100)), requires_grad=True)
    out = drop(x)
    kept = out.data != 0
    assert kept.mean() == pytest.approx(1 - p, abs=0.01)
    np.testing.assert_allclose(out.data[kept], 1 / (1 - p))
    out.sum().backward()
    np.testing.assert_allclose(x.grad, kept / (1 - p))
    drop.eval()
    np.testing.assert_array_equal(drop(x).data, x.data)
    model = nn.Sequential(nn.Linear(3, 3, rng=0), nn.Dropout(0.5, rng=0))
    model.eval()
    assert not model[1].training
    np.testing.assert_array_equal(model(np.ones((2, 3))).data, model[0](np.ones((2, 3))).data)
    model.train()
    assert model[1].training


def test_dropout_p_zero_and_validation():
    x = Tensor(np.ones(10))
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x.data)
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="Dropout"):
            nn.Dropout(bad)
    a = nn.Dropout(0.5, rng=7)(np.ones(50)).data
    b = nn.Dropout(0.5, rng=7)(np.ones(50)).data
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------- nn.init
def test_calculate_gain_values():
    assert init.calculate_gain("linear") == 1.0 and init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="swish"):
        init.calculate_gain("swish")


def test_fans_as_torch_computes_them():
    assert init.calculate_fan_in_and_fan_out(np.empty((30, 20))) == (20, 30)
    assert init.calculate_fan_in_and_fan_out(np.empty((8, 3, 5, 5))) == (75, 200)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(Tensor(np.zeros(5)))


@pytest.mark.parametrize("fill, bound", [
    (lambda w, r: init.xavier_uniform_(w, gain=2.0, rng=r), 2.0 * math.sqrt(6 / (300 + 200))),
    (lambda w, r: init.kaiming_uniform_(w, rng=r), math.sqrt(6 / 200)),
    (lambda w, r: init.kaiming_uniform_(w, a=math.sqrt(5), rng=r), 1 / math.sqrt(200)),
    (lambda w, r: init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu", rng=r),
     math.sqrt(6 / 300)),
    (lambda w, r: init.uniform_(w, -0.3, 0.3, rng=r), 0.3),
])
def test_uniform_inits_fill_in_place_within_bounds(fill, bound):
    w = nn.Parameter(np.zeros((300, 200)))
    buffer = w.data
    assert fill(w, np.random.default_rng(0)) is w and w.data is buffer
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    assert w.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize("fill, std", [
    (lambda w, r: init.xavier_normal_(w, rng=r), math.sqrt(2 / (300 + 200))),
    (lambda w, r: init.kaiming_normal_(w, nonlinearity="relu", rng=r), math.sqrt(2 / 200)),
    (lambda w, r: init.kaiming_normal_(w, mode="fan_out", nonlinearity="tanh", rng=r),
     5 / 3 / math.sqrt(300)),
    (lambda w, r: init.normal_(w, 0.0, 0.05, rng=r), 0.05),
])
def test_normal_inits_have_the_right_spread(fill, std):
    w = nn.Parameter(np.zeros((300, 200)))
    fill(w, np.random.default_rng(0))
    assert abs(w.data.mean()) < 0.02 * std
    assert w.data.std() == pytest.approx(std, rel=0.02)


def test_constant_fills_keep_dtype_and_rng_reproduces():
    w = nn.Parameter(np.zeros((3, 4)), dtype=np.float32)
    assert init.ones_(w) is w and w.dtype == np.float32 and np.all(w.data == 1)
    init.zeros_(w)
    assert np.all(w.data == 0)
    init.xavier_uniform_(w, rng=np.random.default_rng(5))
    assert w.dtype == np.float32
    v = nn.Parameter(np.zeros((3, 4)), dtype=np.float32)
    init.xavier_uniform_(v, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(w.data, v.data)
    with pytest.raises(ValueError, match="fan_sideways"):
        init.kaiming_normal_(w, mode="fan_sideways")


def test_init_matches_torch_bounds_for_linear():
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(50, 20)
    ours = nn.Linear(50, 20, rng=0)
    bound = float(layer.weight.detach().abs().max())
    assert bound <= 1 / math.sqrt(50) and np.abs(ours.weight.data).max() <= 1 / math.sqrt(50)
    assert torch.nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        init.calculate_gain("leaky_relu", 0.2))
