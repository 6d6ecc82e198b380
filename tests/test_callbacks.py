"""Tests for nn.callbacks driven through nn.train.fit, with scripted monitored values."""
from __future__ import annotations

import csv
import os

import numpy as np
import pytest

from autograd import Tensor
from nn import checkpoint
from nn import functional as F
from nn import optim
from nn.callbacks import (Callback, CSVLogger, EarlyStopping, LearningRateScheduler,
                          ModelCheckpoint, ProgressBar, ReduceLROnPlateau, TerminateOnNaN)
from nn.layers import Linear, ReLU
from nn import Sequential
from nn.optim.lr_scheduler import ReduceLROnPlateau as PlateauScheduler
from nn.optim.lr_scheduler import StepLR


class Net(Sequential):
    """A Sequential (an nn.Model, so it has the Keras methods)."""


class Script(Callback):
    """Overwrites logs[key] at each epoch end with the next scripted value."""

    def __init__(self, values: list[float], key: str = "val_loss") -> None:
        self.values, self.key = values, key

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs[self.key] = self.values[epoch]


class Snapshot(Callback):
    """Copies of the weights, the optimizer's lr and the logs at every epoch end."""

    def __init__(self) -> None:
        self.weights: list[dict] = []
        self.lrs: list[float] = []
        self.batch_lrs: list[float] = []

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.batch_lrs.append(self.model.optimizer.param_groups[0]["lr"])

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.weights.append(self.model.state_dict())
        self.lrs.append(self.model.optimizer.param_groups[0]["lr"])


