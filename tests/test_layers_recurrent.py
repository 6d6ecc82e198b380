"""Tests for nn.RNN, nn.LSTM, nn.GRU and their cells: torch parity, gate equations,
gradients against finite differences, bad input, dropout between layers."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import nn
from autograd import Tensor
from autograd.gradcheck import gradcheck
from autograd.testing import arrays

KINDS = {  # name -> (our layer, our cell, torch's names, extra constructor arguments)
    "rnn_tanh": (nn.RNN, nn.RNNCell, ("RNN", "RNNCell"), {"nonlinearity": "tanh"}),
    "rnn_relu": (nn.RNN, nn.RNNCell, ("RNN", "RNNCell"), {"nonlinearity": "relu"}),
    "lstm": (nn.LSTM, nn.LSTMCell, ("LSTM", "LSTMCell"), {}),
    "gru": (nn.GRU, nn.GRUCell, ("GRU", "GRUCell"), {}),
}
CONFIGS = {  # name -> (constructor arguments, input shape, initial state shape or None)
    "one_layer": ({}, (5, 3, 4), None),
    "two_layers_bidirectional_batch_first": (
        {"num_layers": 2, "bidirectional": True, "batch_first": True}, (3, 5, 4), None),
    "h0_given": ({"num_layers": 2}, (5, 3, 4), (2, 3, 6)),
    "unbatched_bidirectional_h0": ({"bidirectional": True}, (5, 4), (2, 6)),
}
IN, HIDDEN = 4, 6


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def flatten(out) -> list:
    """The tensors of a nested (output, (h, c)) result, in order."""
    if isinstance(out, (tuple, list)):
        return [leaf for part in out for leaf in flatten(part)]
    return [out]


def exchange_weights(torch, ours, theirs) -> None:
    """Ours into torch and torch's back into ours, both strict: names and shapes agree."""
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()},
                           strict=True)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()},
                         strict=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def run_both(torch, ours, theirs, x, states, lstm) -> None:
    """Same input and states through both: outputs, input, state and weight gradients agree."""
    results = []
    for module, wrap in ((ours, Tensor), (theirs, torch.tensor)):
        leaves = [wrap(a, requires_grad=True) for a in [x, *states]]
        hx = None if not states else tuple(leaves[1:]) if lstm else leaves[1]
        outs = flatten(module(leaves[0], hx))
        rng = np.random.default_rng(7)  # the loss weighs every output the same in both
        loss = sum((o * wrap(rng.standard_normal(o.shape))).sum() for o in outs)
        loss.backward()
        results.append(([np.asarray(o.detach().numpy() if module is theirs else o.data)
                         for o in outs], [np.asarray(leaf.grad) for leaf in leaves]))
    (outs, grads), (t_outs, t_grads) = results
    assert len(outs) == len(t_outs)
    for a, b in zip(outs + grads, t_outs + t_grads):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, named[name].grad.numpy(), rtol=1e-7, atol=1e-10,
                                   err_msg=name)


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("kind", KINDS)
def test_layer_matches_torch(kind, config):
    torch = pytest.importorskip("torch")
    ours_cls, _, (torch_name, _), extra = KINDS[kind]
    kwargs, x_shape, state_shape = CONFIGS[config]
    ours = ours_cls(IN, HIDDEN, **kwargs, **extra, rng=0)
    torch.manual_seed(0)
    theirs = getattr(torch.nn, torch_name)(IN, HIDDEN, **kwargs, **extra, dtype=torch.float64)
    exchange_weights(torch, ours, theirs)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape)
    lstm = kind == "lstm"
    states = [] if state_shape is None else [
        rng.standard_normal(state_shape) for _ in range(2 if lstm else 1)]
    run_both(torch, ours, theirs, x, states, lstm)


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("kind", KINDS)
def test_cell_matches_torch(kind, batched):
    torch = pytest.importorskip("torch")
    _, ours_cls, (_, torch_name), extra = KINDS[kind]
    ours = ours_cls(IN, HIDDEN, **extra, rng=0)
    theirs = getattr(torch.nn, torch_name)(IN, HIDDEN, **extra, dtype=torch.float64)
    exchange_weights(torch, ours, theirs)
    rng = np.random.default_rng(2)
    lead = (3,) if batched else ()
    lstm = kind == "lstm"
    states = [rng.standard_normal(lead + (HIDDEN,)) for _ in range(2 if lstm else 1)]
    run_both(torch, ours, theirs, rng.standard_normal(lead + (IN,)), states, lstm)


