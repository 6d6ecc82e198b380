"""Save and load a model (and optionally its optimizer) as one `.npz` file, atomically.

Keys: `model/<param name>` arrays; `optimizer/state/<index>/<name>` arrays; the optimizer's
param_groups and scalar state, the `extra` metadata and the format version as JSON strings
in 0-d unicode arrays. Nothing is pickled. `save` writes a temporary file beside the target
and renames it into place, so an interrupted save leaves the previous checkpoint intact.
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import numpy as np

from .module import Module

FORMAT = "autograd-nn checkpoint"
VERSION = 1


def _json(obj: Any, what: str) -> np.ndarray:
    def default(o: Any) -> Any:
        if isinstance(o, (np.generic, np.ndarray)):
            return o.tolist()
        raise TypeError(f"{type(o).__name__} is not JSON serialisable")
    try:
        return np.array(json.dumps(obj, default=default))
    except (TypeError, ValueError) as error:
        raise TypeError(f"checkpoint.save: cannot store {what}: {error}") from error


def _optimizer_arrays(optimizer: Any) -> dict[str, np.ndarray]:
    sd = optimizer.state_dict()
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, entry in sd["state"].items():
        for name, value in entry.items():
            if isinstance(value, np.ndarray):
                arrays[f"optimizer/state/{index}/{name}"] = value
            else:
                scalars.setdefault(str(index), {})[name] = value
    meta = {"param_groups": sd["param_groups"], "scalar_state": scalars}
    arrays["optimizer/meta"] = _json(meta, "the optimizer's hyper-parameters")
    return arrays


def save(path: str | os.PathLike, model: Module, optimizer: Any = None, **extra: Any) -> None:
    """Write `model`'s parameters, `optimizer`'s state and `extra` (JSON) to `path`."""
    arrays = {"format": np.array(FORMAT), "version": np.array(VERSION),
              "extra": _json(extra, "extra")}
    arrays.update({f"model/{k}": v for k, v in model.state_dict().items()})
    if optimizer is not None:
        arrays.update(_optimizer_arrays(optimizer))
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a checkpoint is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename durable where the platform allows syncing a directory."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read(path: str) -> dict[str, np.ndarray]:
    """Every array in the file, read now (so a damaged file fails here, not half-way)."""
    with open(path, "rb") as f:
        if f.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise ValueError(f"{path!r} is not a checkpoint: not a .npz (zip) file")
        f.seek(0)
        try:
            with np.load(f, allow_pickle=False) as npz:
                return {key: npz[key] for key in npz.files}
        except Exception as error:  # zipfile, zlib, numpy format errors: all mean "damaged"
            raise ValueError(f"checkpoint {path!r} is not a readable .npz file "
                             f"(truncated or corrupt?): {type(error).__name__}: {error}") from None


def _text(arrays: dict[str, np.ndarray], key: str, path: str) -> Any:
    value = arrays[key]
    if value.shape != () or value.dtype.kind != "U":
        raise ValueError(f"checkpoint {path!r}: entry {key!r} is not a JSON string")
    try:
        return json.loads(value.item())
    except json.JSONDecodeError as error:
        raise ValueError(f"checkpoint {path!r}: entry {key!r} is not valid JSON: {error}") from None


def _check_header(arrays: dict[str, np.ndarray], path: str) -> None:
    marker = arrays.get("format")
    if marker is None or marker.shape != () or str(marker) != FORMAT:
        raise ValueError(f"{path!r} is not a checkpoint written by nn.checkpoint.save "
                         f"(no {FORMAT!r} marker)")
    version = arrays.get("version")
    if version is None or version.shape != () or version.dtype.kind not in "iu":
        raise ValueError(f"checkpoint {path!r}: missing or invalid format version")
    if int(version) > VERSION:
        raise ValueError(f"checkpoint {path!r} has format version {int(version)}; this code "
                         f"reads versions up to {VERSION}")


def _model_state(arrays: dict[str, np.ndarray], model: Module, path: str) -> dict:
    state = {k[len("model/"):]: v for k, v in arrays.items() if k.startswith("model/")}
    have = model.state_dict()
    problems = []
    missing = [k for k in have if k not in state]
    unexpected = [k for k in state if k not in have]
    if missing:
        problems.append(f"missing keys {missing[:5]}" + (" ..." if len(missing) > 5 else ""))
    if unexpected:
        problems.append(f"unexpected keys {unexpected[:5]}"
                        + (" ..." if len(unexpected) > 5 else ""))
    for key in (k for k in have if k in state):
        if have[key].shape != state[key].shape:
            problems.append(f"{key}: shape {state[key].shape} in the file, "
                            f"{have[key].shape} in the model")
        elif state[key].dtype.kind not in "fiub":
            problems.append(f"{key}: dtype {state[key].dtype} is not numeric")
    if problems:
        raise ValueError(f"checkpoint {path!r} does not fit {type(model).__name__} (another "
                         f"architecture?): " + "; ".join(problems))
    return state


def _index(text: str, path: str) -> int:
    if not text.isdigit():
        raise ValueError(f"checkpoint {path!r}: bad optimizer parameter index {text!r}")
    return int(text)


def _optimizer_state(arrays: dict[str, np.ndarray], optimizer: Any, path: str) -> dict:
    if "optimizer/meta" not in arrays:
        raise ValueError(f"checkpoint {path!r} holds no optimizer state")
    meta = _text(arrays, "optimizer/meta", path)
    groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v
               for k, v in g.items()} for g in meta["param_groups"]]
    params = [p for g in optimizer.param_groups for p in g["params"]]
    sizes = [len(g["params"]) for g in groups]
    if sizes != [len(g["params"]) for g in optimizer.param_groups]:
        raise ValueError(f"checkpoint {path!r}: parameter groups of sizes {sizes} do not fit "
                         f"the optimizer's {[len(g['params']) for g in optimizer.param_groups]}")
    state: dict[int, dict[str, Any]] = {}
    for index, entry in meta["scalar_state"].items():
        state.setdefault(_index(index, path), {}).update(entry)
    for key, value in arrays.items():
        if key.startswith("optimizer/state/"):
            index, _, name = key[len("optimizer/state/"):].partition("/")
            state.setdefault(_index(index, path), {})[name] = value
    for index, entry in state.items():
        if not 0 <= index < len(params):
            raise ValueError(f"checkpoint {path!r}: optimizer state for parameter {index}, "
                             f"but the optimizer has {len(params)}")
        shape = np.shape(params[index].data)
        for name, value in entry.items():
            if isinstance(value, np.ndarray) and value.shape != shape:
                raise ValueError(f"checkpoint {path!r}: optimizer state {index}/{name} has "
                                 f"shape {value.shape}, the parameter {shape}")
    return {"state": state, "param_groups": groups}


def load(path: str | os.PathLike, model: Module, optimizer: Any = None) -> dict[str, Any]:
    """Restore `model` (and `optimizer`) from `path`; return the `extra` saved with it."""
    path = os.fspath(path)
    arrays = _read(path)
    _check_header(arrays, path)
    try:
        extra = _text(arrays, "extra", path) if "extra" in arrays else {}
        state = _model_state(arrays, model, path)
        opt_state = _optimizer_state(arrays, optimizer, path) if optimizer is not None else None
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"checkpoint {path!r} is malformed: {error!r}") from None
    backup = model.state_dict()
    try:
        model.load_state_dict(state)
        if opt_state is not None:
            optimizer.load_state_dict(opt_state)
    except BaseException:
        model.load_state_dict(backup)
        raise
    return extra


__all__ = ["save", "load"]
