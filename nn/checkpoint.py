"""Save and load a model (and optionally its optimizer) as one `.npz` file, atomically.

Keys: `model/<param name>` arrays; `optimizer/state/<index>/<name>` arrays; the optimizer's
param_groups and scalar state, the `extra` metadata and the format version as JSON strings
in 0-d unicode arrays. Nothing is pickled. `save` writes a temporary file beside the target
and renames it into place, so an interrupted save leaves the previous checkpoint intact.
"""
from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from .atomic import atomic_write, remove_stale

FORMAT = "autograd-nn checkpoint"
VERSION = 1
_RATIO, _SLACK = 100, 1 << 20  # a member may inflate to 100 x its stored size, plus 1 MiB


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
    meta = {"param_groups": sd["param_groups"], "scalar_state": scalars,
            "class": type(optimizer).__name__}
    arrays["optimizer/meta"] = _json(meta, "the optimizer's hyper-parameters")
    return arrays


def save(path: str | os.PathLike, model: Any, optimizer: Any = None, **extra: Any) -> None:
    """Write `model`'s parameters, `optimizer`'s state and `extra` (JSON) to `path`."""
    if not callable(getattr(model, "state_dict", None)):
        raise TypeError(f"checkpoint.save: model must be a Module (with state_dict), got "
                        f"{type(model).__name__} {model!r:.60}")
    if optimizer is not None and not callable(getattr(optimizer, "state_dict", None)):
        raise TypeError(f"checkpoint.save: optimizer must be an nn.optim optimizer or None, got "
                        f"{type(optimizer).__name__} {optimizer!r:.60}")
    arrays = {"format": np.array(FORMAT), "version": np.array(VERSION),
              "extra": _json(extra, "extra")}
    arrays.update({f"model/{k}": v for k, v in model.state_dict().items()})
    if optimizer is not None:
        arrays.update(_optimizer_arrays(optimizer))
    atomic_write(path, lambda f: np.savez(f, **arrays))


class _Refused(ValueError):
    """A readable file that does not fit the model (raised before any array is read)."""


def _header(member: Any) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype a .npy member declares, read from its header alone."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
    elif version in ((2, 0), (3, 0)):
        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise ValueError(f"unsupported .npy format version {version}")
    return shape, dtype


def _expected_shapes(model: Any, optimizer: Any) -> tuple[dict[str, tuple], dict[int, tuple]]:
    """Shapes of the model's state by key and of the optimizer's parameters by index."""
    model_shapes = {k: np.shape(v) for k, v in model.state_dict().items()}
    params = [] if optimizer is None else [p for g in optimizer.param_groups for p in g["params"]]
    return model_shapes, {i: np.shape(p.data) for i, p in enumerate(params)}


def _preflight(zf: zipfile.ZipFile, path: str, model: Any, optimizer: Any) -> None:
    """Compare member names and declared shapes with the model before any array is read."""
    model_shapes, param_shapes = _expected_shapes(model, optimizer)
    problems, names = [], []
    for info in zf.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        names.append(name)
        with zf.open(info) as member:
            shape, dtype = _header(member)
        size = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
        if size > _RATIO * info.compress_size + _SLACK:
            raise _Refused(f"checkpoint {path!r}: entry {name!r} declares shape {shape} of "
                             f"{dtype} ({size} bytes) from {info.compress_size} stored bytes: "
                             "implausible, refused before reading it")
        key, want, where = name[len("model/"):], None, "in the model"
        if name.startswith("model/"):
            want = model_shapes.get(key)
        index, _, entry = name[len("optimizer/state/"):].partition("/")
        if name.startswith("optimizer/state/") and index.isdigit() and entry:
            key, want, where = name, param_shapes.get(int(index), shape), "for the parameter"
        if want is not None and tuple(shape) != tuple(want):
            problems.append(f"{key}: shape {tuple(shape)} in the state, {tuple(want)} {where}")
    if "format" not in names:
        raise _Refused(f"{path!r} is not a checkpoint written by nn.checkpoint.save "
                       f"(no {FORMAT!r} marker)")
    missing = [k for k in model_shapes if f"model/{k}" not in names]
    unexpected = [n[len("model/"):] for n in names
                  if n.startswith("model/") and n[len("model/"):] not in model_shapes]
    if missing:
        problems.append(f"missing keys: {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {', '.join(unexpected)}")
    if problems:
        raise _Refused(f"checkpoint {path!r} does not fit (another architecture or "
                       f"optimizer?): {'; '.join(problems)}")


