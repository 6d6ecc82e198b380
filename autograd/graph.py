"""The graph walk shared by Value and Tensor: grad mode, topological order, reverse pass."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence


class Node:
    """Base of every graph node. Subclasses provide `data`, `grad`, `_prev`, `_prim`, `_op`.

    `_prev` is the tuple of parents, in order; `_prim` is the Primitive that made the node
    (None for a leaf); `_op` is the label a drawn graph shows for it. `_parent_grads(g,
    create_graph)` returns one gradient per parent (None where a parent needs none).
    """

    __slots__ = ()

    def _parent_grads(self, g: Any, create_graph: bool) -> Sequence[Any]:
        raise NotImplementedError

    def _accumulate(self, g: Any) -> None:
        """Add `g` into the `.grad` of a leaf (repeated backward() calls accumulate)."""
        raise NotImplementedError

    def _seed(self, gradient: Any) -> Any:
        """The gradient that starts a backward pass here (checked against this node)."""
        raise NotImplementedError

    def _zeros(self) -> Any:
        """A zero gradient for this node, for inputs an output does not depend on."""
        raise NotImplementedError


class _GradMode(threading.local):
    enabled = True
    refuse_backward = None  # while jit traces: called (with create_graph) instead of a pass


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when operations record the graph (per thread)."""
    return _mode.enabled


@contextmanager
def _set_grad_enabled(enabled: bool) -> Iterator[None]:
    previous = _mode.enabled
    _mode.enabled = enabled
    try:
        yield
    finally:
        _mode.enabled = previous


def no_grad(func: Any = None) -> Any:
    """Context manager (and decorator, with or without parentheses) under which no graph is
    recorded, in this thread."""
    if callable(func):  # `@no_grad` used bare, as torch allows
        return _set_grad_enabled(False)(func)
    if func is not None:
        raise TypeError(f"no_grad takes no arguments (or decorates a function), got "
                        f"{type(func).__name__} {func!r:.60}")
    return _set_grad_enabled(False)


def enable_grad():
    """Context manager that turns graph recording back on inside a `no_grad` block."""
    return _set_grad_enabled(True)


def toposort(roots: Iterable[Node]) -> list[Node]:
    """Nodes reachable from `roots`, each listed before all of its parents.

    An iterative depth-first search: the reverse of the order in which nodes finish.
    """
    order: list[Node] = []
    seen: set[Node] = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root._prev))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    if parent._prev:
                        stack.append((parent, iter(parent._prev)))
                        break
                    order.append(parent)  # a leaf finishes at once
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def backprop(roots: Sequence[Node], seeds: Sequence[Any], create_graph: bool = False,
             wanted: Sequence[Node] | None = None) -> dict[Node, Any]:
    """Apply the chain rule from `roots` (seeded with `seeds`) back through the graph.

    With `wanted` None this is `backward()`: leaves accumulate into `.grad`, and every
    interior node's `.grad` is set to its gradient in this pass. Otherwise no `.grad` is
    touched and the gradients of the `wanted` nodes are returned.

    With `create_graph` a leaf's `.grad` is a graph that refers back to the leaf (as in
    torch): set it to None (`zero_grad`) when done, or use `grad()`, which stores nothing.
    """
    if _mode.refuse_backward is not None:
        _mode.refuse_backward(create_graph)
    grads: dict[Node, Any] = {}
    for root, seed in zip(roots, seeds):
        grads[root] = seed if root not in grads else grads[root] + seed
    keep = set(wanted) if wanted is not None else None
    found: dict[Node, Any] = {}
    previous, _mode.enabled = _mode.enabled, create_graph
    try:
        for node in toposort(roots):
            g = grads.pop(node, None)
            if g is None:
                continue
            leaf = node._prim is None
            if keep is not None:
                if node in keep:
                    found[node] = g
            elif leaf:
                node._accumulate(g)
            else:  # an interior .grad is a number: as a graph it would reach back to node
                node.grad = g.detach() if create_graph and isinstance(g, Node) else g
            if leaf:
                continue
            for parent, pg in zip(node._prev, node._parent_grads(g, create_graph)):
                if pg is not None:
                    have = grads.get(parent)
                    grads[parent] = pg if have is None else have + pg
    finally:
        _mode.enabled = previous
    return found


def _nodes(xs: Any, what: str) -> list[Node]:
    """`xs` as a list of graph nodes, or TypeError naming `what` and what was given."""
    items = list(xs) if isinstance(xs, (list, tuple)) else None
    if items is None or not all(isinstance(x, Node) for x in items):
        bad = xs if items is None else next(x for x in items if not isinstance(x, Node))
        raise TypeError(f"grad: {what} must be a Value or Tensor or a list of them, got "
                        f"{type(bad).__name__} {bad!r:.60}")
    return items


def grad(outputs: Node | Sequence[Node], inputs: Node | Sequence[Node],
         grad_outputs: Any = None, create_graph: bool = False) -> tuple:
    """Gradients of `outputs` with respect to each of `inputs`, leaving every `.grad` alone.

    With `create_graph=True` the gradients are graph nodes themselves, so they can be
    differentiated again (second derivatives). `grad_outputs` seeds non-scalar outputs.
    """
    single = isinstance(outputs, Node)
    outputs = [outputs] if single else _nodes(outputs, "outputs")
    inputs = [inputs] if isinstance(inputs, Node) else _nodes(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif single:
        grad_outputs = [grad_outputs]
    seeds = [out._seed(g) for out, g in zip(outputs, grad_outputs, strict=True)]
    found = backprop(outputs, seeds, create_graph, wanted=inputs)
    return tuple(found[x] if x in found else x._zeros() for x in inputs)
