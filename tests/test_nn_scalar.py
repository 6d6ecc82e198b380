"""Tests for nn.scalar: micrograd-compatible Neuron, Layer and MLP over Values."""
from __future__ import annotations

import random
import sys

import numpy as np
import pytest

import nn
from autograd import Value
from nn.functional import hinge_loss
from nn.scalar import MLP, Layer, Neuron

MICROGRAD_REPR = ("MLP of [Layer of [ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3), ReLUNeuron(3)], "
                  "Layer of [ReLUNeuron(4), ReLUNeuron(4), ReLUNeuron(4), ReLUNeuron(4)], "
                  "Layer of [LinearNeuron(4)]]")


def test_mlp_3_4_4_1_has_41_parameters_in_a_list():
    params = MLP(3, [4, 4, 1]).parameters()
    assert isinstance(params, list) and len(params) == 41
    assert all(isinstance(p, Value) for p in params)


@pytest.mark.parametrize("seed", [0, 1, 1337])
def test_weights_are_the_global_random_draws_in_micrograd_order(seed):
    random.seed(seed)
    draws = [random.uniform(-1, 1) for _ in range(41 - 9)]
    random.seed(seed)
    model = MLP(3, [4, 4, 1])
    expected, k = [], 0
    for nin, nout in [(3, 4), (4, 4), (4, 1)]:
        for _ in range(nout):
            expected += draws[k:k + nin] + [0.0]
            k += nin
    assert [p.data for p in model.parameters()] == expected


def _inputs(seed: int) -> list[list[float]]:
    return np.random.default_rng(seed).normal(size=(5, 3)).tolist()


@pytest.mark.parametrize("seed", [0, 7, 42])
def test_micrograds_nn_code_on_our_value_gives_micrograds_numbers(seed, monkeypatch):
    """micrograd's own nn.py, built from our Value, against micrograd itself: the forward pass
    is the same float operations in the same order, so outputs agree bit for bit. Gradients
    agree to 1e-12: where a node feeds several others its gradient is a sum whose order
    follows the topological sort, and micrograd sorts children kept in a set."""
    mg = pytest.importorskip("micrograd.nn")
    random.seed(seed)
    theirs = mg.MLP(3, [4, 4, 1])
    monkeypatch.setattr(mg, "Value", Value)
    random.seed(seed)
    drop_in = mg.MLP(3, [4, 4, 1])
    assert all(isinstance(p, Value) for p in drop_in.parameters())
    assert [p.data for p in drop_in.parameters()] == [p.data for p in theirs.parameters()]
    for x in _inputs(seed):
        a, b = drop_in(x), theirs(x)
        assert a.data == b.data
        a.backward()
        b.backward()
    assert [p.grad for p in drop_in.parameters()] == pytest.approx(
        [p.grad for p in theirs.parameters()], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 7, 42])
