"""nn.TensorBoard: Keras's runs and tags, read back with TensorBoard's own event reader."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import nn

pytest.importorskip("tensorboardX")
accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

EPOCHS = 3


def _events(folder):
    events = accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0,
                                                                      "histograms": 0})
    events.Reload()
    return events


@pytest.fixture
def logged(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = (x[:, 0] > 0).astype(int)
    model = nn.Sequential(nn.Linear(3, 2, rng=0))
    model.compile(nn.optim.SGD(model.parameters(), lr=0.05), "cross_entropy", ["accuracy"])
    board = nn.TensorBoard(tmp_path, histogram_freq=2)
    history = model.fit(x, y, epochs=EPOCHS, validation_split=0.25, verbose=0,
                        callbacks=[board])
    return tmp_path, history, board


def test_one_loss_per_epoch_in_each_run(logged):
    folder, history, _ = logged
    for run, key in (("train", "loss"), ("validation", "val_loss")):
        scalars = _events(folder / run).Scalars("epoch_loss")
        assert [e.step for e in scalars] == list(range(EPOCHS))
        np.testing.assert_allclose([e.value for e in scalars], history.history[key], rtol=1e-6)


def test_metrics_and_learning_rate_tags(logged):
    folder, history, _ = logged
    train, val = _events(folder / "train"), _events(folder / "validation")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    assert set(val.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy"}
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_accuracy")],
                               history.history["val_accuracy"], rtol=1e-6)
    assert [e.value for e in train.Scalars("epoch_learning_rate")] == pytest.approx([0.05] * 3)


def test_weight_histograms_every_histogram_freq_epochs(logged):
    folder, _, board = logged
    train = _events(folder / "train")
    assert set(train.Tags()["histograms"]) == {"0.weight", "0.bias"}
    assert [e.step for e in train.Histograms("0.weight")] == [0, 2]
    assert board.writers == {}  # closed at train end


def test_no_histograms_by_default(tmp_path):
    model = nn.Sequential(nn.Linear(2, 1, rng=0))
    model.compile("sgd", "mse")
    model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2, verbose=0,
              callbacks=[nn.TensorBoard(tmp_path)])
    assert _events(tmp_path / "train").Tags()["histograms"] == []
    assert not (tmp_path / "validation").exists()


def test_bad_histogram_freq_is_refused():
    with pytest.raises(ValueError, match="TensorBoard: histogram_freq"):
        nn.TensorBoard("logs", histogram_freq=-1)


def test_missing_writer_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r'pip install "autograd-nn\[interop\]"'):
        nn.TensorBoard("logs")
