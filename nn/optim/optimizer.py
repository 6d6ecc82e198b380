"""Base class for optimizers over scalar (`Value`) and ndarray (`Tensor`) parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def check(ok: Callable[[float], bool], what: str, value: Any) -> None:
    """TypeError unless ``value`` is a real number; ``ValueError("Invalid <what>: <value>")``
    unless ``ok(value)``."""
    if not _is_number(value):
        raise TypeError(f"Invalid {what}: expected a real number, got {type(value).__name__} "
                        f"{value!r}")
    if not ok(value):
        raise ValueError(f"Invalid {what}: {value}")


def pair(what: str, value: Any) -> tuple:
    """``value`` as a tuple of two numbers, or TypeError/ValueError naming ``what``."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"Invalid {what}: expected a pair of numbers, got "
                        f"{type(value).__name__} {value!r}")
    if len(value) != 2:
        raise ValueError(f"Invalid {what}: expected 2 values, got {len(value)}: {value!r}")
    return tuple(value)


def _same_kind(saved: Any, have: Any) -> bool:
    """A saved hyperparameter may replace the current one: numbers for numbers, flags for
    flags, pairs of numbers for pairs, None or a number where either was allowed."""
    if isinstance(have, (bool, np.bool_)):
        return isinstance(saved, (bool, np.bool_))
    if _is_number(have) or have is None:
        return _is_number(saved) or saved is None
    if isinstance(have, (tuple, list)):
        return (isinstance(saved, (tuple, list)) and len(saved) == len(have)
                and all(map(_same_kind, saved, have)))
    return type(saved) is type(have)


