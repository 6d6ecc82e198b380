"""Convolution, pooling, padding, normalization and embedding on Tensors, with PyTorch's names.

Each is a short composition of the engine's primitives: `pad`, `windows` (a strided view of
every kernel-sized window) and `max_pool` from autograd/windows.py, with reshapes and one
matrix product. A convolution is im2col then one matmul: the windows, laid out as rows of
(channels x kernel) numbers, times the flattened weight.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from autograd import Tensor, one_hot, ops, pad, where  # noqa: F401  (F.pad, F.one_hot)
from autograd.extend import apply

__all__ = ["pad", "conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d",
           "adaptive_avg_pool2d", "batch_norm", "layer_norm", "embedding", "one_hot"]



def _tensor(x: Any, dtype: Any = None) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)


def _tuple(v: Any, n: int, what: str, who: str) -> tuple[int, ...]:
    """An int or a sequence of n ints as a tuple of n ints."""
    t = (v,) * n if isinstance(v, (int, np.integer)) else tuple(v)
    if len(t) != n or not all(isinstance(i, (int, np.integer)) for i in t):
        raise ValueError(f"{who}: {what} must be an int or {n} ints, got {v!r}")
    return tuple(int(i) for i in t)


# ---------------------------------------------------------------------- convolution
def _spatial(x: Tensor, n: int, who: str) -> tuple[Tensor, bool]:
    """x as (N, C, *spatial) and whether a batch axis was added (unbatched input)."""
    if x.ndim not in (n + 1, n + 2):
        raise ValueError(f"{who}: expected a {n + 1}-D (unbatched) or {n + 2}-D (batched) "
                         f"input, got shape {x.shape}")
    return (x.reshape((1,) + x.shape), True) if x.ndim == n + 1 else (x, False)


def _padding(padding: Any, kernel, dilation, stride, n: int, who: str) -> tuple:
    """(lo, hi) per spatial axis; "same" puts the odd extra on the high side, as PyTorch."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding != "same":
            raise ValueError(f"{who}: padding must be 'same', 'valid' or ints, got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{who}: padding='same' needs stride 1, got stride {stride}")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in _tuple(padding, n, "padding", who))


def _check_fits(x: Tensor, widths, kernel, dilation, who: str) -> None:
    n = len(kernel)
    sizes = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[-n:], widths))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(e > s for e, s in zip(extent, sizes)):
        raise ValueError(f"{who}: kernel {tuple(kernel)} (dilation {tuple(dilation)}, extent "
                         f"{extent}) is larger than the padded input {sizes} (input shape "
                         f"{x.shape}, padding {tuple(widths)})")


def _padded(x: Tensor, widths, value: float = 0.0) -> Tensor:
    if not any(map(any, widths)):
        return x
    return apply(ops.pad, x, widths=((0, 0), (0, 0)) + tuple(widths), value=value)


