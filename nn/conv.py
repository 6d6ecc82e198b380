"""Convolution and pooling layers shaped like `torch.nn`: Conv1d, Conv2d, ConvTranspose2d,
MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (PyTorch's arguments, parameter names and init)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor

from . import init
from .functional_conv import (_conv, _conv_transpose, _tuple, adaptive_avg_pool2d, avg_pool2d,
                              max_pool2d, pad)
from .module import Module, Parameter

_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Weight and bias of an n-d convolution, drawn as PyTorch draws them."""

    n = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", rng: np.random.Generator | int | None = None,
                 dtype: Any = np.float64, output_padding: Any = 0) -> None:
        who = type(self).__name__
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{who}: groups={groups} must divide in_channels={in_channels} "
                             f"and out_channels={out_channels}")
        if padding_mode not in _MODES:
            raise ValueError(f"{who}: padding_mode must be one of {_MODES}, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, self.n, "kernel_size", who)
        self.stride = _tuple(stride, self.n, "stride", who)
        self.dilation = _tuple(dilation, self.n, "dilation", who)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, self.n,
                                                                        "padding", who)
        self.output_padding = _tuple(output_padding, self.n, "output_padding", who)
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        # kaiming_uniform(a=√5) and PyTorch's bias rule both come to U(±1/√fan_in)
        fan_in = shape[1] * math.prod(self.kernel_size)
        bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
        gen = np.random.default_rng(rng)
        self.weight = Parameter(np.zeros(shape), dtype=dtype)
        init.uniform_(self.weight, -bound, bound, rng=gen)
        self.bias = None
        if bias:
            self.bias = Parameter(np.zeros(out_channels), dtype=dtype)
            init.uniform_(self.bias, -bound, bound, rng=gen)

    def forward(self, x: Any) -> Tensor:
        """The convolution of x (N, C, *spatial) or (C, *spatial) with the weight."""
        padding = self.padding
        if self.padding_mode != "zeros" and padding != "valid":
            widths = padding if not isinstance(padding, str) else tuple(
                d * (k - 1) // 2 for k, d in zip(self.kernel_size, self.dilation))
            if isinstance(padding, str):  # "same": PyTorch puts the odd extra last
                extra = [d * (k - 1) % 2 for k, d in zip(self.kernel_size, self.dilation)]
            else:
                extra = [0] * self.n
            pairs = [w for p, e in zip(widths[::-1], extra[::-1]) for w in (p, p + e)]
            x, padding = pad(x, pairs, mode=self.padding_mode), 0
        return _conv(x, self.weight, self.bias, self.stride, padding, self.dilation,
                     self.groups, self.n, type(self).__name__)

    def extra_repr(self) -> str:
        """Sizes shown in the repr, as in PyTorch."""
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self.n:
            text += f", padding={self.padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L): weight (C_out, C_in / groups, K)."""

    n = 1


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W): weight (C_out, C_in / groups, KH, KW)."""


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (the adjoint of Conv2d): weight (C_in, C_out / groups, KH, KW)."""

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros",
                 rng: np.random.Generator | int | None = None, dtype: Any = np.float64) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' is supported, got "
                             f"{padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, rng, dtype, output_padding)

    def forward(self, x: Any) -> Tensor:
        """The transposed convolution of x (N, C_in, H, W)."""
        return _conv_transpose(x, self.weight, self.bias, self.stride, self.padding,
                               self.output_padding, self.groups, self.dilation, 2,
                               "ConvTranspose2d")


class MaxPool2d(Module):
    """Maximum over each kernel window; the gradient goes to the window's first maximum."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1) -> None:
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation

    def forward(self, x: Any) -> Tensor:
        """The window maxima of x (N, C, H, W) or (C, H, W)."""
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          who="MaxPool2d")

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}")


class AvgPool2d(Module):
    """Mean over each kernel window."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.count_include_pad = padding, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Any) -> Tensor:
        """The window means of x (N, C, H, W) or (C, H, W)."""
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding,
                          self.count_include_pad, self.divisor_override, who="AvgPool2d")

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Mean over PyTorch's adaptive bins, giving a fixed (H_out, W_out) whatever the input."""

    def __init__(self, output_size: Any) -> None:
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        """x pooled to output_size."""
        return adaptive_avg_pool2d(x, self.output_size, who="AdaptiveAvgPool2d")

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d",
           "AdaptiveAvgPool2d"]
