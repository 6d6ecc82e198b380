"""Defining ops: a forward and its derivative rules, run on Values or Tensors alike.

    @primitive(vjp=lambda g, out, x: (3 * x**2 * g,))     # one gradient per input
    def cube(x):
        return x ** 3                                      # on floats or numpy arrays

    cube(Value(2.0)); cube(Tensor(np.ones(3), requires_grad=True))
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from .primitive import Primitive
from .tensor import Tensor
from .tensor import apply as _on_tensors
from .value import apply as _on_values

__all__ = ["Op", "apply", "primitive"]


def apply(prim: Primitive, *inputs: Any, **consts: Any) -> Any:
    """Run `prim` on Tensors when any input is one, else on Values; record the graph."""
    for x in inputs:
        if isinstance(x, Tensor):
            return _on_tensors(prim, *inputs, **consts)
    return _on_values(prim, *inputs, **consts)


class Op:
    """A callable differentiable op made by `primitive`; `op.primitive` is its record."""

    __slots__ = ("primitive",)

    def __init__(self, prim: Primitive) -> None:
        self.primitive = prim

    @property
    def name(self) -> str:
        """The op's name, as the graph and gradcheck's messages show it."""
        return self.primitive.name

    def __call__(self, *inputs: Any, **consts: Any) -> Any:
        return apply(self.primitive, *inputs, **consts)

    def __repr__(self) -> str:
        return f"Op({self.primitive.name!r})"


def primitive(vjp: Callable | None = None, vjps: Sequence[Callable] | None = None,
              name: str | None = None, label: str | None = None) -> Callable[[Callable], Op]:
    """Decorator turning `forward` (on floats or arrays) into a differentiable op."""
    def wrap(forward: Callable) -> Op:
        return Op(Primitive(name or forward.__name__, forward, vjp=vjp, vjps=vjps,
                            label=label))
    return wrap
