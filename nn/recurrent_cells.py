"""Recurrent cells shaped like `torch.nn`: `RNNCell`, `LSTMCell`, `GRUCell`.

A step takes the input projection `gi = x W_ihᵀ + b_ih` (computed for all time steps at
once by the layers in recurrent.py) and the state, and returns the new state; the same
steps serve the cells here and the unrolled layers.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from autograd import Tensor, ops
from autograd.extend import apply

from . import functional as F
from . import init
from .module import Module, Parameter

State = tuple  # (h,) or, for an LSTM, (h, c)


def _rnn_tanh_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """h' = tanh(gi + h W_hhᵀ + b_hh)."""
    return (F.tanh(gi + F.linear(state[0], w_hh, b_hh)),)


def _rnn_relu_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """h' = relu(gi + h W_hhᵀ + b_hh)."""
    return (F.relu(gi + F.linear(state[0], w_hh, b_hh)),)


def _lstm_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """Gates i, f, g, o stacked in one matmul; c' = σ(f) c + σ(i) tanh(g), h' = σ(o) tanh(c')."""
    h, c = state
    acts = apply(ops.lstm_gates, gi + F.linear(h, w_hh, b_hh))  # fused: as a composition
    c = apply(ops.lstm_c, acts, c)  # the step is 14 nodes
    return apply(ops.lstm_h, acts, c), c


def _gru_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None) -> State:
    """Gates r, z, n: n = tanh(gi_n + r (h W_hnᵀ + b_hn)), h' = (1 - z) n + z h."""
    (h,) = state
    gh = F.linear(h, w_hh, b_hh)
    n = h.shape[-1]
    r = (gi[:, :n] + gh[:, :n]).sigmoid()
    z = (gi[:, n:2 * n] + gh[:, n:2 * n]).sigmoid()
    new = (gi[:, 2 * n:] + r * gh[:, 2 * n:]).tanh()
    return (new + z * (h - new),)


# mode -> (stacked gates, step, names of the state tensors)
MODES: dict[str, tuple[int, Callable, tuple[str, ...]]] = {
    "RNN_TANH": (1, _rnn_tanh_step, ("h",)),
    "RNN_RELU": (1, _rnn_relu_step, ("h",)),
    "LSTM": (4, _lstm_step, ("h", "c")),
    "GRU": (3, _gru_step, ("h",)),
}


def rnn_mode(name: str, nonlinearity: str) -> str:
    """The mode of an RNN with `nonlinearity` ("tanh" or "relu")."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{name}: unknown nonlinearity {nonlinearity!r}, expected 'tanh' or "
                         f"'relu'")
    return f"RNN_{nonlinearity.upper()}"


def check_sizes(name: str, input_size: Any, hidden_size: Any) -> None:
    """input_size >= 0 and hidden_size > 0, as integers."""
    for what, size, low in (("input_size", input_size, 0), ("hidden_size", hidden_size, 1)):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < low:
            raise ValueError(f"{name}: {what} must be an integer >= {low}, got {size!r}")


def add_weights(module: Module, suffix: str, input_size: int, hidden_size: int, gates: int,
                bias: bool, gen: np.random.Generator, dtype: Any) -> None:
    """weight_ih, weight_hh (and bias_ih, bias_hh) + suffix, each drawn from U(±1/√hidden)."""
    bound = 1.0 / math.sqrt(hidden_size)
    shapes = [("weight_ih", (gates * hidden_size, input_size)),
              ("weight_hh", (gates * hidden_size, hidden_size))]
    if bias:
        shapes += [("bias_ih", (gates * hidden_size,)), ("bias_hh", (gates * hidden_size,))]
    for key, shape in shapes:
        # (out, in) as in PyTorch, stored column-major: x Wᵀ is then a plain, fast matmul
        param = Parameter(np.zeros(shape[::-1]).T, dtype=dtype)
        setattr(module, key + suffix, init.uniform_(param, -bound, bound, rng=gen))


def as_input(x: Any, dtype: Any) -> Tensor:
    """x as a Tensor (arrays and lists take the weights' dtype)."""
    return x if isinstance(x, Tensor) else Tensor(x, dtype=dtype)


def check_state(name: str, what: str, given: Any, expected: tuple, dtype: Any) -> Tensor:
    """The state tensor `given`, which must have the shape `expected`."""
    given = as_input(given, dtype)
    if given.shape != expected:
        raise ValueError(f"{name}: expected {what} of shape {expected}, got {given.shape}")
    return given


class _CellBase(Module):
    """One step of a recurrent layer on a batch (B, input_size) or one sample (input_size,)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool,
                 rng: np.random.Generator | int | None, dtype: Any) -> None:
        name = type(self).__name__
        check_sizes(name, input_size, hidden_size)
        self.input_size, self.hidden_size, self.bias, self.mode = (input_size, hidden_size,
                                                                   bias, mode)
        gates, self._step, self._kinds = MODES[mode]
        add_weights(self, "", input_size, hidden_size, gates, bias, np.random.default_rng(rng),
                    dtype)

    def _run(self, x: Any, state: tuple | None) -> State:
        name = type(self).__name__
        x = as_input(x, self.weight_ih.dtype)
        if x.ndim not in (1, 2):
            raise ValueError(f"{name}: expected input of 1 (unbatched) or 2 (batch, feature) "
                             f"dimensions, got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input with {self.input_size} features "
                             f"(input_size), got shape {x.shape}")
        batched = x.ndim == 2
        x = x if batched else x.reshape(1, -1)
        expected = (x.shape[0], self.hidden_size)
        if state is None:
            state = tuple(Tensor(np.zeros(expected, dtype=x.dtype)) for _ in self._kinds)
        else:
            given = expected if batched else expected[1:]
            state = tuple(check_state(name, what, s, given, x.dtype).reshape(expected)
                          for what, s in zip(self._kinds, state))
        gi = F.linear(x, self.weight_ih, self.bias_ih if self.bias else None)
        out = self._step(gi, state, self.weight_hh, self.bias_hh if self.bias else None)
        return out if batched else tuple(s.reshape(-1) for s in out)

    def extra_repr(self) -> str:
        """Sizes shown in the repr, as in PyTorch."""
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu), torch's parameters and init."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", rng: np.random.Generator | int | None = None,
                 dtype: Any = np.float64) -> None:
        self.nonlinearity = nonlinearity
        super().__init__(rnn_mode("RNNCell", nonlinearity), input_size, hidden_size, bias, rng,
                         dtype)

    def forward(self, x: Any, h: Any = None) -> Tensor:
        """The next hidden state (zeros when h is None)."""
        return self._run(x, None if h is None else (h,))[0]


class LSTMCell(_CellBase):
    """One LSTM step: gates i, f, g, o; returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 rng: np.random.Generator | int | None = None, dtype: Any = np.float64) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, rng, dtype)

    def forward(self, x: Any, hx: tuple | None = None) -> tuple[Tensor, Tensor]:
        """(h', c') from (h, c) (zeros when hx is None)."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: expected hx = (h, c), got {type(hx).__name__}")
        return self._run(x, hx)


class GRUCell(_CellBase):
    """One GRU step: gates r, z, n with n = tanh(W_in x + b_in + r (W_hn h + b_hn))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 rng: np.random.Generator | int | None = None, dtype: Any = np.float64) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, rng, dtype)

    def forward(self, x: Any, h: Any = None) -> Tensor:
        """The next hidden state (zeros when h is None)."""
        return self._run(x, None if h is None else (h,))[0]


__all__ = ["RNNCell", "LSTMCell", "GRUCell"]
