"""Tensor primitives: each forward (on numpy arrays) beside one derivative rule per input.

A rule is `vjp(g, out, *inputs, **consts)` and returns that input's gradient, possibly in
the broadcast shape: the walk sums it back to the input's shape once, centrally. Rules see
arrays in a plain backward pass and Tensors under `create_graph=True`, so they use only
operations both have, or the small `_x` helpers below that pick one or the other; a rule
given Tensors runs another primitive through the Tensor's own `_apply`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .primitive import defop

_ARRAY = (np.ndarray, np.generic, float, int)


def _data(x: Any) -> Any:
    """The numbers inside `x`: for masks, which are constants of the derivative."""
    return x if isinstance(x, _ARRAY) else x.data


def _exp(x):
    return np.exp(x) if isinstance(x, _ARRAY) else x.exp()


def _sin(x):
    return np.sin(x) if isinstance(x, _ARRAY) else x.sin()


def _cos(x):
    return np.cos(x) if isinstance(x, _ARRAY) else x.cos()


def _sigmoid(x):
    return sigmoid.forward(x) if isinstance(x, _ARRAY) else x.sigmoid()


def _expand(x, shape):
    if not isinstance(x, _ARRAY):
        return x.expand(shape)
    return np.full(shape, x, dtype=x.dtype) if x.size == 1 else np.broadcast_to(x, shape)


def _permute(x, axes):
    return np.transpose(x, axes) if isinstance(x, _ARRAY) else x.permute(*axes)


def _log(x):
    return np.log(x) if isinstance(x, _ARRAY) else x.log()


def _as(weights, like) -> np.ndarray:
    """Constant derivative weights in the dtype of `like`'s data (keeps float32 float32)."""
    return np.asarray(weights, dtype=_data(like).dtype)


def _matmul(a, b):  # arrays, or under create_graph Tensors (which numpy defers to)
    return a @ b


def _keepdims(g, shape, axis, keepdims):
    """Reshape a reduction's gradient so it broadcasts against the reduced input."""
    if keepdims or axis is None:
        return g  # already broadcasts against the input
    axes = set((np.atleast_1d(axis) % len(shape)).tolist())
    kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return g.reshape(kept)


def unbroadcast(g, shape: tuple) -> Any:
    """Sum `g` over the axes numpy broadcasting added or stretched, giving `shape`."""
    if g.shape == shape:
        return g
    if g.ndim > len(shape):  # axes broadcasting added in front
        g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=stretched, keepdims=True) if stretched else g


# the most negative x whose e^-x is finite in the dtype (float64's otherwise)
_SIGMOID_FLOOR = {np.float16: -11.0, np.float32: -88.0}


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + e^-x) keeps its relative accuracy in both tails while e^-x is finite; below
    # the floor, where it would overflow, σ(x) = e^x to within the dtype's precision
    x = np.asarray(x)
    floor = _SIGMOID_FLOOR.get(x.dtype.type, -709.0)
    out = 1 / (1 + np.exp(-np.maximum(x, floor)))
    low = x < floor
    return np.where(low, np.exp(np.minimum(x, 0)), out) if low.any() else out


# ---------------------------------------------------------------------- binary
add = defop("add", np.add,
            lambda g, out, a, b: g,
            lambda g, out, a, b: g, label="+")
sub = defop("sub", np.subtract,
            lambda g, out, a, b: g,
            lambda g, out, a, b: -g, label="-")
neg = defop("neg", np.negative, lambda g, out, a: -g)
mul = defop("mul", np.multiply,  # d(ab) = b da + a db
            lambda g, out, a, b: g * b,
            lambda g, out, a, b: g * a, label="*")
div = defop("div", np.divide,  # d(a/b) = da / b - a/b² db
            lambda g, out, a, b: g / b,
            lambda g, out, a, b: -g * out / b, label="/")
def _masked(x, keep, fill=0.0):
    """x where the constant mask `keep` holds, else `fill`."""
    return np.where(keep, x, fill) if isinstance(x, _ARRAY) else x.where(keep, fill)


