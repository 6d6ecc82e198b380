"""`Module`: parameters, buffers and submodules found by attribute name, PyTorch's naming
and state; a Module is a layer and knows nothing of training (see `nn.Model`)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterator, Mapping

import numpy as np

from autograd import Tensor, Value


class Parameter(Tensor):
    """A Tensor that a Module treats as one of its weights (always requires a gradient)."""

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None) -> None:
        data = np.array(data, dtype=dtype)  # a copy; a float32 array stays float32
        if dtype is None and not np.issubdtype(data.dtype, np.floating):
            data = data.astype(np.float64)
        super().__init__(data, requires_grad=True)


def _current(target: Any, buffer: str | None) -> Any:
    return getattr(target, buffer) if buffer is not None else target.data


def _castable(got: np.dtype, want: np.dtype) -> bool:
    """Numbers load into numbers (float64 into float32 too); complex, text, objects don't."""
    if got.kind not in "biuf":
        return False
    return want.kind == "f" or got.kind in "biu"


def _is_state(x: Any) -> bool:
    """True for what a Module names and walks: parameters, Values, modules, lists of them."""
    if isinstance(x, (Module, Parameter, Value)):
        return True
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(map(_is_state, x))


class Module:
    """Base class of every layer and model.

    Assigning a Parameter, a Value, a Module, or a list of them to an attribute registers
    it under that name, so `named_parameters()` yields dotted names like "0.weight" or
    "layers.1.neurons.0.w.2", as PyTorch names them. `register_buffer` adds state that is
    saved but not trained (BatchNorm's running statistics).
    """

    training: bool = True

    def __setattr__(self, name: str, value: Any) -> None:
        names = self.__dict__.setdefault("_state_names", {})
        if _is_state(value):
            names[name] = None
        else:
            names.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self.__dict__.get("_state_names", {}).pop(name, None)
        object.__delattr__(self, name)

    def _children(self) -> Iterator[tuple[str, Any]]:
        """(name, item) for every registered attribute, lists flattened to "name.i"."""
        for name in self.__dict__.get("_state_names", {}):
            stack = [(name, getattr(self, name))]
            while stack:
                key, item = stack.pop(0)
                if isinstance(item, (list, tuple)):
                    stack[:0] = [(f"{key}.{i}", x) for i, x in enumerate(item)]
                else:
                    yield key, item

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every submodule, each once."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop(0)
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{key}" if name else key, item)
                        for key, item in module._children() if isinstance(item, Module)]
            stack[:0] = children

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter) for every parameter, each once, in definition order."""
        seen: set[int] = set()
        for name, module in self.named_modules(prefix):
            for key, item in module._children():
                if not isinstance(item, Module) and id(item) not in seen:
                    seen.add(id(item))
                    yield (f"{name}.{key}" if name else key), item

    def parameters(self) -> list:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (0.0 for a Value, None for a Tensor)."""
        for p in self.parameters():
            p.grad = 0.0 if isinstance(p, Value) else None

    def train(self, mode: bool = True) -> Module:
        """Switch this module and its submodules to training mode (Dropout active)."""
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (Dropout passes its input through)."""
        return self.train(False)

    # ---------------------------------------------------------------- state
    def register_buffer(self, name: str, value: np.ndarray | None) -> None:
        """Keep `value` as `self.<name>`, saved in `state_dict` but not a parameter."""
        if not name or "." in name:
            raise KeyError(f"register_buffer: bad buffer name {name!r}")
        self.__dict__.setdefault("_buffer_names", {})[name] = None
        object.__setattr__(self, name, value)

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """(dotted name, array) for every buffer of this module and its submodules."""
        for name, module in self.named_modules(prefix):
            for key in module.__dict__.get("_buffer_names", {}):
                value = getattr(module, key)
                if value is not None:
                    yield (f"{name}.{key}" if name else key), value

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter's and buffer's data, keyed by dotted name."""
        state = OrderedDict((name, np.array(p.data)) for name, p in self.named_parameters())
        state.update((name, np.array(b)) for name, b in self.named_buffers())
        return state

    def _state_targets(self) -> dict[str, tuple[Module | Any, str | None]]:
        """Where each state_dict key is loaded: (parameter, None) or (module, buffer name)."""
        targets: dict[str, tuple[Any, str | None]] = {
            name: (p, None) for name, p in self.named_parameters()}
        for name, module in self.named_modules():
            for key in module.__dict__.get("_buffer_names", {}):
                if getattr(module, key) is not None:
                    targets[f"{name}.{key}" if name else key] = (module, key)
        return targets

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None:
        """Copy arrays into the parameters and buffers, all or nothing.

        Every key, shape and dtype is checked before anything is copied; a problem raises
        ValueError naming the keys. With `strict=False` missing and unexpected keys are
        allowed (the rest still loads), shape and dtype problems are not.
        """
        who = f"load_state_dict({type(self).__name__})"
        if not isinstance(state, Mapping):
            raise TypeError(f"{who}: expected a mapping of names to arrays, got "
                            f"{type(state).__name__}")
        targets = self._state_targets()
        problems = []
        missing = [k for k in targets if k not in state]
        unexpected = [k for k in state if k not in targets]
        if strict and missing:
            problems.append(f"missing keys: {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {', '.join(map(str, unexpected))}")
        arrays = {}
        for key in (k for k in targets if k in state):
            have = _current(*targets[key])
            got = np.asarray(state[key])
            if got.shape != np.shape(have):
                problems.append(f"{key}: shape {got.shape} in the state, {np.shape(have)} in "
                                f"the model")
            elif not _castable(got.dtype, np.asarray(have).dtype):
                problems.append(f"{key}: dtype {got.dtype} cannot be loaded into "
                                f"{np.asarray(have).dtype}")
            arrays[key] = got
        if problems:
            raise ValueError(f"{who}: " + "; ".join(problems))
        for key, got in arrays.items():
            target, buffer = targets[key]
            if buffer is not None:
                np.copyto(getattr(target, buffer), got, casting="unsafe")
            elif isinstance(target, Value):
                target.data = float(got)
            else:
                np.copyto(target.data, got, casting="unsafe")

    # ---------------------------------------------------------------- calling, printing
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        """Extra text inside this module's repr, e.g. layer sizes."""
        return ""

    def __repr__(self) -> str:
        children = [(key, item) for key, item in self._children() if isinstance(item, Module)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({key}): " + repr(item).replace("\n", "\n  ") for key, item in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
