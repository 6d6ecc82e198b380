"""Base class for optimizers over scalar (`Value`) and ndarray (`Tensor`) parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def check(ok: bool, what: str, value: Any) -> None:
    """Raise ``ValueError("Invalid <what>: <value>")`` unless ``ok``."""
    if not ok:
        raise ValueError(f"Invalid {what}: {value}")


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
                if isinstance(p.grad, np.ndarray):
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.fill(0)
                elif p.grad is not None:
                    p.grad = 0.0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                is_array = isinstance(p.data, np.ndarray)
                data = p.data if is_array else np.array(p.data, dtype=np.float64)
                grad = np.asarray(p.grad, dtype=data.dtype)
                if group.get("maximize", False):
                    grad = -grad
                self._update(data, grad, self.state.setdefault(p, {}), group)
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
        """Restore hyperparameters and state saved by :meth:`state_dict`."""
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved)} parameter groups, "
                             f"optimizer has {len(self.param_groups)}")
        for i, (s, g) in enumerate(zip(saved, self.param_groups)):
            if len(s["params"]) != len(g["params"]):
                raise ValueError(f"parameter group {i} has {len(s['params'])} parameters in "
                                 f"the loaded state dict, {len(g['params'])} in the optimizer")
        by_index = {i: p for s, g in zip(saved, self.param_groups)
                    for i, p in zip(s["params"], g["params"])}
        self.state = {}
        for i, entry in state_dict["state"].items():
            p = by_index[i]
            dtype = p.data.dtype if isinstance(p.data, np.ndarray) else np.float64
            self.state[p] = {k: np.array(v, dtype=dtype) if isinstance(v, np.ndarray) else v
                             for k, v in entry.items()}
        self.param_groups = [{**{k: v for k, v in s.items() if k != "params"},
                              "params": g["params"]} for s, g in zip(saved, self.param_groups)]
