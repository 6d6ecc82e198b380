"""Semantics of the nn library that no other test pins: load_state_dict's refusals, shared
parameters, scheduler resumption, refusing pickles, where and with which mode checkpoint
files are written, rollback of a failed load, and the exact arithmetic of `fit`."""
from __future__ import annotations

import os
import pickle
import stat

import numpy as np
import pytest

import nn
from nn import checkpoint
from nn.optim.lr_scheduler import ExponentialLR, StepLR


def two_layer(seed: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, 3, rng=seed), nn.ReLU(), nn.Linear(3, 1, rng=seed + 1))


def snapshot(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in model.state_dict().items()}


def assert_unchanged(model: nn.Module, before: dict[str, np.ndarray]) -> None:
    after = model.state_dict()
    assert list(after) == list(before)
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value, err_msg=key)


def assert_same_optimizer_state(a: dict, b: dict) -> None:
    assert a["param_groups"] == b["param_groups"]
    assert sorted(a["state"]) == sorted(b["state"])
    for index, entry in a["state"].items():
        assert sorted(entry) == sorted(b["state"][index])
        for name, value in entry.items():
            np.testing.assert_array_equal(b["state"][index][name], value, err_msg=name)


# ------------------------------------------------------------------ 8. load_state_dict
def _missing(state):
    del state["0.weight"]


def _unexpected(state):
    state["0.weight.extra"] = np.zeros(3)


def _bad_shape(key):
    def damage(state):
        state[key] = np.zeros(state[key].shape + (1,))
    return damage


@pytest.mark.parametrize("damage, key", [
    (_missing, "0.weight"), (_unexpected, "0.weight.extra"),
    (_bad_shape("0.weight"), "0.weight"), (_bad_shape("2.bias"), "2.bias"),
], ids=["missing", "unexpected", "shape-first", "shape-last"])
def test_load_state_dict_refuses_naming_the_key_and_changes_nothing(damage, key):
    model = two_layer(0)
    before = snapshot(model)
    state = two_layer(10).state_dict()  # different numbers under every good key
    damage(state)
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        model.load_state_dict(state)
    assert_unchanged(model, before)


def test_load_state_dict_not_strict_skips_missing_and_unexpected_keys():
    model, other = two_layer(0), two_layer(10)
    before, state = snapshot(model), other.state_dict()
    del state["0.bias"]
    state["9.weight"] = np.ones(2)
    model.load_state_dict(state, strict=False)
    after = model.state_dict()
    np.testing.assert_array_equal(after["0.bias"], before["0.bias"])
    for key in ("0.weight", "2.weight", "2.bias"):
        np.testing.assert_array_equal(after[key], state[key])


def test_load_state_dict_not_strict_still_refuses_a_shape_mismatch():
    model = two_layer(0)
    before, state = snapshot(model), two_layer(10).state_dict()
    del state["0.bias"]
    state["2.weight"] = np.zeros((3, 1))
    with pytest.raises(ValueError, match=r"2\.weight"):
        model.load_state_dict(state, strict=False)
    assert_unchanged(model, before)


# ------------------------------------------------------------------ 9. sharing
class Tied(nn.Module):
    """One Parameter under two attribute names."""

    def __init__(self) -> None:
        self.w = nn.Parameter([1.0, 2.0])
        self.v = self.w

    def forward(self, x):
        return (self.w * x).sum() + (self.v * x * x).sum()


def test_a_parameter_under_two_names_is_counted_and_updated_once():
    model = Tied()
    assert [name for name, _ in model.named_parameters()] == ["w"]
    assert model.parameters() == [model.w] and list(model.state_dict()) == ["w"]
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    x = np.array([3.0, -1.0])
    model(x).backward()
    np.testing.assert_array_equal(model.w.grad, x + x * x)
    opt.step()
    np.testing.assert_allclose(model.w.data, [1.0 - 0.1 * 12.0, 2.0 - 0.1 * 0.0], rtol=1e-15)


def test_a_module_used_twice_is_counted_and_updated_once():
    shared = nn.Linear(3, 3, rng=0)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(model.parameters()) == 2 and list(model.state_dict()) == ["0.weight", "0.bias"]
    assert len(model.modules()) == 3  # the Sequential, the Linear and the ReLU
    opt = nn.optim.SGD(model.parameters(), lr=0.5)
    model(np.array([[1.0, -2.0, 0.5]])).sum().backward()
    before = [(p.data.copy(), p.grad.copy()) for p in model.parameters()]
    opt.step()
    for p, (data, grad) in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, data - 0.5 * grad)