def test_our_mlp_has_micrograds_weights_and_its_outputs_and_gradients_to_1e_12(seed):
    """nn.MLP draws micrograd's weights and prints micrograd's repr. Each neuron is one
    Value.dot node, whose sum(w*x) is Python's sum() of floats: from Python 3.12 on that sum
    is compensated (more precise than micrograd's one-by-one additions), so outputs may
    differ from micrograd's in the last bits there; before 3.12 they agree bit for bit."""
    mg = pytest.importorskip("micrograd.nn")
    random.seed(seed)
    ours = MLP(3, [4, 4, 1])
    random.seed(seed)
    theirs = mg.MLP(3, [4, 4, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    for x in _inputs(seed):
        a, b = ours(x), theirs(x)
        assert a.data == pytest.approx(b.data, rel=1e-12, abs=1e-12)
        if sys.version_info < (3, 12):
            assert a.data == b.data
        a.backward()
        b.backward()
    assert [p.grad for p in ours.parameters()] == pytest.approx(
        [p.grad for p in theirs.parameters()], rel=1e-12, abs=1e-12)
    assert repr(ours) == repr(theirs) == MICROGRAD_REPR


def test_rng_argument_leaves_global_random_alone_and_is_reproducible():
    random.seed(5)
    state = random.getstate()
    a = MLP(2, [3, 1], rng=random.Random(0))
    assert random.getstate() == state
    b = MLP(2, [3, 1], rng=random.Random(0))
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    c = MLP(2, [3, 1], rng=random.Random(1))
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]


def test_neuron_is_one_dot_node_then_its_activation():
    n = Neuron(3, rng=random.Random(0))
    out = n([1.0, 2.0, 3.0])
    assert out._op == "ReLU" and out._prev[0]._op == "dot"
    pre = sum(w.data * x for w, x in zip(n.w, [1.0, 2.0, 3.0])) + n.b.data
    assert out.data == pytest.approx(max(pre, 0.0))
    linear = Neuron(3, nonlin=False, rng=random.Random(0))([1.0, 2.0, 3.0])
    assert linear._op == "dot" and linear.data == pytest.approx(pre)


@pytest.mark.parametrize("activation, fn", [("tanh", np.tanh),
                                            ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
                                            ("relu", lambda z: max(z, 0.0))])
def test_hidden_activation_choice_and_linear_last_layer(activation, fn):
    model = MLP(2, [3, 1], activation=activation, rng=random.Random(3))
    x = [0.3, -0.7]
    hidden = [fn(sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data)
              for n in model.layers[0].neurons]
    last = model.layers[1].neurons[0]
    expected = sum(w.data * h for w, h in zip(last.w, hidden)) + last.b.data
    assert model(x).data == pytest.approx(expected)
    name = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}[activation]
    assert repr(model.layers[0].neurons[0]) == f"{name}Neuron(2)"
    assert repr(last) == "LinearNeuron(3)"


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="swish"):
        MLP(2, [3, 1], activation="swish")


def test_layer_returns_bare_value_for_one_neuron_else_a_list():
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3
    assert repr(Layer(2, 2, nonlin=False)) == "Layer of [LinearNeuron(2), LinearNeuron(2)]"


def test_state_dict_keys_and_round_trip():
    model = MLP(3, [4, 4, 1], rng=random.Random(0))
    state = model.state_dict()
    keys = list(state)
    assert len(keys) == 41
    assert keys[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                        "layers.0.neurons.0.w.2", "layers.0.neurons.0.b"]
    assert keys[-1] == "layers.2.neurons.0.b"
    other = MLP(3, [4, 4, 1], rng=random.Random(1))
    other.load_state_dict(state)
    assert [p.data for p in other.parameters()] == [p.data for p in model.parameters()]
    assert isinstance(nn.MLP(2, [1]), nn.Module)


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [3, 1], rng=random.Random(0))
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def _moons_like(n: int, seed: int) -> tuple[list[list[float]], np.ndarray]:
    """Two noisy interleaved half circles, labels ±1 (like sklearn's make_moons)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    points = np.stack([x, y], axis=1) + rng.normal(0, 0.1, (n, 2))
    return points.tolist(), np.where(upper, 1, -1)


def test_micrograd_demo_training_loop_with_hinge_loss_reduces_loss():
    xs, ys = _moons_like(40, seed=0)
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))

    def loss_and_accuracy():
        scores = [model(x) for x in xs]
        data_loss = hinge_loss(scores, ys)
        reg = 1e-4 * Value.sum(p * p for p in model.parameters())
        accuracy = np.mean([(y > 0) == (s.data > 0) for y, s in zip(ys, scores)])
        return data_loss + reg, accuracy, scores

    first, _, scores = loss_and_accuracy()
    manual = sum((1 + -y * s).relu() for y, s in zip(ys, scores)) * (1.0 / len(scores))
    assert hinge_loss(scores, ys).data == pytest.approx(manual.data)
    for k in range(30):
        loss, accuracy, _ = loss_and_accuracy()
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 30) * p.grad
    final, accuracy, _ = loss_and_accuracy()
    assert final.data < 0.5 * first.data
    assert accuracy >= 0.85
