"""Functions on Tensors with PyTorch's names: `linear`, activations and losses.

Every loss takes `reduction="mean" | "sum" | "none"`. Targets may be numpy arrays or
Tensors; they are used as constants (no gradient ever flows into a target).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograd import Tensor, Value, ops, primitive
from autograd.extend import apply


def _tensor(x: Any, dtype: Any = None) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)


def _float_dtype(x: Tensor) -> np.dtype:
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """`x @ weight.T + bias`, with weight of shape (out_features, in_features)."""
    x = _tensor(x, weight.dtype)
    return x @ weight.T if bias is None else apply(ops.linear, x, weight, bias)


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise."""
    return _tensor(x).relu()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    return _tensor(x).leaky_relu(negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x) elementwise."""
    return _tensor(x).sigmoid()


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return _tensor(x).tanh()


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """exp(x) normalised to sum to 1 along `dim`."""
    return _tensor(x).softmax(dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) along `dim`, computed stably."""
    return _tensor(x).log_softmax(dim)


# ---------------------------------------------------------------------- helpers
def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    _check_reduction(reduction, name)
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _target(target: Any, input: Tensor, name: str) -> np.ndarray:
    """The target as a constant array of the input's shape and float dtype."""
    y = np.asarray(target.data if isinstance(target, (Tensor, Value)) else target)
    if y.shape != input.shape:
        raise ValueError(f"{name}: target shape {y.shape} does not match input shape "
                         f"{input.shape}")
    return y.astype(_float_dtype(input), copy=False)


def _is_values(x: Any) -> bool:
    return isinstance(x, Value) or (isinstance(x, (list, tuple)) and len(x) > 0
                                    and all(isinstance(v, (Value, float, int)) for v in x)
                                    and any(isinstance(v, Value) for v in x))


def _value_loss(input: Any, target: Any, name: str, reduction: str,
                term: Callable[[Value, float], Value]) -> Any:
    """A loss over scalar Values (micrograd style): one graph node per term, then reduce."""
    _check_reduction(reduction, name)
    xs = [input] if isinstance(input, Value) else list(input)
    xs = [x if isinstance(x, Value) else Value(x) for x in xs]
    ys = np.asarray(target.data if isinstance(target, (Tensor, Value)) else target, float)
    shape = () if isinstance(input, Value) else (len(xs),)
    if ys.shape != shape:
        raise ValueError(f"{name}: target shape {ys.shape} does not match input shape {shape}")
    terms = [term(x, float(y)) for x, y in zip(xs, ys.ravel())]
    if reduction == "none":
        return terms[0] if isinstance(input, Value) else terms
    total = Value.sum(terms)
    return total * (1.0 / len(terms)) if reduction == "mean" else total


# ---------------------------------------------------------------------- regression
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean squared error (input - target)²; also takes a list of Values."""
    if _is_values(input):
        return _value_loss(input, target, "mse_loss", reduction, lambda x, y: (x - y) ** 2)
    x = _tensor(input)
    d = x - _target(target, x, "mse_loss")
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean absolute error |input - target|; also takes a list of Values."""
    if _is_values(input):
        return _value_loss(input, target, "l1_loss", reduction, lambda x, y: abs(x - y))
    x = _tensor(input)
    return _reduce((x - _target(target, x, "l1_loss")).abs(), reduction, "l1_loss")


# ---------------------------------------------------------------------- binary
def _bce_forward(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)
    return -(y * log_p + (1 - y) * log_q)


def _bce_vjp(g: Any, out: Any, p: Any, y: Any) -> Any:
    """PyTorch's rule: g (p - y) / max(p (1 - p), 1e-12), finite at p = 0 and p = 1."""
    denom = p * (1 - p)
    denom = np.maximum(denom, 1e-12) if isinstance(denom, np.ndarray) else denom.maximum(1e-12)
    return g * (p - y) / denom


_bce = primitive(vjps=(_bce_vjp, lambda g, out, p, y: None), name="binary_cross_entropy")(
    _bce_forward)


