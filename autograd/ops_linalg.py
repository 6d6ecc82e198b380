"""The einsum primitive: one forward (numpy's) and one rule, another einsum per operand."""
from __future__ import annotations

import numpy as np

from .ops import _ARRAY, _expand, _scatter
from .primitive import defop


def _einsum(spec: str, *operands):
    if all(isinstance(x, _ARRAY) for x in operands):
        return np.einsum(spec, *operands, optimize=len(operands) > 2)
    first = next(x for x in operands if not isinstance(x, _ARRAY))
    return first._apply(einsum, *operands, spec=spec)


def _operand_grad(g, operands, k: int, spec: str):
    """d out / d operand k: g contracted with the other operands, onto operand k's letters.

    Letters only operand k has (summed out there alone) come back by broadcasting; a letter
    repeated in it (a diagonal, as in "ii->i") puts the gradient on that diagonal only.
    """
    inputs, out = spec.split("->")
    inputs = inputs.split(",")
    mine, shape = inputs[k], operands[k].shape
    unique = "".join(dict.fromkeys(mine))
    others = [s for i, s in enumerate(inputs) if i != k]
    known = set(out).union(*others)
    present = "".join(c for c in unique if c in known)
    grad = _einsum(f"{','.join([out, *others])}->{present}", g,
                   *(x for i, x in enumerate(operands) if i != k))
    size = {c: n for c, n in zip(mine, shape)}
    if len(present) < len(unique):  # broadcast over the letters summed in this operand alone
        grad = _expand(grad.reshape(tuple(size[c] if c in present else 1 for c in unique)),
                       tuple(size[c] for c in unique))
    if len(unique) < len(mine):  # a repeated letter: onto the diagonal
        grid = np.indices(tuple(size[c] for c in unique))
        grad = _scatter(grad, tuple(grid[unique.index(c)] for c in mine), shape)
    return grad


einsum = defop("einsum", lambda *operands, spec: np.einsum(spec, *operands),
               vjp=lambda g, out, *operands, spec: tuple(
                   _operand_grad(g, operands, k, spec) for k in range(len(operands))))
