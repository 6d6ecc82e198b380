"""Save and load a model (and optionally its optimizer) as one `.npz` file, atomically.

Keys: `model/<param name>` arrays; `optimizer/state/<index>/<name>` arrays; the optimizer's
param_groups and scalar state, the `extra` metadata and the format version as JSON strings
in 0-d unicode arrays. Nothing is pickled. `save` writes a temporary file beside the target
and renames it into place, so an interrupted save leaves the previous checkpoint intact.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .atomic import atomic_write, remove_stale

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


def save(path: str | os.PathLike, model: Any, optimizer: Any = None, **extra: Any) -> None:
    """Write `model`'s parameters, `optimizer`'s state and `extra` (JSON) to `path`."""
    arrays = {"format": np.array(FORMAT), "version": np.array(VERSION),
              "extra": _json(extra, "extra")}
    arrays.update({f"model/{k}": v for k, v in model.state_dict().items()})
    if optimizer is not None:
        arrays.update(_optimizer_arrays(optimizer))
    atomic_write(path, lambda f: np.savez(f, **arrays))


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
    arrays = _read(path)
    _check_header(arrays, path)
    try:
        extra = _text(arrays, "extra", path) if "extra" in arrays else {}
        state = _model_state(arrays)
        opt_state = _optimizer_state(arrays, path) if optimizer is not None else None
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"checkpoint {path!r} is malformed: {error!r}") from None
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