def _pow_vjp_base(g, out, a, b):
    """b a^(b-1), and 0 where b == 0 also at a == 0 (as torch; 0 · 0⁻¹ would be nan).

    Only the points a == b == 0 are masked, so the rule stays smooth in b elsewhere.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * _masked(b * a ** (b - 1), (_data(b) != 0) | (_data(a) != 0))


def _pow_vjp_exponent(g, out, a, b):
    """a^b ln a, as torch: 0 at a == 0 <= b, -inf at a == 0 > b, nan for a < 0 (ln a)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return g * _masked(out * _log(a), ~((_data(a) == 0) & (_data(b) >= 0)))


power = defop("pow", np.power,  # d(a^b) = b a^(b-1) da + a^b ln(a) db
              _pow_vjp_base, _pow_vjp_exponent, label="**")


def _pick(x, y, out):
    """1 where x alone gave `out`, 1/2 where x and y tie (PyTorch splits ties evenly)."""
    x, y = _data(x), _data(y)
    return _as((x == _data(out)) * np.where(x == y, 0.5, 1.0), x)


maximum = defop("maximum", np.maximum,
                lambda g, out, a, b: g * _pick(a, b, out),
                lambda g, out, a, b: g * _pick(b, a, out))
minimum = defop("minimum", np.minimum,
                lambda g, out, a, b: g * _pick(a, b, out),
                lambda g, out, a, b: g * _pick(b, a, out))
where = defop("where", lambda a, b, cond: np.where(cond, a, b),
              lambda g, out, a, b, cond: g * cond,
              lambda g, out, a, b, cond: g * ~cond)


def _matmul_vjp_a(g, out, a, b):  # dA = G Bᵀ (with 1-D operands promoted to matrices)
    if b.ndim == 1:
        return _matmul(g.reshape(g.shape + (1,)), b.reshape((1,) + b.shape))
    ga = _matmul(g.reshape(g.shape[:-1] + (1,) + g.shape[-1:]) if a.ndim == 1 else g,
                 b.swapaxes(-1, -2))
    return ga.reshape(ga.shape[:-2] + ga.shape[-1:]) if a.ndim == 1 else ga


def _matmul_vjp_b(g, out, a, b):  # dB = Aᵀ G
    if a.ndim == 1:
        gb = _matmul(a.reshape(a.shape + (1,)), g.reshape(g.shape[:-1] + (1,) + g.shape[-1:])
                     if b.ndim > 1 else g.reshape((1,)))
        return gb if b.ndim > 1 else gb.reshape(b.shape)
    if b.ndim == 1:
        return _matmul(a.swapaxes(-1, -2), g.reshape(g.shape + (1,))).reshape(
            a.shape[:-2] + b.shape)
    return _matmul(a.swapaxes(-1, -2), g)


matmul = defop("matmul", np.matmul, _matmul_vjp_a, _matmul_vjp_b, error="{0} @ {1}",
               label="@")


def _linear(x, w, b):
    out = np.matmul(x, w.T)
    out += b
    return out


def _rows(a):
    """`a` as a matrix with one row per sample (all leading axes merged)."""
    return a if a.ndim == 2 else a.reshape((-1, a.shape[-1]))


def _column_sums(g):
    """Σ over the rows of `g` (all leading axes): on a tall array as ones @ G, which BLAS
    streams several times faster than numpy's axis-0 sum (which wins below ~64 rows)."""
    g = _rows(g)
    if not isinstance(g, np.ndarray):
        return g.sum(axis=0)
    return np.ones(len(g), g.dtype) @ g if len(g) > 64 else np.add.reduce(g, 0)


def _linear_vjp_w(g, out, x, w, b):  # dW = Gᵀ x, laid out in memory as W is
    if isinstance(w, np.ndarray) and w.flags.f_contiguous and not w.flags.c_contiguous:
        return _matmul(_rows(x).T, _rows(g)).T  # so the optimizer's update streams
    return _matmul(_rows(g).T, _rows(x))


linear = defop("linear", _linear,  # y = x Wᵀ + b: dx = G W, dW = Gᵀ x, db = Σ G
               lambda g, out, x, w, b: _matmul(g, w),
               _linear_vjp_w,
               lambda g, out, x, w, b: _column_sums(g),
               error="{0} @ {1}.T + {2}")

