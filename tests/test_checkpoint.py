"""Tests for nn.checkpoint: round trips, the file format, atomic saves, refusals."""
from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest

import nn
from nn import checkpoint
from nn import functional as F

X = np.random.default_rng(0).normal(size=(16, 4))
T = np.arange(16) % 3


def make(seed: int, hidden: int = 8) -> tuple[nn.Sequential, nn.optim.Adam]:
    model = nn.Sequential(nn.Linear(4, hidden, rng=seed), nn.ReLU(),
                          nn.Linear(hidden, 3, rng=seed + 1))
    return model, nn.optim.Adam(model.parameters(), lr=0.01)


def train(model, optimizer, steps: int = 3) -> None:
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(X), T).backward()
        optimizer.step()


def snapshot(model) -> dict:
    return {k: v.copy() for k, v in model.state_dict().items()}


def assert_unchanged(model, before: dict) -> None:
    after = model.state_dict()
    assert list(after) == list(before)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


@pytest.fixture
def saved(tmp_path):
    model, opt = make(0)
    train(model, opt)
    path = tmp_path / "model.npz"
    checkpoint.save(path, model, opt, epoch=3, history={"loss": [1.5, 1.2]})
    return path, model, opt


def test_round_trip_restores_predictions_optimizer_state_and_extra(saved):
    path, model, opt = saved
    fresh, fresh_opt = make(10)
    fresh_opt.param_groups[0]["lr"] = 0.5
    extra = checkpoint.load(path, fresh, fresh_opt)
    assert extra == {"epoch": 3, "history": {"loss": [1.5, 1.2]}}
    np.testing.assert_array_equal(fresh(X).data, model(X).data)
    assert fresh_opt.param_groups[0]["lr"] == 0.01
    assert fresh_opt.param_groups[0]["betas"] == (0.9, 0.999)
    state = fresh_opt.state_dict()["state"]
    assert state[0]["step"] == 3 and type(state[0]["step"]) is int
    train(model, opt, 2)  # identical continued training proves the Adam moments came back
    train(fresh, fresh_opt, 2)
    np.testing.assert_array_equal(fresh(X).data, model(X).data)


def test_scalar_mlp_and_sgd_momentum_round_trip(tmp_path):
    model = nn.MLP(3, [4, 1], rng=random.Random(0))
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        model([1.0, -2.0, 0.5]).backward()
        opt.step()
    checkpoint.save(tmp_path / "s.npz", model, opt)
    fresh = nn.MLP(3, [4, 1], rng=random.Random(1))
    fresh_opt = nn.optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    assert checkpoint.load(tmp_path / "s.npz", fresh, fresh_opt) == {}
    assert fresh([1.0, -2.0, 0.5]).data == model([1.0, -2.0, 0.5]).data
    for opt_ in (opt, fresh_opt):
        opt_.zero_grad()
    model([0.3, 0.3, 0.3]).backward()
    fresh([0.3, 0.3, 0.3]).backward()
    opt.step()
    fresh_opt.step()
    assert [p.data for p in fresh.parameters()] == [p.data for p in model.parameters()]


def test_file_format_is_plain_npz_without_pickles(saved):
    path, model, _ = saved
    with np.load(path, allow_pickle=False) as npz:
        keys = set(npz.files)
        assert {"model/0.weight", "model/0.bias", "model/2.weight", "model/2.bias"} <= keys
        assert "optimizer/state/0/exp_avg" in keys and "optimizer/state/3/exp_avg_sq" in keys
        assert int(npz["version"]) == checkpoint.VERSION
        np.testing.assert_array_equal(npz["model/0.weight"], model[0].weight.data)
        meta = json.loads(str(npz["optimizer/meta"]))
        assert meta["param_groups"][0]["params"] == [0, 1, 2, 3]
        assert json.loads(str(npz["extra"]))["epoch"] == 3


def test_model_only_checkpoint_and_optimizer_requested_but_absent(tmp_path):
    model, opt = make(0)
    checkpoint.save(tmp_path / "m.npz", model)
    other, other_opt = make(5)
    before = snapshot(other)
    with pytest.raises(ValueError, match="m.npz.*no optimizer state"):
        checkpoint.load(tmp_path / "m.npz", other, other_opt)
    assert_unchanged(other, before)
    checkpoint.load(tmp_path / "m.npz", other)
    np.testing.assert_array_equal(other(X).data, model(X).data)