def data(n: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    return x, x @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(n)


def regressor(lr: float = 0.05) -> Net:
    model = Net(Linear(3, 8, rng=0), ReLU(), Linear(8, 1, rng=1))
    model.compile(optim.SGD(model.parameters(), lr=lr), "mse", ["mae"])
    return model


def run(callbacks: list, epochs: int, model: Net | None = None, **kwargs) -> tuple:
    model = model or regressor()
    history = model.fit(*data(), epochs=epochs, batch_size=8, callbacks=callbacks,
                        verbose=0, **kwargs)
    return model, history


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# ------------------------------------------------------------------------ base protocol
def test_hooks_params_and_stop_training_from_a_batch() -> None:
    calls = []

    class Count(Callback):
        def on_train_begin(self, logs=None): calls.append(("train_begin", dict(self.params)))
        def on_epoch_begin(self, epoch, logs=None): calls.append(("epoch_begin", epoch))
        def on_batch_end(self, batch, logs=None):
            calls.append(("batch", batch, sorted(logs)))
            if batch == 1 and len(calls) > 8:
                self.model.stop_training = True
        def on_epoch_end(self, epoch, logs=None): calls.append(("epoch_end", epoch))
        def on_train_end(self, logs=None): calls.append(("train_end",))

    _, history = run([Count()], epochs=5)
    assert calls[0] == ("train_begin", {"epochs": 5, "steps": 4, "verbose": 0})
    assert [c[0] for c in calls[1:7]] == ["epoch_begin"] + ["batch"] * 4 + ["epoch_end"]
    assert calls[2] == ("batch", 0, ["loss", "mae"])
    assert [c[0] for c in calls[7:]] == ["epoch_begin", "batch", "batch", "epoch_end",
                                         "train_end"]
    assert history.epoch == [0, 1]


# ------------------------------------------------------------------------ EarlyStopping
@pytest.mark.parametrize("values, kwargs, stopped", [
    ([1.0, 0.8, 0.9, 0.85, 0.7, 0.6], {"patience": 2}, 3),
    ([1.0, 0.8, 0.9, 0.85, 0.7, 0.6], {"patience": 0}, 2),
    ([1.0, 0.9, 0.8, 0.7, 0.6, 0.5], {"patience": 1, "min_delta": 0.15}, 1),
    ([1.0, 1.1, 1.2, 1.3, 1.4, 1.5], {"patience": 2}, 2),
    ([1.0, 1.1, 1.2, 1.3, 1.4, 1.5], {"patience": 2, "baseline": 0.5}, 1),
    ([0.5, 0.7, 0.6, 0.6, 0.9, 0.9], {"patience": 2, "monitor": "val_accuracy"}, 3),
    ([0.5, 0.7, 0.6, 0.6, 0.9, 0.9], {"patience": 2, "monitor": "val_acc", "mode": "min"}, 2),
])
def test_early_stopping_stops_at_the_keras_epoch(values, kwargs, stopped) -> None:
    stopper = EarlyStopping(**kwargs)
    key = kwargs.get("monitor", "val_loss")
    _, history = run([Script(values, key), stopper], epochs=6)
    assert history.epoch == list(range(stopped + 1))
    assert stopper.stopped_epoch == stopped


def test_early_stopping_runs_all_epochs_while_improving() -> None:
    stopper = EarlyStopping(patience=0)
    _, history = run([Script([5, 4, 3, 2]), stopper], epochs=4)
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 0


@pytest.mark.parametrize("values, best, epochs", [
    ([1.0, 0.5, 0.9, 0.8, 0.7, 0.6], 1, 4),
    ([1.0, 0.5, 0.9], 1, 3),  # restored at the end even without stopping, as Keras 3 does
    ([2.0, 3.0, 4.0], 0, 3),
    ([np.nan] * 4, 0, 2),  # never improves: the first epoch's weights count as the best
])
def test_restore_best_weights_restores_the_exact_best_weights(values, best, epochs) -> None:
    snap = Snapshot()
    model, history = run([Script(values), snap,
                          EarlyStopping(patience=2, restore_best_weights=True)],
                         epochs=len(values))
    assert len(history.epoch) == epochs
    assert same(model.state_dict(), snap.weights[best])
    assert not same(model.state_dict(), snap.weights[-1])


def test_early_stopping_warns_when_the_monitor_is_missing() -> None:
    with pytest.warns(RuntimeWarning, match="val_loss"):
        _, history = run([EarlyStopping()], epochs=2)
    assert history.epoch == [0, 1]


# ------------------------------------------------------------------------ learning rate
def test_reduce_lr_on_plateau_callback_lowers_lr_after_patience() -> None:
    snap = Snapshot()
    model, history = run([Script([1.0] * 6), ReduceLROnPlateau(factor=0.5, patience=2), snap],
                         epochs=6)
    # lr used in each epoch; the callback acts after epochs 2 and 4 (two bad epochs each)
    assert history.history["lr"] == pytest.approx([0.05, 0.05, 0.05, 0.025, 0.025, 0.0125])
    assert snap.lrs == pytest.approx([0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125])


def test_reduce_lr_on_plateau_respects_min_lr_cooldown_and_improvement() -> None:
    snap = Snapshot()
    run([Script([1.0] * 5), ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.01), snap],
        epochs=5)
    assert snap.lrs == pytest.approx([0.05, 0.01, 0.01, 0.01, 0.01])
    snap = Snapshot()
    run([Script([1.0] * 6), ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2), snap],
        epochs=6)
    # reduce, two cooldown epochs (the second one already counts as bad), reduce, ...
    assert snap.lrs == pytest.approx([0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625])
    snap = Snapshot()
    run([Script([1.0, 0.9, 0.8, 0.7]), ReduceLROnPlateau(patience=1), snap], epochs=4)
    assert snap.lrs == pytest.approx([0.05] * 4)