# ---------------------------------------------------------------------- unary
exp = defop("exp", np.exp, lambda g, out, a: g * out)  # d eᵃ = eᵃ da
log = defop("log", np.log, lambda g, out, a: g / a)  # d ln a = da / a
sqrt = defop("sqrt", np.sqrt, lambda g, out, a: g / (2 * out))  # d √a = da / 2√a
absolute = defop("abs", np.abs, lambda g, out, a: g * np.sign(_data(a)))
sin = defop("sin", np.sin, lambda g, out, a: g * _cos(a))  # d sin = cos da
cos = defop("cos", np.cos, lambda g, out, a: -g * _sin(a))  # d cos = -sin da
tanh = defop("tanh", np.tanh, lambda g, out, a: g * (1 - out * out))  # 1 - tanh²
sigmoid = defop("sigmoid", _stable_sigmoid, lambda g, out, a: g * out * (1 - out))  # σ(1-σ)
relu = defop("relu", lambda a: np.maximum(a, 0),
             lambda g, out, a: g * (_data(a) > 0), label="ReLU")
leaky_relu = defop("leaky_relu", lambda a, slope=0.01: np.where(a > 0, a, a * slope),
                   lambda g, out, a, slope=0.01: g * _as(np.where(_data(a) > 0, 1, slope), a))
softplus = defop("softplus", lambda a: np.logaddexp(0, a),  # log(1 + eᵃ), stable
                 lambda g, out, a: g * _sigmoid(a))
def _clip(a, low=None, high=None):
    if low is None and high is None:
        raise ValueError("clip: at least one of min and max must be given, got neither")
    return np.clip(a, low, high)


clip = defop("clip", _clip,
             lambda g, out, a, low=None, high=None: g * (
                 (_data(a) >= (-np.inf if low is None else low))
                 & (_data(a) <= (np.inf if high is None else high))))

# ---------------------------------------------------------------------- reductions


def _sum_vjp(g, out, a, axis=None, keepdims=False):  # every summed element gets g
    return _expand(_keepdims(g, a.shape, axis, keepdims), a.shape)


def _extreme_vjp(g, out, a, axis=None, keepdims=False):  # g split among the tied extremes
    kept = _keepdims(_data(out), a.shape, axis, keepdims)
    mask = _data(a) == kept
    share = _as(mask / mask.sum(axis=axis, keepdims=True), a)
    return _expand(_keepdims(g, a.shape, axis, keepdims), a.shape) * share