def _read(path: str, model: Any = None, optimizer: Any = None) -> dict[str, np.ndarray]:
    """Every array in the file, read now (so a damaged file fails here, not half-way), after
    `_preflight` has compared the file's directory and headers with `model`."""
    with open(path, "rb") as f:
        if f.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise ValueError(f"{path!r} is not a checkpoint: not a .npz (zip) file")
        f.seek(0)
        try:
            if model is not None:
                with zipfile.ZipFile(f) as zf:
                    _preflight(zf, path, model, optimizer)
                f.seek(0)
            with np.load(f, allow_pickle=False) as npz:
                return {key: npz[key] for key in npz.files}
        except _Refused as error:  # shown as the ValueError it is
            raise ValueError(str(error)) from None
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


def _model_state(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k[len("model/"):]: v for k, v in arrays.items() if k.startswith("model/")}


def _index(text: str, path: str) -> int:
    if not text.isdigit():
        raise ValueError(f"checkpoint {path!r}: bad optimizer parameter index {text!r}")
    return int(text)


def _optimizer_state(arrays: dict[str, np.ndarray], path: str) -> dict:
    if "optimizer/meta" not in arrays:
        raise ValueError(f"checkpoint {path!r} holds no optimizer state")
    meta = _text(arrays, "optimizer/meta", path)
    groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v
               for k, v in g.items()} for g in meta["param_groups"]]
    state: dict[int, dict[str, Any]] = {}
    for index, entry in meta["scalar_state"].items():
        state.setdefault(_index(index, path), {}).update(entry)
    for key, value in arrays.items():
        if key.startswith("optimizer/state/"):
            index, _, name = key[len("optimizer/state/"):].partition("/")
            state.setdefault(_index(index, path), {})[name] = value
    return {"state": state, "param_groups": groups}


def load(path: str | os.PathLike, model: Any, optimizer: Any = None) -> dict[str, Any]:
    """Restore `model` (and `optimizer`) from `path`; return the `extra` saved with it.

    All or nothing: the model's and optimizer's own `load_state_dict` check what the file
    holds, and if either refuses, both are put back as they were.
    """
    path = os.fspath(path)
    remove_stale(path)
    arrays = _read(path, model, optimizer)
    _check_header(arrays, path)
    try:
        extra = _text(arrays, "extra", path) if "extra" in arrays else {}
        state = _model_state(arrays)
        opt_state = _optimizer_state(arrays, path) if optimizer is not None else None
        saved_class = _text(arrays, "optimizer/meta", path).get("class") if opt_state else None
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"checkpoint {path!r} is malformed: {error!r}") from None
    if saved_class is not None and saved_class != type(optimizer).__name__:
        raise ValueError(f"checkpoint {path!r} holds the state of a {saved_class} optimizer; "
                         f"it cannot be loaded into a {type(optimizer).__name__}")
    backup = model.state_dict()
    opt_backup = optimizer.state_dict() if optimizer is not None else None
    try:
        model.load_state_dict(state)
        if opt_state is not None:
            optimizer.load_state_dict(opt_state)
    except BaseException as error:
        model.load_state_dict(backup)
        if opt_backup is not None:
            optimizer.load_state_dict(opt_backup)
        if isinstance(error, ValueError):
            raise ValueError(f"checkpoint {path!r} does not fit (another architecture or "
                             f"optimizer?): {error}") from None
        raise
    return extra


__all__ = ["save", "load"]
from .weights import load_weights, save_weights  # noqa: E402,F401  (safetensors)
