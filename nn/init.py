"""Weight initialisation in place, as `torch.nn.init` does it, from a numpy Generator."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

_GAINS = {"linear": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0, "conv_transpose1d": 1.0,
          "conv_transpose2d": 1.0, "conv_transpose3d": 1.0, "sigmoid": 1.0,
          "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0), "selu": 3.0 / 4.0}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for `nonlinearity` (leaky_relu's slope `param`, default 0.01)."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity not in _GAINS:
        raise ValueError(f"unsupported nonlinearity {nonlinearity!r}; choose one of "
                         f"{', '.join(sorted([*_GAINS, 'leaky_relu']))}")
    return _GAINS[nonlinearity]


def _array(tensor: Any) -> np.ndarray:
    data = tensor if isinstance(tensor, np.ndarray) else getattr(tensor, "data", None)
    if not isinstance(data, np.ndarray):
        raise TypeError(f"init needs a Tensor, Parameter or ndarray, got {type(tensor).__name__}")
    return data


def _fill(tensor: Any, values: Any) -> Any:
    _array(tensor)[...] = values
    return tensor


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return np.random.default_rng(rng)


def calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel), as torch computes them."""
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError("fan in and fan out can not be computed for a tensor with fewer "
                         f"than 2 dimensions (shape {shape})")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Any, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0,
             rng: np.random.Generator | None = None) -> Any:
    """Fill with draws from U(a, b)."""
    return _fill(tensor, _rng(rng).uniform(a, b, _array(tensor).shape))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0,
            rng: np.random.Generator | None = None) -> Any:
    """Fill with draws from N(mean, std²)."""
    return _fill(tensor, _rng(rng).normal(mean, std, _array(tensor).shape))


def constant_(tensor: Any, val: float) -> Any:
    """Fill with `val`."""
    return _fill(tensor, val)


def zeros_(tensor: Any) -> Any:
    """Fill with 0."""
    return _fill(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    """Fill with 1."""
    return _fill(tensor, 1.0)


def xavier_uniform_(tensor: Any, gain: float = 1.0,
                    rng: np.random.Generator | None = None) -> Any:
    """Glorot uniform: U(-a, a) with a = gain · √(6 / (fan_in + fan_out))."""
    if _array(tensor).size == 0:
        return tensor  # nothing to fill, as in torch
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(tensor: Any, gain: float = 1.0,
                   rng: np.random.Generator | None = None) -> Any:
    """Glorot normal: N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    if _array(tensor).size == 0:
        return tensor  # nothing to fill, as in torch
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def kaiming_uniform_(tensor: Any, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     rng: np.random.Generator | None = None) -> Any:
    """He uniform: U(-b, b) with b = gain · √(3 / fan), gain from `nonlinearity` and `a`."""
    if _array(tensor).size == 0:
        return tensor  # nothing to fill, as in torch
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(tensor: Any, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    rng: np.random.Generator | None = None) -> Any:
    """He normal: N(0, std²) with std = gain / √fan, gain from `nonlinearity` and `a`."""
    if _array(tensor).size == 0:
        return tensor  # nothing to fill, as in torch
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode)),
                   rng)


__all__ = ["calculate_gain", "calculate_fan_in_and_fan_out", "uniform_", "normal_",
           "constant_", "zeros_", "ones_", "xavier_uniform_", "xavier_normal_",
           "kaiming_uniform_", "kaiming_normal_"]