def binary_cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p, logs clamped at -100 as in torch."""
    p = _tensor(input)
    y = _target(target, p, "binary_cross_entropy")
    if not np.all((p.data >= 0) & (p.data <= 1)):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1]; "
                         "use binary_cross_entropy_with_logits for raw scores")
    return _reduce(_bce(p, y), reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of sigmoid(x), computed stably as softplus(x) - x·y."""
    x = _tensor(input)
    y = _target(target, x, "binary_cross_entropy_with_logits")
    return _reduce(x.softplus() - x * y, reduction, "binary_cross_entropy_with_logits")


def hinge_loss(scores: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Any:
    """Max-margin loss relu(margin - y·s) for targets ±1; also takes a list of Values."""
    y = np.asarray(target.data if isinstance(target, (Tensor, Value)) else target)
    if not np.all(np.abs(y) == 1):
        raise ValueError(f"hinge_loss: targets must be -1 or +1, got values {np.unique(y)[:5]}")
    if _is_values(scores):
        return _value_loss(scores, y, "hinge_loss", reduction,
                           lambda s, t: (margin - t * s).relu())
    s = _tensor(scores)
    y = _target(y, s, "hinge_loss")
    return _reduce((margin - y * s).relu(), reduction, "hinge_loss")


# ---------------------------------------------------------------------- classification
def _check_classes(input: Tensor, name: str) -> None:
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: input must have shape (N, C) or (C,), got {input.shape}")


def _class_indices(target: Any, input: Tensor, name: str) -> np.ndarray:
    t = np.asarray(target)
    if t.shape != input.shape[:-1]:
        raise ValueError(f"{name}: target shape {t.shape} does not match input shape "
                         f"{input.shape} (expected class indices of shape {input.shape[:-1]})")
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"{name}: class-index targets must be integers, got {t.dtype}")
    classes = input.shape[-1]
    if t.size and (t.min() < 0 or t.max() >= classes):
        bad = t[(t < 0) | (t >= classes)].ravel()[0]
        raise IndexError(f"{name}: target class {bad} is out of range for {classes} classes")
    return t


def _pick(log_probs: Tensor, t: np.ndarray) -> Tensor:
    """log_probs[i, t[i]] for each row (or log_probs[t] for a single sample)."""
    if log_probs.ndim == 1:
        return log_probs[int(t)]
    return log_probs[np.arange(len(t)), t]


def nll_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood -log_probs[i, target[i]] for class-index targets."""
    lp = _tensor(input)
    _check_classes(lp, "nll_loss")
    t = _class_indices(target.data if isinstance(target, Tensor) else target, lp, "nll_loss")
    return _reduce(-_pick(lp, t), reduction, "nll_loss")


def cross_entropy(input: Any, target: Any, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax + negative log-likelihood; target is class indices or class probabilities."""
    x = _tensor(input)
    _check_classes(x, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    classes = x.shape[-1]
    if np.issubdtype(t.dtype, np.floating) and t.shape == x.shape[:-1] != x.shape:
        raise TypeError(f"cross_entropy: class-index targets must be integers, got {t.dtype} "
                        f"of shape {t.shape} (class probabilities need shape {x.shape})")
    if np.issubdtype(t.dtype, np.floating):
        lp = x.log_softmax(-1)
        y = _target(t, x, "cross_entropy")
        if label_smoothing:
            y = y * (1.0 - label_smoothing) + label_smoothing / classes
        return _reduce(-(lp * y).sum(-1), reduction, "cross_entropy")
    t = _class_indices(t, x, "cross_entropy")
    if not label_smoothing and x.ndim == 2:
        _check_reduction(reduction, "cross_entropy")
        return apply(ops.cross_entropy, x, target=t, reduction=reduction)
    lp = x.log_softmax(-1)
    loss = -_pick(lp, t)
    if label_smoothing:
        loss = (1.0 - label_smoothing) * loss - label_smoothing * lp.mean(-1)
    return _reduce(loss, reduction, "cross_entropy")


__all__ = ["linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax",
           "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "hinge_loss", "nll_loss", "cross_entropy"]
from .functional_conv import *  # noqa: E402,F401,F403  (conv, pool, norm, embedding)


from .functional_activations import (celu, elu, gelu, hardsigmoid, hardswish,  # noqa: E402,F401
                                     hardtanh, logsigmoid, mish, one_hot, relu6, selu, silu,
                                     softmin, softplus, softsign)
