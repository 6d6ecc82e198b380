"""`Module`: parameters and submodules found by attribute name, PyTorch's naming and state."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterator

import numpy as np

from autograd import Tensor, Value

from .train import Trainable


class Parameter(Tensor):
    """A Tensor that a Module treats as one of its weights (always requires a gradient)."""

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None) -> None:
        data = np.array(data, dtype=dtype if dtype is not None else np.float64)
        super().__init__(data, requires_grad=True)


def _is_state(x: Any) -> bool:
    """True for what a Module names and walks: parameters, Values, modules, lists of them."""
    if isinstance(x, (Module, Parameter, Value)):
        return True
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(map(_is_state, x))


class Module(Trainable):
    """Base class of every layer and model.

    Assigning a Parameter, a Value, a Module, or a list of them to an attribute registers
    it under that name, so `named_parameters()` yields dotted names like "0.weight" or
    "layers.1.neurons.0.w.2", as PyTorch names them. `compile`/`fit`/`evaluate`/`predict`
    (from nn.train) train it the Keras way.
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
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter's data, keyed by dotted name."""
        return OrderedDict((name, np.array(p.data)) for name, p in self.named_parameters())

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy arrays into the parameters, checking every key and shape first."""
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        problems = []
        if strict and missing:
            problems.append(f"missing keys: {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys: {', '.join(unexpected)}")
        for key in params.keys() & state.keys():
            have, got = np.shape(params[key].data), np.shape(state[key])
            if have != got:
                problems.append(f"{key}: shape {got} in the state, {have} in the model")
        if problems:
            raise KeyError(f"load_state_dict({type(self).__name__}): " + "; ".join(problems))
        for key in params.keys() & state.keys():
            p = params[key]
            if isinstance(p, Value):
                p.data = float(state[key])
            else:
                np.copyto(p.data, np.asarray(state[key]), casting="same_kind")

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


class Sequential(Module):
    """Modules applied one after another; they are named "0", "1", ... as in PyTorch."""

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            setattr(self, str(i), module)
        self.length = len(modules)

    def __getitem__(self, i: int) -> Module:
        return getattr(self, str(range(self.length)[i]))

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[Module]:
        return (self[i] for i in range(self.length))

    def forward(self, x: Any) -> Any:
        for module in self:
            x = module(x)
        return x
