"""`Primitive`: an op's forward beside its derivative rules; the one way ops are added.

Built-in Tensor ops are Primitives (see ops.py); Value's built-ins use the same rule form
in value.py. A user adds an op with the `primitive` decorator:

    @primitive(vjp=lambda g, out, x: (3 * x**2 * g,))     # one gradient per input
    def cube(x):
        return x ** 3                                      # on floats or numpy arrays

    cube(Value(2.0)); cube(Tensor(np.ones(3), requires_grad=True))

A rule `vjp(g, out, *inputs, **consts)` returns one gradient per input (or None). During a
plain backward pass it gets floats or arrays; with `create_graph=True` it gets the nodes
themselves, so it must use only operations that work on both (arithmetic, `@`, `.sum`,
`.reshape`, `.T`; for exp, log and the like pick `np.exp(x)` or `x.exp()` by the input's
type, as ops.py does). `vjps=(rule_0, rule_1, ...)` gives
one rule per input instead, each returning just that input's gradient, so inputs that need
no gradient cost nothing.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

OPS: dict[str, "Primitive"] = {}


class Primitive:
    """A differentiable operation: `forward(*arrays, **consts)` and its derivative rules."""

    __slots__ = ("name", "forward", "vjp", "vjps", "error")

    def __init__(self, name: str, forward: Callable, vjp: Callable | None = None,
                 vjps: Sequence[Callable] | None = None, error: str | None = None) -> None:
        if (vjp is None) == (vjps is None):
            raise ValueError(f"primitive {name!r}: give exactly one of vjp= or vjps=")
        self.name, self.forward, self.error = name, forward, error
        self.vjps = tuple(vjps) if vjps is not None else None
        self.vjp = vjp if vjp is not None else self._all_inputs

    def _all_inputs(self, g: Any, out: Any, *inputs: Any, **consts: Any) -> tuple:
        return tuple(rule(g, out, *inputs, **consts) for rule in self.vjps)

    def __call__(self, *inputs: Any, **consts: Any) -> Any:
        from .tensor import Tensor, apply
        from .value import Value
        if any(isinstance(x, Tensor) for x in inputs):
            return apply(self, *inputs, **consts)
        values = tuple(x if isinstance(x, Value) else Value(x) for x in inputs)
        out = self.forward(*(v.data for v in values), **consts)
        return Value._make(float(out), values, self.name, self.vjp, consts or None)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


def defop(name: str, forward: Callable, *vjps: Callable, vjp: Callable | None = None,
          error: str | None = None) -> Primitive:
    """Register a built-in primitive under `name` (one rule per input, or one `vjp`)."""
    if name in OPS:
        raise ValueError(f"primitive {name!r} is already defined")
    OPS[name] = op = Primitive(name, forward, vjp=vjp, vjps=vjps or None, error=error)
    return op


def primitive(vjp: Callable | None = None, vjps: Sequence[Callable] | None = None,
              name: str | None = None) -> Callable[[Callable], Primitive]:
    """Decorator turning `forward` (on floats or arrays) into a differentiable op."""
    def wrap(forward: Callable) -> Primitive:
        return Primitive(name or forward.__name__, forward, vjp=vjp, vjps=vjps)
    return wrap
