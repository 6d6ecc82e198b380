"""Loads are all or nothing and are refused before a large array is inflated; a killed save
leaves nothing that the next save does not clean up."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import nn
from nn import checkpoint
from nn import functional as F

X = np.random.default_rng(0).normal(size=(16, 4))
T = np.arange(16) % 3


def trained(optimizer=nn.optim.Adam, **kwargs):
    model = nn.Sequential(nn.Linear(4, 3, rng=0))
    opt = optimizer(model.parameters(), **(kwargs or {"lr": 0.01}))
    for _ in range(2):
        opt.zero_grad()
        F.cross_entropy(model(X), T).backward()
        opt.step()
    return model, opt


def snapshot(model, opt) -> tuple[dict, dict]:
    return {k: v.copy() for k, v in model.state_dict().items()}, opt.state_dict()


def assert_unchanged(model, opt, before) -> None:
    state, opt_state = before
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[key])
    now = opt.state_dict()
    assert now["param_groups"] == opt_state["param_groups"]
    assert now["state"].keys() == opt_state["state"].keys()
    for i, entry in now["state"].items():
        for name, value in entry.items():
            np.testing.assert_array_equal(value, opt_state["state"][i][name])


def rewrite(src, dst, arrays=None, meta=None) -> None:
    """Copy checkpoint `src` to `dst` with arrays replaced (None deletes) and meta edited."""
    with np.load(src) as npz:
        content = {k: npz[k] for k in npz.files}
    for key, value in (arrays or {}).items():
        if value is None:
            content.pop(key)
        else:
            content[key] = value
    if meta is not None:
        content["optimizer/meta"] = np.array(json.dumps(meta(json.loads(
            str(content["optimizer/meta"])))))
    np.savez(dst, **content)


# ----------------------------------------------------------------- Module.load_state_dict
@pytest.mark.parametrize("value, dtype", [(np.ones((3, 4), complex), "complex128"),
                                          (np.full((3, 4), "a"), "<U1"),
                                          (np.empty((3, 4), object), "object")])
def test_module_refuses_complex_text_and_objects_and_changes_nothing(value, dtype):
    model, opt = trained()
    before = snapshot(model, opt)
    state = model.state_dict()
    state["0.bias"] = state["0.bias"] + 1.0  # a good entry that must not be copied either
    state["0.weight"] = value
    with pytest.raises(ValueError, match=rf"0.weight: dtype {dtype} cannot be loaded into "
                                         r"float64"):
        model.load_state_dict(state)
    assert_unchanged(model, opt, before)


@pytest.mark.parametrize("bad", [[1, 2, 3], "state", None, np.ones(3)])
def test_module_load_state_dict_of_a_non_mapping_is_a_type_error(bad):
    model, _ = trained()
    with pytest.raises(TypeError, match=rf"load_state_dict\(Sequential\).*mapping.*"
                                        rf"{type(bad).__name__}"):
        model.load_state_dict(bad)


# ----------------------------------------------------------------- Optimizer.load_state_dict
@pytest.mark.parametrize("name, value", [("lr", "0.1"), ("betas", (0.9, 0.99, 0.9)),
                                         ("betas", 0.9), ("amsgrad", 1.0), ("eps", [1e-8])])
def test_optimizer_refuses_hyperparameters_of_another_type(name, value):
    model, opt = trained()
    before = snapshot(model, opt)
    sd = opt.state_dict()
    sd["param_groups"][0][name] = value
    with pytest.raises(ValueError, match=rf"Adam.load_state_dict: parameter group 0 has "
                                         rf"{name}="):
        opt.load_state_dict(sd)
    assert_unchanged(model, opt, before)


@pytest.mark.parametrize("params, state_keys, match", [
    ([0, 3], (0, 3), r"indices \[0, 3\] are not 0 to 1"),
    ([0, 0], (0,), r"lists index 0: indices must be distinct"),
    ([0, "1"], (0,), r"lists index '1'"),
    ([0, 1], (0, 3), r"state for parameter index 3"),
])
def test_optimizer_refuses_bad_parameter_indices(params, state_keys, match):
    model, opt = trained()
    before = snapshot(model, opt)
    sd = opt.state_dict()
    entries = list(sd["state"].values())
    sd["param_groups"][0]["params"] = params
    sd["state"] = dict(zip(state_keys, entries))
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    assert_unchanged(model, opt, before)


@pytest.mark.parametrize("entry, match", [({"step": "2"}, r"state 0/step is '2'"),
                                          ({"exp_avg": np.ones((3, 4), complex)},
                                           r"state 0/exp_avg has dtype complex128")])
def test_optimizer_refuses_state_of_the_wrong_type(entry, match):
    model, opt = trained()
    before = snapshot(model, opt)
    sd = opt.state_dict()
    sd["state"][0].update(entry)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    assert_unchanged(model, opt, before)


# ----------------------------------------------------------------- checkpoint.load
def test_state_index_3_of_2_parameters_is_refused_and_nothing_changes(tmp_path):
    model, opt = trained()
    src, bad = tmp_path / "good.npz", tmp_path / "bad.npz"
    checkpoint.save(src, model, opt)
    with np.load(src) as npz:
        moved = {k.replace("optimizer/state/1/", "optimizer/state/3/"): npz[k]
                 for k in npz.files if k.startswith("optimizer/state/1/")}
    moved.update({k.replace("3/", "1/"): None for k in moved})

    def index_3(meta):
        meta["param_groups"][0]["params"] = [0, 3]
        meta["scalar_state"]["3"] = meta["scalar_state"].pop("1")
        return meta
    rewrite(src, bad, moved, index_3)
    other, other_opt = trained(lr=0.5)
    before = snapshot(other, other_opt)
    with pytest.raises(ValueError, match=r"bad.npz.*parameter indices \[0, 3\] are not 0 to 1"):
        checkpoint.load(bad, other, other_opt)
    assert_unchanged(other, other_opt, before)


def test_an_adam_checkpoint_is_refused_by_sgd_before_anything_changes(tmp_path):
    model, opt = trained()
    path = tmp_path / "adam.npz"
    checkpoint.save(path, model, opt)
    other, sgd = trained(nn.optim.SGD, lr=0.1, momentum=0.9)
    before = snapshot(other, sgd)
    with pytest.raises(ValueError, match=r"adam.npz.*state of a Adam optimizer.*into a SGD"):
        checkpoint.load(path, other, sgd)
    assert_unchanged(other, sgd, before)
    same, adam = trained(lr=0.3)
    checkpoint.load(path, same, adam)  # the right class loads
    assert adam.param_groups[0]["lr"] == 0.01


def test_a_failing_optimizer_load_puts_the_model_back(tmp_path):
    model, opt = trained()
    src, bad = tmp_path / "good.npz", tmp_path / "bad.npz"
    checkpoint.save(src, model, opt)
    rewrite(src, bad, meta=lambda m: {**m, "param_groups": [
        {**m["param_groups"][0], "lr": "fast"}]})
    other, other_opt = trained(lr=0.5)
    before = snapshot(other, other_opt)
    with pytest.raises(ValueError, match=r"bad.npz.*lr='fast'"):
        checkpoint.load(bad, other, other_opt)
    assert_unchanged(other, other_opt, before)


def _bomb(path, model, opt, name: str, shape: tuple) -> None:
    """A checkpoint of (model, opt) whose member `name` declares `shape` float64 zeros."""
    checkpoint.save(path, model, opt)
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist() if i.filename != f"{name}.npy"}
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    chunk = np.zeros(1 << 21).tobytes()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, data in members.items():
            zf.writestr(key, data)
        with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, header)
            for _ in range(int(np.prod(shape)) * 8 // len(chunk)):
                f.write(chunk)


@pytest.mark.parametrize("name", ["model/0.weight", "optimizer/state/0/exp_avg", "extra"])
def test_a_huge_declared_array_is_refused_without_inflating_it(tmp_path, name):
    model, opt = trained()
    path = tmp_path / "bomb.npz"
    shape = (1 << 13, 1 << 12)  # 256 MiB of zeros, about 250 KiB on disk
    _bomb(path, model, opt, name, shape)
    assert os.path.getsize(path) < 1 << 20
    before = snapshot(model, opt)
    tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(ValueError, match=r"bomb.npz.*(shape \(8192, 4096\) in the state|"
                                             r"implausible)"):
            checkpoint.load(path, model, opt)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, peak
    assert time.process_time() - start < 1.0
    assert_unchanged(model, opt, before)


# ----------------------------------------------------------------- nothing left on disk
_SAVER = textwrap.dedent("""
    import sys
    import nn
    from nn import checkpoint
    model = nn.Sequential(nn.Linear(1000, 2000, rng=0))  # 16 MB a save
    print("ready", flush=True)
    while True:
        checkpoint.save(sys.argv[1], model)