def test_learning_rate_scheduler_with_a_function_sets_lr_before_each_epoch() -> None:
    snap = Snapshot()
    seen = []
    _, history = run([LearningRateScheduler(lambda e, lr: seen.append((e, lr)) or 0.1 / (e + 1)),
                      snap], epochs=3)
    assert seen == [(0, 0.05), (1, 0.1), (2, 0.05)]
    assert history.history["lr"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert snap.batch_lrs == pytest.approx([0.1] * 4 + [0.05] * 4 + [0.1 / 3] * 4)


def test_learning_rate_scheduler_steps_a_torch_scheduler_once_per_epoch() -> None:
    model = regressor(lr=0.1)
    sched = StepLR(model.optimizer, step_size=2, gamma=0.1)
    _, history = run([LearningRateScheduler(sched)], epochs=5, model=model)
    assert history.history["lr"] == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001])
    assert sched.last_epoch == 5

    model = regressor(lr=0.1)
    plateau = PlateauScheduler(model.optimizer, factor=0.5, patience=0)
    _, history = run([Script([1.0] * 4), LearningRateScheduler(plateau)], epochs=4,
                     model=model)
    assert history.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.025])

    other = optim.SGD(regressor().parameters(), lr=0.1)
    with pytest.raises(ValueError, match="another optimizer"):
        run([LearningRateScheduler(StepLR(other, step_size=1))], epochs=1)
    with pytest.raises(TypeError):
        LearningRateScheduler(0.1)


# ------------------------------------------------------------------------ ModelCheckpoint
def test_model_checkpoint_best_only_writes_on_improvement_and_reloads(tmp_path) -> None:
    snap = Snapshot()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.npz")
    best = ModelCheckpoint(tmp_path / "best.npz")
    every = ModelCheckpoint(pattern, save_best_only=False)
    model, _ = run([Script([1.0, 0.8, 0.9, 0.7, 0.75]), snap, best, every], epochs=5)
    assert best.saved == [str(tmp_path / "best.npz")] * 3  # epochs 1, 2 and 4
    assert sorted(os.listdir(tmp_path)) == ["best.npz", "ckpt-01-1.00.npz", "ckpt-02-0.80.npz",
                                            "ckpt-03-0.90.npz", "ckpt-04-0.70.npz",
                                            "ckpt-05-0.75.npz"]
    fresh = regressor()
    extra = checkpoint.load(tmp_path / "best.npz", fresh, fresh.optimizer)
    assert extra["epoch"] == 4 and extra["logs"]["val_loss"] == 0.7
    assert same(fresh.state_dict(), snap.weights[3])
    x, _ = data(10, seed=5)
    reference = regressor()
    reference.load_state_dict(snap.weights[3])
    np.testing.assert_array_equal(fresh.predict(x), reference.predict(x))
    checkpoint.load(tmp_path / "ckpt-05-0.75.npz", fresh)
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))


def test_model_checkpoint_in_max_mode_skips_non_improving_epochs(tmp_path) -> None:
    saver = ModelCheckpoint(tmp_path / "e{epoch}.npz", monitor="val_accuracy")
    run([Script([0.5, 0.4, 0.6, 0.6], "val_accuracy"), saver], epochs=4)
    assert sorted(os.listdir(tmp_path)) == ["e1.npz", "e3.npz"]


# ------------------------------------------------------------------------ CSVLogger
def test_csv_logger_writes_one_row_per_epoch_and_appends(tmp_path) -> None:
    path = tmp_path / "log.csv"
    rows_seen = []

    class Peek(Callback):
        def on_epoch_end(self, epoch, logs=None):
            rows_seen.append(len(path.read_text().splitlines()))

    xv, yv = data(8, seed=1)
    _, history = run([CSVLogger(path), Peek()], epochs=3, validation_data=(xv, yv))
    assert rows_seen == [2, 3, 4]  # header + each epoch's row, on disk at every epoch end
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "lr", "mae", "val_loss", "val_mae"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    for i, key in enumerate(rows[0][1:], start=1):
        assert [float(r[i]) for r in rows[1:]] == history.history[key]
    run([CSVLogger(path, append=True)], epochs=2, validation_data=(xv, yv))
    rows = path.read_text().splitlines()
    assert len(rows) == 6 and rows[0].startswith("epoch,") and rows[4].startswith("0,")
    run([CSVLogger(path, separator=";")], epochs=1)
    assert path.read_text().splitlines()[0] == "epoch;loss;lr;mae"
    assert not [p for p in os.listdir(tmp_path) if p != "log.csv"]  # no temporary files left


