"""`Primitive`: the record of one op, its forward beside its derivative rules.

A record knows nothing of Value or Tensor: `tensor.apply` and `value.apply` run it on their
nodes, and `autograd.extend` (the public extension API) picks between them. A rule
`vjp(g, out, *inputs, **consts)` returns one gradient per input (or None). During a plain
backward pass it gets floats or arrays; with `create_graph=True` it gets the nodes
themselves, so it must use only operations that work on both (arithmetic, `@`, `.sum`,
`.reshape`, `.T`; for exp, log and the like pick `np.exp(x)` or `x.exp()` by the input's
type, as ops.py does). `vjps=(rule_0, rule_1, ...)` gives one rule per input instead, each
returning just that input's gradient, so inputs that need no gradient cost nothing.

`residuals=True`: the forward returns `(out, {name: array})`, arrays it computed on the way
that its rules may reuse. A plain backward pass hands them to the rules as keyword
arguments after the constants; under `create_graph=True` (and on Values) they are left
out, so a rule must also work without them, recomputing from its inputs.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence


class Primitive:
    """A differentiable operation: `forward(*inputs, **consts)` and its derivative rules.

    `name` is the op's one name (registry, rules, test domains); `label` is what a drawn
    graph shows on the op's node ("+", "ReLU"); `error` formats a failed forward's message
    from the input shapes and the constants.
    """

    __slots__ = ("name", "label", "forward", "vjp", "vjps", "error", "residuals")

    def __init__(self, name: str, forward: Callable, vjp: Callable | None = None,
                 vjps: Sequence[Callable] | None = None, error: str | None = None,
                 label: str | None = None, residuals: bool = False) -> None:
        if (vjp is None) == (vjps is None):
            raise ValueError(f"primitive {name!r}: give exactly one of vjp= or vjps=")
        self.name, self.label, self.forward, self.error = name, label or name, forward, error
        self.residuals = residuals
        self.vjps = tuple(vjps) if vjps is not None else None
        self.vjp = vjp if vjp is not None else self._all_inputs

    def _all_inputs(self, g: Any, out: Any, *inputs: Any, **consts: Any) -> tuple:
        return tuple(rule(g, out, *inputs, **consts) for rule in self.vjps)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


# The built-in ops by name: Tensor primitives (ops.py) and scalar Value ops (value.py).
# An operation both kinds have carries the same name in both.
OPS: dict[str, Primitive] = {}
VALUE_OPS: dict[str, Primitive] = {}


def defop(name: str, forward: Callable, *vjps: Callable, vjp: Callable | None = None,
          error: str | None = None, label: str | None = None, residuals: bool = False,
          registry: dict[str, Primitive] = OPS) -> Primitive:
    """Register a built-in primitive under `name` (one rule per input, or one `vjp`)."""
    if name in registry:
        raise ValueError(f"primitive {name!r} is already defined")
    registry[name] = op = Primitive(name, forward, vjp=vjp, vjps=vjps or None, error=error,
                                    label=label, residuals=residuals)
    return op