""")


def test_a_killed_save_leaves_temp_files_that_the_next_save_removes(tmp_path):
    path = tmp_path / "big.npz"
    model = nn.Sequential(nn.Linear(1000, 2000, rng=0))
    checkpoint.save(path, model)  # a complete checkpoint exists before any kill
    env = {**os.environ, "PYTHONPATH": os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH",
                                                                              "")}
    stale: set[str] = set()
    for attempt in range(12):
        saver = subprocess.Popen([sys.executable, "-c", _SAVER, str(path)], env=env,
                                 stdout=subprocess.PIPE, cwd=os.getcwd())
        assert saver.stdout.readline().strip() == b"ready"
        time.sleep(0.05 + 0.03 * attempt)
        saver.send_signal(signal.SIGKILL)
        saver.wait()
        saver.stdout.close()
        stale |= {n for n in os.listdir(tmp_path) if n.startswith(".big.npz.")}
        if stale:
            break
    assert stale, "no kill landed mid-write; the test needs a slower save"
    assert all(n.endswith(".tmp") for n in stale)
    kept = tmp_path.parent / f"{tmp_path.name}-kept.npz"
    shutil.copy(path, kept)  # what the kills left, loaded below (a load also cleans up)
    checkpoint.save(path, model)
    assert sorted(os.listdir(tmp_path)) == ["big.npz"]
    other = nn.Sequential(nn.Linear(1000, 2000, rng=5))
    checkpoint.load(kept, other)
    np.testing.assert_array_equal(other.state_dict()["0.weight"], model.state_dict()["0.weight"])
