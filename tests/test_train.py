"""Tests for nn.train (Keras-shaped compile/fit/evaluate/predict, History) and nn.metrics."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
from autograd import Tensor, no_grad
from nn import functional as F
from nn import metrics as M
from nn import optim
from nn.layers import Linear, ReLU, Sigmoid, Softmax
from nn import Sequential
from nn.module import Module
from nn.train import History, Trainer, evaluate, fit, predict


class Net(Sequential):
    """A Sequential (an nn.Model, so it has the Keras methods)."""


class Recorder(Module):
    """Identity layer remembering (training flag, grad mode, input rows) of every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[bool, bool, np.ndarray]] = []

    def forward(self, x: Tensor) -> Tensor:
        self.calls.append((self.training, autograd.is_grad_enabled(), np.array(x.data)))
        return x


def blobs(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian classes in 4-D."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = 3.0 * np.eye(3, 4)
    return centers[y] + 0.5 * rng.standard_normal((n, 4)), y


def classifier(seed: int = 0) -> Net:
    return Net(Linear(4, 16, rng=seed), ReLU(), Linear(16, 3, rng=seed + 1))


def test_fit_reduces_loss_and_returns_history_with_keys_and_lengths() -> None:
    x, y = blobs()
    model = classifier()
    model.compile(optim.SGD(model.parameters(), lr=0.1), "cross_entropy", ["accuracy"])
    history = model.fit(x, y, epochs=6, batch_size=16, validation_split=0.25, seed=0,
                        verbose=0)
    assert isinstance(history, History) and model.history is history
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(v) == 6 for v in history.history.values())
    assert history.epoch == list(range(6))
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.9
    assert history.history["lr"] == [0.1] * 6


def test_validation_split_takes_the_last_fraction_before_shuffling() -> None:
    recorder = Recorder()
    model = Net(recorder, Linear(1, 1, rng=0))
    model.compile("sgd", "mse")
    x = np.arange(20, dtype=float).reshape(20, 1)
    model.fit(x, np.zeros(20), epochs=2, batch_size=4, validation_split=0.25, seed=3,
              verbose=0)
    train = np.concatenate([rows for training, _, rows in recorder.calls if training])
    val = np.concatenate([rows for training, _, rows in recorder.calls if not training])
    assert sorted(train.ravel()) == sorted(list(range(15)) * 2)  # every train row, each epoch
    assert sorted(val.ravel()) == sorted(list(range(15, 20)) * 2)
    assert all(grad for training, grad, _ in recorder.calls if training)
    assert not any(grad for training, grad, _ in recorder.calls if not training)
    first_epoch = np.concatenate([r for t, _, r in recorder.calls[:5] if t]).ravel()
    assert list(first_epoch) != list(range(15))  # shuffled


def test_shuffle_false_keeps_order_and_seed_makes_fit_reproducible() -> None:
    recorder = Recorder()
    model = Net(recorder, Linear(1, 1, rng=0))
    model.compile("sgd", "mse")
    x = np.arange(10, dtype=float)[:, None]
    model.fit(x, np.zeros(10), batch_size=4, shuffle=False, verbose=0)
    assert [list(r.ravel()) for _, _, r in recorder.calls] == [[0, 1, 2, 3], [4, 5, 6, 7],
                                                               [8, 9]]
    weights = []
    for _ in range(2):
        x, y = blobs()
        model = classifier()
        model.compile("adam", "cross_entropy")
        model.fit(x, y, epochs=2, seed=7, verbose=0)
        weights.append(model.state_dict())
    for key in weights[0]:
        np.testing.assert_array_equal(weights[0][key], weights[1][key])


def test_fit_restores_the_mode_the_model_was_in() -> None:
    recorder = Recorder()
    model = Net(recorder, Linear(1, 1, rng=0))
    model.compile("sgd", "mse")
    model.eval()
    model.fit(np.ones((4, 1)), np.ones(4), validation_data=(np.ones((2, 1)), np.ones(2)),
              verbose=0)
    assert [t for t, _, _ in recorder.calls] == [True, False]
    assert model.training is False and recorder.training is False


def test_validation_data_overrides_split_and_matches_evaluate() -> None:
    x, y = blobs(90)
    xv, yv = blobs(30, seed=1)
    model = classifier()
    model.compile(optim.Adam(model.parameters(), lr=0.01), "cross_entropy", ["accuracy"])
    history = model.fit(x, y, epochs=2, validation_data=(xv, yv), validation_split=0.5,
                        verbose=0)
    result = model.evaluate(xv, yv)
    assert result == {"loss": history.history["val_loss"][-1],
                      "accuracy": history.history["val_accuracy"][-1]}


