"""Check analytic gradients against float64 central differences.

Two checks, as in JAX and HIPS autograd: a projection check, comparing <J^T v, u> with
the directional derivative (f(x + eps u) - f(x - eps u)) / 2eps . v along random
directions (cheap for any size), and a per-element check for inputs of at most
`max_elements` elements, which names the element that is wrong.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .graph import Node, grad
from .tensor import Tensor
from .value import Value


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with finite differences."""


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _leaves(arrays: Sequence[np.ndarray], kinds: Sequence[str]) -> list:
    return [Value(float(a)) if kind == "value" else Tensor(a.copy(), requires_grad=True)
            for a, kind in zip(arrays, kinds)]


def _as_array(x: Any) -> np.ndarray:
    if isinstance(x, Node):
        x = x.data
    return np.array(x, dtype=np.float64)


def _output(f: Callable, arrays, kinds) -> tuple[list, Any]:
    xs = _leaves(arrays, kinds)
    out = f(*xs)
    if not isinstance(out, Node):  # a number or list carries no gradient: f is wrong, not it
        raise TypeError(f"gradcheck({_name(f)}): f must return one Value or Tensor, got "
                        f"{type(out).__name__} {out!r:.60}")
    return xs, out


def _name(f: Callable) -> str:
    return getattr(f, "name", None) or getattr(f, "__name__", type(f).__name__)


def gradcheck(f: Callable, inputs: Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-4, seed: int = 0, max_elements: int = 16,
              raise_exception: bool = True) -> bool:
    """True when the gradients of `f(*inputs)` match central differences in float64.

    `inputs` are Values, Tensors, floats or arrays (a plain number is taken as a Value, an
    array as a Tensor). On a mismatch raise `GradcheckError` naming the input index, the
    element, and the analytic and numeric values (or return False with
    `raise_exception=False`).
    """
    inputs = list(inputs)
    kinds = ["tensor" if _is_tensor(x) or isinstance(x, np.ndarray) else "value" for x in inputs]
    arrays = [_as_array(x) for x in inputs]
    rng = np.random.default_rng(seed)
    xs, out = _output(f, arrays, kinds)
    out_shape = np.shape(_as_array(out))
    v = rng.standard_normal(out_shape) if out_shape else np.array(1.0)
    seed_grad = v if _is_tensor(out) else float(v)
    analytic = [_as_array(g) for g in grad(out, xs, grad_outputs=seed_grad)] if xs else []

    def projected(arrs) -> float:
        return float(np.sum(_as_array(_output(f, arrs, kinds)[1]) * v))

    def numeric(direction_of) -> float:
        plus = [a + eps * direction_of(i) for i, a in enumerate(arrays)]
        minus = [a - eps * direction_of(i) for i, a in enumerate(arrays)]
        return (projected(plus) - projected(minus)) / (2 * eps)

    def fail(message: str) -> bool:
        if out_shape:
            message += f" (derivatives of sum(output * v), v a fixed random array of shape " \
                       f"{out_shape})"
        if raise_exception:
            raise GradcheckError(f"gradcheck({_name(f)}): {message}")
        return False

    for i, a in enumerate(arrays):
        if a.size > max_elements:
            continue
        for index in np.ndindex(a.shape):
            def unit(j, i=i, index=index):
                e = np.zeros_like(arrays[j])
                if j == i:
                    e[index] = 1.0
                return e
            num = numeric(unit)
            ana = float(analytic[i][index])
            if not np.isclose(ana, num, atol=atol, rtol=rtol):
                where = f", element {index}" if a.ndim else ""
                return fail(f"input {i}{where}: analytic {ana:.8g}, numeric {num:.8g}")
    for trial in range(2):
        us = [rng.standard_normal(a.shape) for a in arrays]
        num = numeric(lambda i: us[i])
        ana = float(sum(np.sum(g * u) for g, u in zip(analytic, us)))
        if not np.isclose(ana, num, atol=atol, rtol=rtol):
            return fail(f"projection along a random direction: analytic {ana:.8g}, "
                        f"numeric {num:.8g}")
    return True


def gradgradcheck(f: Callable, inputs: Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-4, seed: int = 0, max_elements: int = 16,
                  raise_exception: bool = True) -> bool:
    """Like `gradcheck`, for the second derivatives: checks the gradient of `f`'s gradient.

    The gradient is taken with `create_graph=True` and projected onto fixed random weights,
    giving a scalar function of the inputs whose own gradient is then checked.
    """
    rng = np.random.default_rng(seed + 1)
    weights: list[np.ndarray] = []
    cotangent: list[Any] = []

    def grad_of_f(*xs):
        out = f(*xs)
        if not cotangent:
            shape = np.shape(_as_array(out))
            cotangent.append(rng.standard_normal(shape) if shape else 1.0)
            weights.extend(rng.standard_normal(np.shape(_as_array(x))) for x in xs)
        gs = grad(out, list(xs), grad_outputs=cotangent[0], create_graph=True)
        total = 0.0
        for g, w in zip(gs, weights):
            if _is_tensor(g):
                total = total + (g * w).sum()
            elif isinstance(g, Node):
                total = total + g * float(w)
            else:  # a gradient that does not depend on the inputs
                total = total + float(np.sum(np.asarray(g) * w))
        if not isinstance(total, Node):  # no gradient depends on the inputs: a constant
            total = Tensor(np.asarray(total)) if any(map(_is_tensor, xs)) else Value(total)
        return total

    grad_of_f.__name__ = f"grad of {_name(f)}"
    return gradcheck(grad_of_f, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed,
                     max_elements=max_elements, raise_exception=raise_exception)