def test_parameter_names_and_shapes_are_torchs():
    gru = nn.GRU(3, 5, num_layers=2, bidirectional=True, bias=False, rng=0)
    assert {k: v.shape for k, v in gru.state_dict().items()} == {
        "weight_ih_l0": (15, 3), "weight_hh_l0": (15, 5),
        "weight_ih_l0_reverse": (15, 3), "weight_hh_l0_reverse": (15, 5),
        "weight_ih_l1": (15, 10), "weight_hh_l1": (15, 5),
        "weight_ih_l1_reverse": (15, 10), "weight_hh_l1_reverse": (15, 5)}
    cell = nn.LSTMCell(3, 5, rng=0)
    assert list(cell.state_dict()) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert cell.weight_ih.shape == (20, 3)


def test_init_is_uniform_within_one_over_sqrt_hidden_and_seeded():
    lstm = nn.LSTM(100, 25, num_layers=2, rng=3)
    bound = 1 / np.sqrt(25)
    for name, p in lstm.named_parameters():  # every one, whatever its input size
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.9 * bound, name
    again = nn.LSTM(100, 25, num_layers=2, rng=3).state_dict()
    assert all(np.array_equal(v, again[k]) for k, v in lstm.state_dict().items())
    assert nn.GRU(2, 3, dtype=np.float32).weight_hh_l0.dtype == np.float32


def test_lstm_step_matches_numpy_gate_equations():
    cell = nn.LSTMCell(3, 4, rng=0)
    rng = np.random.default_rng(1)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    w_ih, w_hh = cell.weight_ih.data, cell.weight_hh.data
    b = cell.bias_ih.data + cell.bias_hh.data
    pre = x @ w_ih.T + h @ w_hh.T + b
    i, f, g, o = pre[:, :4], pre[:, 4:8], pre[:, 8:12], pre[:, 12:]
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h_new = sigmoid(o) * np.tanh(c_new)
    h2, c2 = cell(x, (h, c))
    np.testing.assert_allclose(c2.data, c_new, rtol=1e-12)
    np.testing.assert_allclose(h2.data, h_new, rtol=1e-12)
    # the layer's first step is the cell's step
    lstm = nn.LSTM(3, 4)
    lstm.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    out, (h_n, c_n) = lstm(x[None], (h[None], c[None]))
    np.testing.assert_allclose(h_n.data[0], h_new, rtol=1e-12)
    np.testing.assert_allclose(c_n.data[0], c_new, rtol=1e-12)


def test_gru_step_matches_numpy_gate_equations():
    cell = nn.GRUCell(3, 4, rng=0)
    rng = np.random.default_rng(1)
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    gi = x @ cell.weight_ih.data.T + cell.bias_ih.data
    gh = h @ cell.weight_hh.data.T + cell.bias_hh.data
    r = sigmoid(gi[:, :4] + gh[:, :4])
    z = sigmoid(gi[:, 4:8] + gh[:, 4:8])
    n = np.tanh(gi[:, 8:] + r * gh[:, 8:])  # the reset gate scales W_hn h + b_hn
    expected = (1 - z) * n + z * h
    np.testing.assert_allclose(cell(x, h).data, expected, rtol=1e-12)
    gru = nn.GRU(3, 4, batch_first=True)
    gru.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    out, h_n = gru(x[:, None], h[None])
    np.testing.assert_allclose(out.data[:, 0], expected, rtol=1e-12)


def test_missing_state_is_zeros():
    lstm = nn.LSTM(2, 3, rng=0)
    x = np.random.default_rng(0).standard_normal((4, 2, 2))
    zeros = np.zeros((1, 2, 3))
    out, (h, c) = lstm(x)
    out2, (h2, c2) = lstm(x, (zeros, zeros))
    assert np.array_equal(out.data, out2.data) and np.array_equal(c.data, c2.data)


@settings(max_examples=5, deadline=None)
@given(x=arrays((3, 2, 2), -2, 2), h0=arrays((1, 2, 3), -1, 1), c0=arrays((1, 2, 3), -1, 1))
def test_tiny_lstm_gradcheck(x, h0, c0):
    lstm = nn.LSTM(2, 3, rng=0)
    names = [name for name, _ in lstm.named_parameters()]

    def f(x, h0, c0, *weights):
        for name, w in zip(names, weights):
            setattr(lstm, name, w)  # the leaves gradcheck perturbs
        out, (h_n, c_n) = lstm(x, (h0, c0))
        return out.sum(0) + h_n[0] * c_n[0]

    weights = [p.data.copy() for p in lstm.parameters()]
    assert gradcheck(f, [x, h0, c0, *weights], max_elements=36)