def _conv(input: Any, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
          dilation: Any, groups: int, n: int, who: str) -> Tensor:
    """N-d convolution (cross-correlation, as PyTorch): im2col windows times the weight."""
    x = _tensor(input, weight.dtype)
    given = x.shape
    x, unbatched = _spatial(x, n, who)
    if weight.ndim != n + 2:
        raise ValueError(f"{who}: expected a {n + 2}-D weight, got shape {weight.shape}")
    out_ch, cg, kernel = weight.shape[0], weight.shape[1], weight.shape[2:]
    if groups < 1 or out_ch % groups:
        raise ValueError(f"{who}: groups={groups} must divide the {out_ch} output channels")
    if x.shape[1] != cg * groups:
        raise ValueError(f"{who}: expected input with {cg * groups} channels (weight "
                         f"{weight.shape}, groups {groups}), got input of shape {given}")
    stride = _tuple(stride, n, "stride", who)
    dilation = _tuple(dilation, n, "dilation", who)
    widths = _padding(padding, kernel, dilation, stride, n, who)
    _check_fits(x, widths, kernel, dilation, who)
    w = apply(ops.windows, _padded(x, widths), kernel=tuple(kernel), stride=stride,
              dilation=dilation)  # (N, C, *out, *kernel)
    batch, out = x.shape[0], w.shape[2:2 + n]
    rows = batch * math.prod(out)
    spatial, kernel_axes = tuple(range(2, 2 + n)), tuple(range(2 + n, 2 + 2 * n))
    if groups == 1:
        # kernel-major columns: the copy reads whole input rows (2-3x faster than window rows)
        cols = w.permute(1, *kernel_axes, 0, *spatial).reshape(-1, rows).T
        flat = weight.reshape(out_ch, -1)
        y = apply(ops.linear, cols, flat, bias) if bias is not None else cols @ flat.T
        y = y.reshape(batch, *out, out_ch).permute(0, n + 1, *range(1, n + 1))
    else:  # one matmul per group, batched: (G, rows, Cg * K) @ (G, Cg * K, O / G)
        w = w.reshape(batch, groups, cg, *w.shape[2:])
        cols = w.permute(1, 0, *(a + 1 for a in spatial), 2, *(a + 1 for a in kernel_axes))
        cols = cols.reshape(groups, rows, -1)
        y = cols @ weight.reshape(groups, out_ch // groups, -1).transpose(-1, -2)
        y = y.reshape(groups, batch, *out, out_ch // groups)
        y = y.permute(1, 0, n + 2, *range(2, n + 2)).reshape(batch, out_ch, *out)
        if bias is not None:
            y = y + bias.reshape((out_ch,) + (1,) * n)
    return y.reshape(y.shape[1:]) if unbatched else y


def conv1d(input: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of (N, C, L) with weight (O, C / groups, K)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) with weight (O, C / groups, KH, KW)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _conv_transpose(input: Any, weight: Tensor, bias: Tensor | None, stride: Any,
                    padding: Any, output_padding: Any, groups: int, dilation: Any, n: int,
                    who: str) -> Tensor:
    """The adjoint of a strided convolution: zeros between the inputs, then a convolution
    with the kernel flipped and its in/out channels swapped."""
    x = _tensor(input, weight.dtype)
    given = x.shape
    x, unbatched = _spatial(x, n, who)
    if weight.ndim != n + 2:
        raise ValueError(f"{who}: expected a {n + 2}-D weight, got shape {weight.shape}")
    in_ch, og, kernel = weight.shape[0], weight.shape[1], weight.shape[2:]
    if groups < 1 or in_ch % groups:
        raise ValueError(f"{who}: groups={groups} must divide the {in_ch} input channels")
    if x.shape[1] != in_ch:
        raise ValueError(f"{who}: expected input with {in_ch} channels (weight "
                         f"{weight.shape}), got input of shape {given}")
    stride, padding, extra, dilation = (_tuple(v, n, what, who) for v, what in [
        (stride, "stride"), (padding, "padding"), (output_padding, "output_padding"),
        (dilation, "dilation")])
    if any(e >= max(s, d) for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{who}: output_padding {extra} must be smaller than stride {stride} "
                         f"or dilation {dilation}")
    if any(s > 1 for s in stride):  # scatter the inputs onto a grid `stride` apart
        shape = x.shape[:2] + tuple((m - 1) * s + 1 for m, s in zip(x.shape[2:], stride))
        index = (slice(None),) * 2 + tuple(slice(None, None, s) for s in stride)
        x = apply(ops.scatter_add, x, index=index, shape=shape)
    edges = [(d * (k - 1) - p, d * (k - 1) - p + e)
             for k, d, p, e in zip(kernel, dilation, padding, extra)]
    if any(lo < 0 or hi < 0 for lo, hi in edges):  # padding beyond the kernel crops
        x = x[(slice(None),) * 2 + tuple(slice(max(-lo, 0), x.shape[2 + i] - max(-hi, 0))
                                         for i, (lo, hi) in enumerate(edges))]
    x = _padded(x, tuple((max(lo, 0), max(hi, 0)) for lo, hi in edges))
    flipped = weight[(slice(None),) * 2 + (slice(None, None, -1),) * n]
    flipped = flipped.reshape(groups, in_ch // groups, og, *kernel).permute(
        0, 2, 1, *range(3, 3 + n)).reshape(groups * og, in_ch // groups, *kernel)
    y = _conv(x, flipped, bias, 1, 0, dilation, groups, n, who)
    return y.reshape(y.shape[1:]) if unbatched else y


def conv_transpose2d(input: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution with weight (C_in, C_out / groups, KH, KW)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2, "conv_transpose2d")


# ---------------------------------------------------------------------- pooling
def _pool_args(x, kernel_size, stride, padding, dilation, who):
    kernel = _tuple(kernel_size, 2, "kernel_size", who)
    stride = kernel if stride is None or stride == () else _tuple(stride, 2, "stride", who)
    padding = _tuple(padding, 2, "padding", who)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{who}: padding {padding} must be at most half the kernel {kernel}")
    widths = tuple((p, p) for p in padding)
    _check_fits(x, widths, kernel, dilation, who)
    return kernel, stride, widths


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, who: str = "max_pool2d") -> Tensor:
    """Maximum over each window (padding counts as -inf); a window's gradient goes to its
    first maximum, as in PyTorch."""
    x, unbatched = _spatial(_tensor(input), 2, who)
    dilation = _tuple(dilation, 2, "dilation", who)
    kernel, stride, widths = _pool_args(x, kernel_size, stride, padding, dilation, who)
    y = apply(ops.max_pool, _padded(x, widths, -np.inf), kernel=kernel, stride=stride,
              dilation=dilation)
    return y.reshape(y.shape[1:]) if unbatched else y


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               count_include_pad: bool = True, divisor_override: int | None = None,
               who: str = "avg_pool2d") -> Tensor:
    """Mean over each window (zero padding counted unless count_include_pad=False)."""
    x, unbatched = _spatial(_tensor(input), 2, who)
    kernel, stride, widths = _pool_args(x, kernel_size, stride, padding, (1, 1), who)
    consts = dict(kernel=kernel, stride=stride, dilation=(1, 1))
    total = apply(ops.windows, _padded(x, widths), **consts).sum(axis=(-2, -1))
    if divisor_override:
        count: Any = divisor_override
    elif count_include_pad:
        count = kernel[0] * kernel[1]
    else:  # how many real (unpadded) inputs each window covers
        ones = np.pad(np.ones(x.shape[2:], x.dtype), widths)
        count = ops.windows.forward(ones, **consts).sum(axis=(-2, -1))
    y = total * (1.0 / np.asarray(count, x.dtype))
    return y.reshape(y.shape[1:]) if unbatched else y


def _bins(n: int, out: int, dtype: Any) -> np.ndarray:
    """(out, n) averaging matrix of PyTorch's adaptive bins [floor(i n/out), ceil((i+1) n/out))."""
    a = np.zeros((out, n), dtype)
    for i in range(out):
        lo, hi = (i * n) // out, -((-(i + 1) * n) // out)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def adaptive_avg_pool2d(input: Any, output_size: Any, who: str = "adaptive_avg_pool2d"):
    """Mean over PyTorch's adaptive bins: A_h @ x @ A_wᵀ with averaging matrices."""
    x = _tensor(input)
    _spatial(x, 2, who)
    size = (output_size,) * 2 if isinstance(output_size, (int, np.integer)) else output_size
    size = tuple(x.shape[-2 + i] if s is None else int(s) for i, s in enumerate(size))
    return (_bins(x.shape[-2], size[0], x.dtype) @ x) @ _bins(x.shape[-1], size[1], x.dtype).T


# ---------------------------------------------------------------------- normalization
def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple) -> Tensor:
    y = y if weight is None else y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