# ------------------------------------------------------------------ 10. resuming schedules
def _resumed_optimizer(initial_lr: float, lr: float) -> nn.optim.SGD:
    opt = nn.optim.SGD([nn.Parameter([0.0])], lr=lr)
    opt.param_groups[0]["initial_lr"] = initial_lr
    return opt


def _lrs(sched, steps: int) -> list[float]:
    out = [sched.optimizer.param_groups[0]["lr"]]
    for _ in range(steps):
        sched.step()
        out.append(sched.optimizer.param_groups[0]["lr"])
    return out


def test_step_lr_resumed_follows_initial_lr():
    """0.1 halved every 2 epochs; at epoch 3 the lr was 0.05. Construction steps to 4."""
    opt = _resumed_optimizer(initial_lr=0.1, lr=0.05)
    sched = StepLR(opt, step_size=2, gamma=0.5, last_epoch=3)
    assert sched.last_epoch == 4
    assert _lrs(sched, 3) == pytest.approx([0.025, 0.025, 0.0125, 0.0125], rel=1e-15)
    assert opt.param_groups[0]["initial_lr"] == 0.1


def test_exponential_lr_resumed_follows_initial_lr():
    """1.0 halved every epoch; at epoch 2 the lr was 0.25. Construction steps to 3."""
    opt = _resumed_optimizer(initial_lr=1.0, lr=0.25)
    sched = ExponentialLR(opt, gamma=0.5, last_epoch=2)
    assert _lrs(sched, 2) == pytest.approx([0.125, 0.0625, 0.03125], rel=1e-15)
    assert sched.get_last_lr() == pytest.approx([0.03125], rel=1e-15)