class Optimizer:
    """Base optimizer holding param groups and per-parameter state (PyTorch semantics).

    A parameter is any object with ``.data`` and ``.grad``: either Python floats (scalar
    ``Value``) or ndarrays (``Tensor``; ``grad`` may be ``None``, meaning "skip").
    Subclasses implement only :meth:`_update`, which works in place on an ndarray view
    of the parameter; :meth:`step` handles the float/ndarray conversion and negates the
    gradient for groups with ``maximize=True``.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if hasattr(params, "data") and hasattr(params, "grad"):
            raise TypeError("params should be an iterable of parameters or dicts, "
                            f"got a single {type(params).__name__}")
        self.defaults = defaults
        self.state: dict[Any, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters must be an ordered collection, not a set")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with optional hyperparameter overrides)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters must be an ordered collection, not a set")
        group["params"] = [params] if hasattr(params, "grad") else list(params)
        for p in group["params"]:
            if not (hasattr(p, "data") and hasattr(p, "grad")):
                raise TypeError(f"cannot optimize a {type(p).__name__}: needs .data and .grad")
        ids = [id(p) for p in group["params"]]
        if len(ids) != len(set(ids)):
            raise ValueError("a parameter group contains the same parameter more than once")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen.intersection(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self.param_groups.append(group)

    def __repr__(self) -> str:
        """Each group's hyperparameters, sorted by name, as PyTorch prints an optimizer."""
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {k}: {group[k]}\n" for k in sorted(group) if k != "params")
        return text + ")"

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: ndarray grads to None (or zeros in place), float grads to 0.0."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if isinstance(p.grad, np.ndarray):
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.fill(0)
                else:
                    p.grad = 0.0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            maximize = group.get("maximize", False)
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                data = p.data
                is_array = isinstance(data, np.ndarray)
                if not is_array:
                    data = np.array(data, dtype=np.float64)
                if type(grad) is not np.ndarray or grad.dtype != data.dtype:
                    grad = np.asarray(grad, dtype=data.dtype)
                if grad.shape != data.shape:
                    raise ValueError(f"{type(self).__name__}.step: a parameter of shape "
                                     f"{data.shape} has a .grad of shape {grad.shape}")
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                self._update(data, -grad if maximize else grad, state, group)
                if not is_array:
                    p.data = float(data)
        return loss

    def _update(self, data: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        """Update ``data`` in place from ``grad`` (never modify ``grad`` in place)."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Return ``{'state': {index: {...}}, 'param_groups': [...]}`` with copied arrays."""
        params = [p for group in self.param_groups for p in group["params"]]
        index = {id(p): i for i, p in enumerate(params)}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups]
        state = {index[id(p)]: {k: np.copy(v) if isinstance(v, np.ndarray) else v
                                for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by :meth:`state_dict`, all or nothing.

        Everything is checked before anything changes; a problem raises ValueError naming
        the group, parameter index or state entry.
        """
        groups, by_index = self._check_state_dict(state_dict)
        state = {}
        for i, entry in state_dict["state"].items():
            p = by_index[i]
            dtype = p.data.dtype if isinstance(p.data, np.ndarray) else np.float64
            try:
                state[p] = {k: np.array(v, dtype=dtype) if isinstance(v, np.ndarray) else v
                            for k, v in entry.items()}
            except (TypeError, ValueError) as error:
                raise ValueError(f"{type(self).__name__}.load_state_dict: state {i} holds "
                                 f"values that are not numbers: {error}") from None
        self.state, self.param_groups = state, groups

    def _check_state_dict(self, state_dict: Any) -> tuple[list[dict], dict[int, Any]]:
        """The param groups to install and the parameter of each saved index, or ValueError."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(f"{who}: expected a dict with 'state' and 'param_groups', got "
                             f"{type(state_dict).__name__}")
        saved, state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved, (list, tuple)) or len(saved) != len(self.param_groups):
            n = len(saved) if isinstance(saved, (list, tuple)) else type(saved).__name__
            raise ValueError(f"{who}: the state dict has {n} parameter groups, the optimizer "
                             f"{len(self.param_groups)}")
        by_index: dict[int, Any] = {}
        for i, (s, g) in enumerate(zip(saved, self.param_groups)):
            if not isinstance(s, dict) or not isinstance(s.get("params"), (list, tuple)):
                raise ValueError(f"{who}: parameter group {i} has no 'params' list")
            if len(s["params"]) != len(g["params"]):
                raise ValueError(f"{who}: parameter group {i} has {len(s['params'])} "
                                 f"parameters in the state dict, {len(g['params'])} in the "
                                 "optimizer")
            unknown = set(s) - set(g) - {"initial_lr"}
            absent = set(g) - set(s) - {"initial_lr"}
            if unknown or absent:
                raise ValueError(f"{who}: parameter group {i} has hyperparameters "
                                 f"{sorted(set(s) - {'params'})}, the optimizer "
                                 f"{sorted(set(g) - {'params'})}")
            for name in sorted(set(s) - {"params"}):
                if name in g and not _same_kind(s[name], g[name]):
                    raise ValueError(f"{who}: parameter group {i} has {name}={s[name]!r}, "
                                     f"the optimizer expects a value like {g[name]!r}")
            for k, p in zip(s["params"], g["params"]):
                if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k in by_index:
                    raise ValueError(f"{who}: parameter group {i} lists index {k!r}: "
                                     "indices must be distinct integers")
                by_index[k] = p
        total = sum(len(g["params"]) for g in self.param_groups)
        if set(by_index) != set(range(total)):
            raise ValueError(f"{who}: the parameter indices {sorted(by_index)} are not 0 to "
                             f"{total - 1} for the optimizer's {total} parameters")
        if not isinstance(state, dict):
            raise ValueError(f"{who}: 'state' must be a dict, got {type(state).__name__}")
        for i, entry in state.items():
            if i not in by_index:
                raise ValueError(f"{who}: state for parameter index {i!r}, which no group "
                                 "lists")
            if not isinstance(entry, dict):
                raise ValueError(f"{who}: state {i} must be a dict")
            shape = np.shape(by_index[i].data)
            for name, value in entry.items():
                if isinstance(value, np.ndarray) and value.shape != shape:
                    raise ValueError(f"{who}: state {i}/{name} has shape {value.shape}, the "
                                     f"parameter {shape}")
                if isinstance(value, np.ndarray) and value.dtype.kind not in "biuf":
                    raise ValueError(f"{who}: state {i}/{name} has dtype {value.dtype}, "
                                     "expected real numbers")
                if not isinstance(value, np.ndarray) and not _is_number(value):
                    raise ValueError(f"{who}: state {i}/{name} is {value!r}, expected a "
                                     "number or an array")
        groups = [{**{k: v for k, v in s.items() if k != "params"}, "params": g["params"]}
                  for s, g in zip(saved, self.param_groups)]
        return groups, by_index