def batch_norm(input: Any, running_mean: np.ndarray | None, running_var: np.ndarray | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5, who: str = "batch_norm") -> Tensor:
    """Normalise each channel (axis 1) by the batch's statistics (training) or the running
    ones; training updates the running mean and unbiased variance in place by `momentum`."""
    x = _tensor(input)
    axes = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        count = x.size // x.shape[1]
        if count < 2:
            raise ValueError(f"{who}: expected more than 1 value per channel when training, "
                             f"got input of shape {x.shape}")
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True, correction=0)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean.data.reshape(-1)
            running_var *= 1 - momentum
            running_var += momentum * count / (count - 1) * var.data.reshape(-1)
    else:
        mean = running_mean.reshape(shape).astype(x.dtype, copy=False)
        var = running_var.reshape(shape).astype(x.dtype, copy=False)
    y = (x - mean) / ((var + eps).sqrt() if isinstance(var, Tensor) else np.sqrt(var + eps))
    return _affine(y, weight, bias, shape)


def layer_norm(input: Any, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5, who: str = "layer_norm"):
    """Normalise over the last len(normalized_shape) axes, then scale and shift."""
    x = _tensor(input)
    shape = _tuple(normalized_shape, len(np.atleast_1d(normalized_shape)), "shape", who)
    if x.shape[x.ndim - len(shape):] != shape or x.ndim < len(shape):
        raise ValueError(f"{who}: expected input whose last axes are {shape}, got shape "
                         f"{x.shape}")
    axes = tuple(range(-len(shape), 0))
    mean = x.mean(axis=axes, keepdims=True)
    y = (x - mean) / (x.var(axis=axes, keepdims=True, correction=0) + eps).sqrt()
    return _affine(y, weight, bias, shape)


# ---------------------------------------------------------------------- embedding, one-hot
def _indices(input: Any, who: str) -> np.ndarray:
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"{who}: expected integer indices, got dtype {idx.dtype}")
    return idx


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,
              who: str = "embedding") -> Tensor:
    """Rows of `weight` picked by integer indices; the padding_idx row gets no gradient."""
    idx, num = _indices(input, who), weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = idx[(idx < 0) | (idx >= num)].reshape(-1)[0]
        raise IndexError(f"{who}: index {bad} out of range for {num} embeddings (expected "
                         f"0..{num - 1}), in input of shape {idx.shape}")
    out = weight[idx]
    if padding_idx is not None:
        mask = idx == (padding_idx % num)
        if mask.any():  # the padding rows' output is a constant: no gradient reaches them
            out = where(mask[..., None], weight.detach()[idx], out)
    return out