# ------------------------------------------------------------------ 11. pickles
class _Trap:
    """Unpickling this creates the directory `path`."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return os.mkdir, (self.path,)


@pytest.mark.parametrize("member", ["model/0.weight", "notes"])
def test_a_pickled_member_is_refused_and_never_unpickled(tmp_path, member):
    live = tmp_path / "live"
    pickle.loads(pickle.dumps(_Trap(str(live))))
    assert live.is_dir()  # the trap works
    source, path, fired = two_layer(10), tmp_path / "evil.npz", tmp_path / "fired"
    checkpoint.save(path, source)
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[member] = np.array([_Trap(str(fired))], dtype=object)
    np.savez(path, **arrays)
    model = two_layer(0)
    before = snapshot(model)
    with pytest.raises(ValueError):
        checkpoint.load(path, model)
    assert not fired.exists()
    assert_unchanged(model, before)


# ------------------------------------------------------------------ 12. temp file, mode
def _spy_renames(monkeypatch) -> list[tuple[str, str]]:
    calls, real = [], os.replace

    def replace(src, dst, *args, **kwargs):
        calls.append((os.path.abspath(src), os.path.abspath(dst)))
        return real(src, dst, *args, **kwargs)
    monkeypatch.setattr(os, "replace", replace)
    return calls


def _fit_with_csv_logger(path) -> None:
    model = nn.Sequential(nn.Linear(2, 1, rng=0))
    model.compile(optimizer=nn.optim.SGD(model.parameters(), lr=0.1), loss="mse")
    model.fit(np.ones((4, 2)), np.zeros(4), epochs=1, verbose=0,
              callbacks=[nn.CSVLogger(path)])


WRITERS = {"checkpoint": lambda path: checkpoint.save(path, two_layer(0)),
           "csv_logger": _fit_with_csv_logger}


@pytest.mark.parametrize("writer", WRITERS)
def test_the_temporary_file_is_made_beside_the_target(tmp_path, monkeypatch, writer):
    folder, elsewhere = tmp_path / "target", tmp_path / "cwd"
    folder.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    calls = _spy_renames(monkeypatch)
    path = folder / "out.file"
    WRITERS[writer](path)
    assert calls, "the file was not renamed into place"
    for src, dst in calls:
        assert dst == str(path)
        assert os.path.dirname(src) == str(folder) and src != dst
        assert not os.path.exists(src)
    assert path.exists() and sorted(os.listdir(folder)) == ["out.file"]
    assert os.listdir(elsewhere) == []


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("umask", [0o077, 0o002, 0o022], ids=oct)
def test_files_get_the_mode_a_plain_open_gives(tmp_path, writer, umask):
    path, plain = tmp_path / "out.file", tmp_path / "plain.txt"
    old = os.umask(umask)
    try:
        WRITERS[writer](path)
        with open(plain, "w"):
            pass
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode == stat.S_IMODE(os.stat(plain).st_mode) == 0o666 & ~umask, oct(mode)


# ------------------------------------------------------------------ 13. rollback
X = np.random.default_rng(0).normal(size=(6, 2))


def _trained(seed: int, groups: int = 1):
    model = two_layer(seed)
    params = model.parameters()
    opt = nn.optim.Adam(params if groups == 1 else [{"params": params[:2]},
                                                     {"params": params[2:]}], lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        (model(X) ** 2).mean().backward()
        opt.step()
    return model, opt


def _wrong_shape(arrays):
    arrays["optimizer/state/0/exp_avg"] = np.zeros(1)


def _not_numbers(arrays):  # the right shape, but text: only loading it finds out
    key = "optimizer/state/3/exp_avg_sq"
    arrays[key] = np.full(arrays[key].shape, "x")


DAMAGES = {"wrong-shape": _wrong_shape, "not-numbers": _not_numbers}


def _broken_checkpoint(tmp_path, damage: str):
    """A checkpoint whose model part fits (other weights) but whose optimizer part does not."""
    model, opt = _trained(10, groups=2 if damage == "other-layout" else 1)
    path = tmp_path / "broken.npz"
    checkpoint.save(path, model, opt)
    if damage in DAMAGES:
        with np.load(path) as npz:
            arrays = {k: npz[k] for k in npz.files}
        DAMAGES[damage](arrays)
        np.savez(path, **arrays)
    return path


CASES = ["wrong-shape", "not-numbers", "other-layout"]


@pytest.mark.parametrize("damage", CASES)
def test_a_failed_optimizer_load_rolls_the_model_back(tmp_path, damage):
    path = _broken_checkpoint(tmp_path, damage)
    model, opt = _trained(0)
    before = snapshot(model)
    with pytest.raises(ValueError):
        checkpoint.load(path, model, opt)
    assert_unchanged(model, before)


@pytest.mark.parametrize("damage", CASES)
def test_a_failed_optimizer_load_leaves_the_optimizer_as_it_was(tmp_path, damage):
    path = _broken_checkpoint(tmp_path, damage)
    model, opt = _trained(0)
    before = opt.state_dict()
    with pytest.raises(ValueError):
        checkpoint.load(path, model, opt)
    assert_same_optimizer_state(before, opt.state_dict())


# ------------------------------------------------------------------ 14. fit, exactly
def numpy_fit(params: list[np.ndarray], x, y, epochs: int, batch_size: int, lr: float):
    """Linear-ReLU-Linear with mean softmax cross-entropy and plain SGD, written out."""
    w1, b1, w2, b2 = (p.copy() for p in params)
    epoch_losses = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            rows = np.arange(len(yb))
            h = xb @ w1.T + b1
            r = np.maximum(h, 0.0)
            z = r @ w2.T + b2
            top = z.max(axis=1, keepdims=True)
            lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
            total += (lse - z[rows, yb]).mean() * len(yb)
            dz = np.exp(z - lse[:, None])
            dz[rows, yb] -= 1.0
            dz /= len(yb)
            dh = (dz @ w2) * (h > 0)
            w2 -= lr * (dz.T @ r)
            b2 -= lr * dz.sum(axis=0)
            w1 -= lr * (dh.T @ xb)
            b1 -= lr * dh.sum(axis=0)
        epoch_losses.append(total / len(x))
    return [w1, b1, w2, b2], epoch_losses


@pytest.mark.parametrize("n", [8, 10])  # 10: a last batch of 2 weighs less in the mean
def test_fit_matches_a_hand_written_training_loop(n):
    rng = np.random.default_rng(42)
    x, y = rng.normal(size=(n, 3)), rng.integers(0, 2, size=n)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    start = [rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(2, 4)),
             rng.normal(size=2)]
    for p, value in zip(model.parameters(), start):
        p.data[...] = value
    model.compile(optimizer=nn.optim.SGD(model.parameters(), lr=0.1), loss="cross_entropy")
    history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    expected, losses = numpy_fit(start, x, y, epochs=2, batch_size=4, lr=0.1)
    for p, want in zip(model.parameters(), expected):
        np.testing.assert_allclose(p.data, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-12)