@pytest.mark.parametrize("module, x, message", [
    (nn.LSTM(4, 3), np.zeros((5, 2, 7)), r"LSTM: expected input with 4 features .* got shape "
                                         r"\(5, 2, 7\)"),
    (nn.GRU(4, 3), np.zeros((5, 2, 4, 1)), r"GRU: expected input of 3 dimensions .* got shape "
                                           r"\(5, 2, 4, 1\)"),
    (nn.RNN(4, 3), np.zeros(4), r"RNN: expected input of 3 dimensions .* got shape \(4,\)"),
    (nn.GRUCell(4, 3), np.zeros((2, 5)), r"GRUCell: expected input with 4 features .* got "
                                         r"shape \(2, 5\)"),
    (nn.LSTMCell(4, 3), np.zeros((1, 2, 4)), r"LSTMCell: expected input of 1 .* or 2 .* got "
                                             r"shape \(1, 2, 4\)"),
])
def test_bad_input_shape_names_layer_expected_and_given(module, x, message):
    with pytest.raises(ValueError, match=message):
        module(x)


def test_bad_state_shape_names_layer_expected_and_given():
    x = np.zeros((5, 2, 4))
    with pytest.raises(ValueError, match=r"RNN: expected h0 of shape \(2, 2, 3\), got "
                                         r"\(1, 2, 3\)"):
        nn.RNN(4, 3, num_layers=2)(x, np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match=r"LSTM: expected c0 of shape \(2, 2, 3\), got "
                                         r"\(2, 2, 4\)"):
        nn.LSTM(4, 3, bidirectional=True)(x, (np.zeros((2, 2, 3)), np.zeros((2, 2, 4))))
    with pytest.raises(ValueError, match=r"GRU: expected h0 of shape \(1, 3\), got \(1, 1, 3\)"):
        nn.GRU(4, 3)(np.zeros((5, 4)), np.zeros((1, 1, 3)))  # unbatched input, batched h0
    with pytest.raises(ValueError, match=r"LSTMCell: expected c of shape \(2, 3\), got \(3,\)"):
        nn.LSTMCell(4, 3)(np.zeros((2, 4)), (np.zeros((2, 3)), np.zeros(3)))
    with pytest.raises(TypeError, match="LSTM: expected hx = \\(h0, c0\\)"):
        nn.LSTM(4, 3)(x, np.zeros((1, 2, 3)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="RNN: unknown nonlinearity 'gelu'"):
        nn.RNN(2, 3, nonlinearity="gelu")
    with pytest.raises(ValueError, match="LSTM: hidden_size must be an integer >= 1, got 0"):
        nn.LSTM(2, 0)
    with pytest.raises(ValueError, match="GRU: num_layers must be an integer >= 1, got 0"):
        nn.GRU(2, 3, num_layers=0)
    with pytest.raises(ValueError, match=r"LSTM: dropout must be a number in \[0, 1\), got 1.5"):
        nn.LSTM(2, 3, num_layers=2, dropout=1.5)


def test_dropout_between_layers_only_in_training():
    x = np.random.default_rng(0).standard_normal((6, 4, 3))
    lstm = nn.LSTM(3, 5, num_layers=2, dropout=0.5, rng=0)
    plain = nn.LSTM(3, 5, num_layers=2, rng=0)
    first = nn.LSTM(3, 5, dropout=0.5, rng=0)  # one layer: nothing between layers
    first.load_state_dict({k: v for k, v in lstm.state_dict().items() if "_l0" in k})
    trained_a, trained_b = lstm(x)[0].data, lstm(x)[0].data
    assert not np.allclose(trained_a, plain(x)[0].data)
    assert not np.allclose(trained_a, trained_b)  # a fresh mask each call
    lstm.eval()
    np.testing.assert_array_equal(lstm(x)[0].data, plain(x)[0].data)
    # the first layer's states (h_n[0]) never see the dropout, even in training mode
    lstm.train()
    np.testing.assert_array_equal(lstm(x)[1][0].data[0], first(x)[1][0].data[0])