# ------------------------------------------------------------------------ TerminateOnNaN
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_terminate_on_nan_stops_at_the_bad_batch_and_names_it(bad) -> None:
    calls = []

    def loss(pred: Tensor, target: Tensor) -> Tensor:
        calls.append(1)
        out = F.mse_loss(pred, target)
        return out * bad if len(calls) == 7 else out

    model = regressor()
    model.compile(model.optimizer, loss)
    stopper = TerminateOnNaN()
    with pytest.warns(RuntimeWarning, match=r"epoch 2, batch 3/4"):
        _, history = run([stopper], epochs=5, model=model)
    assert len(calls) == 7 and history.epoch == [0, 1]
    assert "epoch 2, batch 3/4" in stopper.message and "terminating" in stopper.message


# ------------------------------------------------------------------------ progress output
def test_verbose_0_prints_nothing(capsys) -> None:
    regressor().fit(*data(), epochs=2, validation_split=0.25, verbose=0)
    regressor().evaluate(*data())
    assert capsys.readouterr() == ("", "")


def test_verbose_1_shows_a_tqdm_bar_with_running_metrics(capsys) -> None:
    model = regressor()
    model.fit(*data(), epochs=2, batch_size=8, validation_split=0.25, verbose=1)
    out, err = capsys.readouterr()
    assert out == ""
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "3/3" in err
    assert "loss=" in err and "mae=" in err and "val_loss=" in err
    model.evaluate(*data(), verbose=1)
    assert "evaluate" in capsys.readouterr().err


def test_the_bar_advances_per_batch_with_the_running_loss_and_metrics() -> None:
    bar = ProgressBar(verbose=1)
    seen = []

    class Peek(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((bar.bar.n, bar.bar.postfix, logs["loss"], logs["mae"]))

    regressor().fit(*data(), epochs=1, batch_size=8, verbose=0, callbacks=[bar, Peek()])
    assert [n for n, *_ in seen] == [1, 2, 3, 4]
    for _, postfix, loss, mae in seen:
        assert postfix == f"loss={loss:.4f}, mae={mae:.4f}"


def test_verbose_2_prints_one_line_per_epoch(capsys) -> None:
    regressor().fit(*data(), epochs=3, validation_split=0.25, verbose=2)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 3 and err == ""
    assert lines[2].startswith("Epoch 3/3 - loss: ") and " - val_mae: " in lines[2]


def test_an_explicit_progress_bar_replaces_the_default(capsys) -> None:
    regressor().fit(*data(), epochs=1, verbose=1, callbacks=[ProgressBar(verbose=2)])
    out, err = capsys.readouterr()
    assert out.startswith("Epoch 1/1 - loss: ") and err == ""


# ------------------------------------------------------------------------ end to end
def test_mlp_784_128_10_trains_with_bar_validation_early_stopping_and_checkpoint(
        tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    prototypes = rng.standard_normal((10, 784))
    y = rng.integers(0, 10, 300)
    x = prototypes[y] + 2.0 * rng.standard_normal((300, 784))
    model = Net(Linear(784, 128, rng=0), ReLU(), Linear(128, 10, rng=1))
    model.compile(optim.Adam(model.parameters(), lr=1e-3), "cross_entropy", ["accuracy"])
    stopper = EarlyStopping(patience=1, restore_best_weights=True)
    saver = ModelCheckpoint(tmp_path / "mlp.npz")
    history = model.fit(x, y, epochs=4, batch_size=32, validation_split=0.2, seed=0,
                        callbacks=[stopper, saver], verbose=1)
    err = capsys.readouterr().err
    assert "Epoch 1/4" in err and "val_accuracy=" in err
    assert history.history["val_accuracy"][-1] > 0.9
    assert history.history["loss"][-1] < history.history["loss"][0]
    fresh = Net(Linear(784, 128), ReLU(), Linear(128, 10))
    checkpoint.load(tmp_path / "mlp.npz", fresh)
    np.testing.assert_array_equal(fresh.predict(x[240:]), model.predict(x[240:]))
    assert model.evaluate(x[240:], y[240:])["loss"] == min(history.history["val_loss"])