def _exp_sums(a, axis):
    """e = exp(a - m), Σ e along `axis` (kept) and m: the max, 0 where it is not finite, so
    the exponentials never overflow. softmax(a) = e / Σ e, logsumexp(a) = log Σ e + m."""
    m = np.maximum.reduce(a, axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(a - m)
    return e, np.add.reduce(e, axis, keepdims=True), m


def _logsumexp(a, axis=None, keepdims=False):
    _, total, m = _exp_sums(a, axis)
    out = np.log(total) + m
    return out if keepdims else out.squeeze(axis)


def _logsumexp_vjp(g, out, a, axis=None, keepdims=False):  # d lse = softmax(a) da
    return (_keepdims(g, a.shape, axis, keepdims)
            * _exp(a - _keepdims(out, a.shape, axis, keepdims)))


def _mean_vjp(g, out, a, axis=None, keepdims=False):  # each element gets g / count
    share = out.size / a.size if a.size else 0.0  # an empty input gets an empty gradient
    return _expand(_keepdims(g * share, a.shape, axis, keepdims), a.shape)


def _mean(a, axis=None, keepdims=False):  # over an empty axis: 0 / 0 = nan, as torch
    total = np.add.reduce(a, axis, keepdims=keepdims)
    if a.size:
        return total / (a.size // total.size)
    with np.errstate(invalid="ignore"):
        return total / 0 if total.size else total


sum_ = defop("sum", lambda a, axis=None, keepdims=False: np.add.reduce(a, axis, keepdims=keepdims),
             _sum_vjp)
max_ = defop("max", lambda a, axis=None, keepdims=False: np.maximum.reduce(
    a, axis, keepdims=keepdims), _extreme_vjp)
min_ = defop("min", lambda a, axis=None, keepdims=False: np.minimum.reduce(
    a, axis, keepdims=keepdims), _extreme_vjp)
mean = defop("mean", _mean, _mean_vjp)
logsumexp = defop("logsumexp", _logsumexp, _logsumexp_vjp)


def _log_softmax(a, axis=-1):
    return a - _logsumexp(a, axis=axis, keepdims=True)


log_softmax = defop("log_softmax", _log_softmax,  # d = g - softmax · Σg
                    lambda g, out, a, axis=-1: g - _exp(out) * g.sum(axis=axis, keepdims=True))



def _cross_entropy(a, target, reduction="none"):  # logsumexp(a) - a[target], per row
    e, total, m = _exp_sums(a, -1)
    losses = (np.log(total) + m)[:, 0] - a[np.arange(len(target)), target]
    saved = {"e": e, "total": total}  # the rule's softmax, e / total
    if reduction == "none":
        return losses, saved
    loss = np.add.reduce(losses)
    if reduction == "mean":  # an empty batch's mean is nan, as torch's
        loss = loss / len(target) if len(target) else loss * np.nan
    return np.asarray(loss), saved


def _cross_entropy_vjp(g, out, a, target, reduction="none", e=None, total=None):
    # d loss / d a = softmax(a) - onehot(target), per row
    rows = np.arange(len(target))
    per_row = (g[:, None] if reduction == "none" else g / max(len(target), 1)
               if reduction == "mean" else g)
    if isinstance(a, _ARRAY):
        if e is None:
            e, total, _ = _exp_sums(a, -1)
        d = e / total
        d[rows, target] -= 1
        d *= per_row
        return d
    onehot = np.zeros(a.shape, dtype=a.dtype)
    onehot[rows, target] = 1
    return per_row * (a.log_softmax(-1).exp() - onehot)


cross_entropy = defop("cross_entropy", _cross_entropy, _cross_entropy_vjp, residuals=True,
                      error="logits {0} with targets of shape {target.shape}")

# ---------------------------------------------------------------------- shape


def _scatter(g, index, shape):
    """Zeros of `shape` with `g` added at `index` (repeated indices add up)."""
    if not isinstance(g, _ARRAY):
        return g._apply(scatter_add, g, index=index, shape=shape)
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g  # a basic index selects each element at most once
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice, np.integer))
               for p in parts)


reshape = defop("reshape", lambda a, shape: np.reshape(a, shape),
                lambda g, out, a, shape: g.reshape(a.shape),
                error="cannot reshape {0} into {shape}")
transpose = defop("transpose", lambda a, axes: np.transpose(a, axes),
                  lambda g, out, a, axes: _permute(g, tuple(np.argsort(axes))))
expand = defop("expand", lambda a, shape: np.broadcast_to(a, shape),
               lambda g, out, a, shape: g,  # the walk sums g back to a's shape
               error="cannot expand {0} to {shape}")
getitem = defop("getitem", lambda a, index: a[index],
                lambda g, out, a, index: _scatter(g, index, a.shape))
scatter_add = defop("scatter_add", lambda a, index, shape: _scatter(a, index, shape),
                    lambda g, out, a, index, shape: g[index])


def _split(g, sizes, axis):
    bounds = np.cumsum(sizes)[:-1]
    starts = [0, *bounds]
    return tuple(g[(slice(None),) * (axis % g.ndim) + (slice(s, s + n),)]
                 for s, n in zip(starts, sizes))


concatenate = defop("concatenate", lambda *arrays, axis=0: np.concatenate(arrays, axis),
                    vjp=lambda g, out, *arrays, axis=0: _split(
                        g, [x.shape[axis] for x in arrays], axis))
stack = defop("stack", lambda *arrays, axis=0: np.stack(arrays, axis),
              vjp=lambda g, out, *arrays, axis=0: tuple(
                  x.reshape(arrays[0].shape) for x in _split(g, [1] * len(arrays), axis)))

from .ops_recurrent import lstm_c, lstm_gates, lstm_h  # noqa: E402,F401  (fused LSTM primitives)
from .windows import fold, max_pool, pad, windows  # noqa: E402,F401  (conv, pooling)