def test_failure_mid_save_keeps_the_previous_checkpoint_and_leaves_no_temp_file(
        saved, monkeypatch):
    path, model, opt = saved
    original = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    train(model, opt)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(path, model, opt, epoch=4)
    assert path.read_bytes() == original
    assert os.listdir(path.parent) == [path.name]
    monkeypatch.undo()
    fresh, _ = make(10)
    assert checkpoint.load(path, fresh)["epoch"] == 3


def test_failure_before_the_first_save_leaves_nothing(tmp_path, monkeypatch):
    model, _ = make(0)
    monkeypatch.setattr(np, "savez", lambda file, **arrays: (_ for _ in ()).throw(
        KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(tmp_path / "new.npz", model)
    assert os.listdir(tmp_path) == []


def test_unserialisable_extra_is_refused_before_writing(saved):
    path, model, _ = saved
    original = path.read_bytes()
    with pytest.raises(TypeError, match="extra"):
        checkpoint.save(path, model, note=object())
    assert path.read_bytes() == original and os.listdir(path.parent) == [path.name]


def test_numpy_values_in_extra_are_stored_as_json(tmp_path):
    model, _ = make(0)
    checkpoint.save(tmp_path / "a.npz", model, best=np.float64(0.5), curve=np.array([1, 2]))
    assert checkpoint.load(tmp_path / "a.npz", model) == {"best": 0.5, "curve": [1, 2]}


@pytest.mark.parametrize("damage", ["truncated", "random_bytes", "zip_like_garbage", "empty"])
def test_damaged_files_are_refused_and_the_model_is_unchanged(saved, damage):
    path, _, _ = saved
    data = path.read_bytes()
    damaged = {"truncated": data[:len(data) // 2],
               "random_bytes": np.random.default_rng(1).bytes(2000),
               "zip_like_garbage": b"PK\x03\x04" + np.random.default_rng(2).bytes(500),
               "empty": b""}[damage]
    path.write_bytes(damaged)
    model, opt = make(7)
    before = snapshot(model)
    with pytest.raises(ValueError, match="model.npz") as error:
        checkpoint.load(path, model, opt)
    assert "not" in str(error.value)
    assert_unchanged(model, before)
    assert opt.state == {}


def test_an_npz_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.ones(3))
    model, _ = make(0)
    with pytest.raises(ValueError, match="other.npz.* not a checkpoint"):
        checkpoint.load(path, model)


def test_a_newer_format_version_is_refused(saved, monkeypatch):
    path, model, _ = saved
    monkeypatch.setattr(checkpoint, "VERSION", checkpoint.VERSION + 1)
    checkpoint.save(path, model)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="version 2"):
        checkpoint.load(path, make(1)[0])


def test_another_architecture_is_refused_naming_shapes_and_keys(saved):
    path, _, _ = saved
    wider, _ = make(3, hidden=9)
    before = snapshot(wider)
    with pytest.raises(ValueError, match=r"model.npz.*0.weight: shape \(8, 4\) in the state, "
                                         r"\(9, 4\) in the model"):
        checkpoint.load(path, wider)
    assert_unchanged(wider, before)
    deeper = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Linear(3, 3))
    before = snapshot(deeper)
    with pytest.raises(ValueError, match=r"missing keys: 3.weight, 3.bias"):
        checkpoint.load(path, deeper)
    assert_unchanged(deeper, before)
    shallow = nn.Sequential(nn.Linear(4, 8))
    with pytest.raises(ValueError, match=r"unexpected keys: 2.weight, 2.bias"):
        checkpoint.load(path, shallow)


def test_an_optimizer_that_does_not_fit_is_refused_before_the_model_changes(saved):
    path, _, _ = saved
    model, _ = make(4)
    before = snapshot(model)
    partial = nn.optim.Adam(model.parameters()[:2])
    with pytest.raises(ValueError, match=r"model.npz.*group 0 has 4 parameters.*2 in the optimizer"):
        checkpoint.load(path, model, partial)
    assert_unchanged(model, before)
    assert partial.state == {}