def test_evaluate_weights_uneven_batches_to_the_full_data_values() -> None:
    x, y = blobs(50)
    model = classifier()
    model.compile("sgd", "cross_entropy", ["accuracy", "acc"])
    result = model.evaluate(x, y, batch_size=7)
    with no_grad():
        logits = model(Tensor(x))
    assert set(result) == {"loss", "accuracy", "acc"}
    assert result["loss"] == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-12)
    assert result["accuracy"] == pytest.approx(np.mean(logits.data.argmax(1) == y))


def test_rmse_over_batches_is_the_root_of_the_overall_mean_square() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((23, 2)), rng.standard_normal(23)
    model = Net(Linear(2, 1, rng=0))
    model.compile("sgd", "mse", ["mse", "rmse", "mae"])
    result = model.evaluate(x, y, batch_size=4)
    err = model.predict(x)[:, 0] - y
    assert result["rmse"] == pytest.approx(math.sqrt(np.mean(err ** 2)), rel=1e-12)
    assert result["mse"] == pytest.approx(result["loss"], rel=1e-12)
    assert result["mae"] == pytest.approx(np.mean(np.abs(err)), rel=1e-12)


def test_predict_equals_forward_under_no_grad_in_eval_mode() -> None:
    x, _ = blobs(37)
    recorder = Recorder()
    model = Net(recorder, Linear(4, 16, rng=0), ReLU(), Linear(16, 3, rng=1))
    out = model.predict(Tensor(x), batch_size=8)
    with no_grad():
        expected = model(Tensor(x)).data
    assert isinstance(out, np.ndarray) and out.shape == (37, 3)
    np.testing.assert_array_equal(out, expected)
    assert len(recorder.calls) == 5 + 1
    assert all(not training and not grad for training, grad, _ in recorder.calls[:5])
    assert model.training is True  # restored


