"""Normalization layers shaped like `torch.nn`: BatchNorm1d, BatchNorm2d, LayerNorm."""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor

from .functional_conv import _tuple, batch_norm, layer_norm
from .module import Module, Parameter


class _BatchNorm(Module):
    """Per-channel normalization with running statistics kept as buffers, as PyTorch does."""

    ranks: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float64) -> None:
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(np.ones(num_features), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_features), dtype=dtype) if affine else None
        tracked = track_running_stats
        self.register_buffer("running_mean", np.zeros(num_features, dtype) if tracked else None)
        self.register_buffer("running_var", np.ones(num_features, dtype) if tracked else None)
        self.register_buffer("num_batches_tracked", np.array(0, np.int64) if tracked else None)

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean[...], self.running_var[...] = 0.0, 1.0
            self.num_batches_tracked[...] = 0

    def forward(self, x: Any) -> Tensor:
        """Normalise by the batch (training) or by the running statistics (eval)."""
        who = type(self).__name__
        shape = np.shape(getattr(x, "data", x))
        if len(shape) not in self.ranks:
            raise ValueError(f"{who}: expected a {' or '.join(map(str, self.ranks))}-D input, "
                             f"got shape {shape}")
        if shape[1] != self.num_features:
            raise ValueError(f"{who}: expected {self.num_features} channels (axis 1), got "
                             f"input of shape {shape}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked[...] += 1
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        return batch_norm(x, self.running_mean if keep else None,
                          self.running_var if keep else None, self.weight, self.bias,
                          use_batch, factor, self.eps, who=who)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs over all axes but the channels."""

    ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) inputs over all axes but the channels."""

    ranks = (4,)


class LayerNorm(Module):
    """Normalization over the last axes (normalized_shape), then an elementwise affine map."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 dtype: Any = np.float64) -> None:
        n = len(np.atleast_1d(normalized_shape))
        self.normalized_shape = _tuple(normalized_shape, n, "normalized_shape", "LayerNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        ones, zeros = np.ones(self.normalized_shape), np.zeros(self.normalized_shape)
        self.weight = Parameter(ones, dtype=dtype) if elementwise_affine else None
        self.bias = Parameter(zeros, dtype=dtype) if elementwise_affine and bias else None

    def forward(self, x: Any) -> Tensor:
        """x normalised over its last axes."""
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps,
                          who="LayerNorm")

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]