def test_categorical_losses_on_probability_outputs() -> None:
    x, y = blobs(40)
    onehot = np.eye(3)[y]
    model = Net(Linear(4, 3, rng=0), Softmax())
    probs = model.predict(x)
    expected = -np.mean(np.log(probs[np.arange(40), y]))
    model.compile("sgd", "categorical_crossentropy", ["accuracy"])
    result = model.evaluate(x, onehot, batch_size=8)
    assert result["loss"] == pytest.approx(expected, rel=1e-9)
    assert result["accuracy"] == pytest.approx(np.mean(probs.argmax(1) == y))
    model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
    assert model.evaluate(x, y)["loss"] == pytest.approx(expected, rel=1e-9)
    model.compile("adam", "categorical_crossentropy")
    history = model.fit(x, onehot, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_binary_accuracy_thresholds_logits_at_zero_and_probabilities_at_half() -> None:
    x = np.array([[-2.0], [-0.5], [0.3], [1.0]])
    y = np.array([0.0, 1.0, 1.0, 1.0])  # (n,) targets for an (n, 1) output, as Keras allows
    logit = Net(Linear(1, 1))
    logit[0].weight.data[:] = 1.0
    logit[0].bias.data[:] = 0.0
    logit.compile("sgd", "bce_with_logits", ["binary_accuracy", "accuracy"])
    assert logit.evaluate(x, y) == pytest.approx(
        {"loss": F.binary_cross_entropy_with_logits(Tensor(x), y[:, None]).item(),
         "binary_accuracy": 0.75, "accuracy": 0.75})
    prob = Net(logit[0], Sigmoid())
    prob.compile("sgd", "binary_cross_entropy", ["binary_accuracy", "accuracy"])
    assert prob.evaluate(x, y)["binary_accuracy"] == 0.75
    assert prob.evaluate(x, y)["accuracy"] == 0.75
    logit.compile("sgd", "mse", ["binary_accuracy"])  # not a logits loss: threshold 0.5
    assert logit.evaluate(x, y)["binary_accuracy"] == 0.5


def test_metric_functions() -> None:
    pred = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert M.accuracy(pred, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert M.accuracy(pred, np.array([[0, 1], [1, 0], [0, 1]])) == 1.0
    assert M.accuracy(pred, np.array([[1], [1], [1]])) == pytest.approx(2 / 3)
    assert M.accuracy(np.array([[0.7], [0.2]]), np.array([1, 1])) == 0.5
    assert M.binary_accuracy(np.array([0.6, 0.4, -1.0]), np.array([1, 1, 0])) == pytest.approx(
        2 / 3)
    assert M.binary_accuracy(np.array([0.2, -0.1]), np.array([1, 0]), threshold=0.0) == 1.0
    assert M.mse(np.array([1.0, 3.0]), np.array([0.0, 0.0])) == 5.0
    assert M.rmse(np.array([3.0, 3.0]), np.array([[0.0], [0.0]])) == 3.0
    assert M.mae(np.array([1.0, -3.0]), np.array([0.0, 0.0])) == 2.0
    with pytest.raises(ValueError, match="shape"):
        M.accuracy(pred, np.array([1, 0]))
    assert M.get("mean_squared_error") == ("mean_squared_error", M.mse)
    with pytest.raises(ValueError, match="unknown metric"):
        M.get("f1")


def test_compile_resolves_names_and_rejects_unknown_ones() -> None:
    model = classifier()
    model.compile("sgd", "cross_entropy")
    assert isinstance(model.optimizer, optim.SGD)
    assert model.optimizer.param_groups[0]["lr"] == 0.01
    assert model.optimizer.param_groups[0]["params"] == model.parameters()
    assert model.loss is F.cross_entropy and model.metrics == {}
    for name, cls in [("adam", optim.Adam), ("RMSprop", optim.RMSprop),
                      ("adagrad", optim.Adagrad), ("nadam", optim.NAdam)]:
        model.compile(name, "mse", "mae")
        assert type(model.optimizer) is cls
        assert model.loss is F.mse_loss
    loss = lambda pred, target: (pred * pred).mean()  # noqa: E731
    model.compile(loss=loss)
    assert model.loss is loss
    assert isinstance(model.optimizer, optim.RMSprop)  # Keras's default
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.compile("adamax", "mse")
    with pytest.raises(ValueError, match="needs a loss.*huber"):
        model.compile("sgd", "huber")
    with pytest.raises(ValueError, match="needs a loss"):
        model.compile("sgd")
    with pytest.raises(ValueError, match="unknown metric"):
        model.compile("sgd", "mse", ["f1"])
    with pytest.raises(RuntimeError, match="compile"):
        classifier().fit(*blobs(), verbose=0)


class TwoLayers(Module):
    """A plain Module (not an nn.Model): it has no training methods of its own."""

    def __init__(self) -> None:
        self.hidden, self.out = Linear(4, 8, rng=0), Linear(8, 3, rng=1)

    def forward(self, x: Tensor) -> Tensor:
        return self.out(self.hidden(x).relu())


def test_layers_know_nothing_of_training() -> None:
    for layer in (ReLU(), Linear(2, 2), TwoLayers()):
        assert not any(hasattr(layer, name) for name in
                       ("fit", "compile", "evaluate", "predict", "stop_training", "history"))


def test_module_level_functions_and_trainer_train_a_plain_module() -> None:
    x, y = blobs(60)
    module = TwoLayers()
    history = fit(module, Tensor(x), Tensor(y), optimizer="adam", loss="cross_entropy",
                  metrics=["accuracy"], epochs=3, batch_size=None, verbose=0)
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert set(evaluate(module, x, y, loss="cross_entropy", metrics=["accuracy"])) == {
        "loss", "accuracy"}
    assert predict(module, x).shape == (60, 3)
    assert set(vars(module)) == {"_state_names", "hidden", "out", "training"}  # no fit state
    with pytest.raises(ValueError, match="samples"):
        fit(module, x, y[:-1], loss="mse", verbose=0)
    trainer = Trainer(module, "sgd", "cross_entropy", ["accuracy"])
    history = trainer.fit(x, y, epochs=2, verbose=0)
    assert trainer.history is history and history.model is None  # no model <-> history cycle
    assert set(trainer.evaluate(x, y)) == {"loss", "accuracy"}
    with pytest.raises(RuntimeError, match="optimizer"):
        Trainer(module, None, "mse").fit(x, y, verbose=0)


def test_history_plot_draws_train_and_val_on_separate_axes() -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x, y = blobs(40)
    model = classifier()
    model.compile("adam", "cross_entropy", ["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    axes = history.plot()
    assert [a.get_title() for a in axes] == ["loss", "accuracy"]
    for a, key in zip(axes, ["loss", "accuracy"]):
        lines = {line.get_label(): list(line.get_ydata()) for line in a.get_lines()}
        assert lines == {"train": history.history[key], "val": history.history["val_" + key]}
        assert list(a.get_lines()[0].get_xdata()) == [1, 2, 3]
    fig, ax = plt.subplots()
    assert history.plot("lr", ax=ax) == [ax]
    with pytest.raises(KeyError, match="f1"):
        history.plot(["f1"])
    plt.close("all")
