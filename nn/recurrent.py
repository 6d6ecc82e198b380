"""Recurrent layers shaped like `torch.nn`: `RNN`, `LSTM`, `GRU` (cells in recurrent_cells.py).

A layer is unrolled in time on the graph: each step projects its input (x W_ihᵀ + b_ih) and
its state (h W_hhᵀ + b_hh) with all gates stacked, then does a few elementwise ops;
backpropagation through time is the ordinary backward pass through that graph.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, concatenate, stack

from . import functional as F
from .layers import Dropout
from .module import Module
from .recurrent_cells import (MODES, GRUCell, LSTMCell, RNNCell, add_weights, as_input,
                              check_sizes, check_state, rnn_mode)


class _RNNBase(Module):
    """A stack of `num_layers` recurrent layers, each one or two directions."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int,
                 bias: bool, batch_first: bool, dropout: float, bidirectional: bool,
                 rng: np.random.Generator | int | None, dtype: Any) -> None:
        name = type(self).__name__
        check_sizes(name, input_size, hidden_size)
        if isinstance(num_layers, bool) or not isinstance(num_layers, (int, np.integer)) \
                or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be an integer >= 1, got {num_layers!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0.0 <= dropout < 1.0:
            raise ValueError(f"{name}: dropout must be a number in [0, 1), got {dropout!r}")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        gates, self._step, self._kinds = MODES[mode]
        gen = np.random.default_rng(rng)
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            size = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                add_weights(self, f"_l{layer}{suffix}", size, hidden_size, gates, bias, gen,
                            dtype)
        # on the outputs of every layer but the last, in training mode only (checked in
        # _run); kept unregistered so the layer's repr and modules are torch's
        object.__setattr__(self, "_drop", Dropout(self.dropout, rng=gen))

    def _weights(self, layer: int, reverse: bool) -> tuple:
        suffix = f"_l{layer}" + ("_reverse" if reverse else "")
        get = lambda key: getattr(self, key + suffix) if self.bias or "w" in key else None
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _check_input(self, x: Any) -> Tensor:
        name = type(self).__name__
        x = as_input(x, self.weight_ih_l0.dtype)
        if x.ndim not in (2, 3):
            layout = "(batch, seq, feature)" if self.batch_first else "(seq, batch, feature)"
            raise ValueError(f"{name}: expected input of 3 dimensions {layout} or 2 (seq, "
                             f"feature) unbatched, got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input with {self.input_size} features "
                             f"(input_size), got shape {x.shape}")
        return x

    def _run(self, x: Any, hx: tuple | None) -> tuple[Tensor, tuple]:
        """(output, final states) for input x and initial states hx (zeros when None)."""
        name = type(self).__name__
        x = self._check_input(x)
        batched = x.ndim == 3
        if not batched:
            x = x.reshape(x.shape[0], 1, x.shape[1])
        elif self.batch_first:
            x = x.transpose(0, 1)
        directions = 2 if self.bidirectional else 1
        full = (self.num_layers * directions, x.shape[1], self.hidden_size)
        if hx is None:
            zeros = Tensor(np.zeros(full[1:], dtype=x.dtype))
            starts = [[zeros] * full[0] for _ in self._kinds]
        else:
            given = full if batched else (full[0], full[2])
            starts = [check_state(name, what + "0", s, given, x.dtype).reshape(full)
                      for what, s in zip(self._kinds, hx)]
            starts = [[s[k] for k in range(full[0])] for s in starts]
        finals: list[list[Tensor]] = [[] for _ in self._kinds]
        steps = [x[t] for t in range(x.shape[0])]  # each layer's inputs, one per time step
        for layer in range(self.num_layers):
            if layer > 0 and self.training and self.dropout > 0:
                steps = [self._drop(s) for s in steps]
            outputs = []
            for d in range(directions):
                k = layer * directions + d
                hs, state = self._direction(steps, tuple(s[k] for s in starts),
                                            *self._weights(layer, d == 1), reverse=d == 1)
                outputs.append(hs)
                for kept, s in zip(finals, state):
                    kept.append(s)
            steps = outputs[0] if directions == 1 else [
                concatenate(pair, axis=-1) for pair in zip(*outputs)]
        x = stack(steps)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        states = tuple(stack(s) for s in finals)
        if not batched:
            x = x.reshape(x.shape[0], x.shape[2])
            states = tuple(s.reshape(s.shape[0], s.shape[2]) for s in states)
        return x, states

    def _direction(self, steps: list[Tensor], state: tuple, w_ih: Tensor, w_hh: Tensor,
                   b_ih: Tensor | None, b_hh: Tensor | None, reverse: bool) -> tuple:
        """One direction of one layer over the per-step inputs: (per-step h, final state)."""
        # the input projection per step, not one matmul for all steps sliced afterwards:
        # each slice's gradient would be a whole-sequence array, quadratic in the length
        hs = []
        for x in (reversed(steps) if reverse else steps):
            state = self._step(F.linear(x, w_ih, b_ih), state, w_hh, b_hh)
            hs.append(state[0])
        if reverse:
            hs.reverse()
        return hs, state

    def extra_repr(self) -> str:
        """Sizes and the options that differ from their defaults, as in PyTorch."""
        text = f"{self.input_size}, {self.hidden_size}"
        for key, default in (("num_layers", 1), ("bias", True), ("batch_first", False),
                             ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, key) != default:
                text += f", {key}={getattr(self, key)}"
        return text



class RNN(_RNNBase):
    """Elman RNN, h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) (or relu), per layer."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False,
                 rng: np.random.Generator | int | None = None, dtype: Any = np.float64) -> None:
        self.nonlinearity = nonlinearity
        super().__init__(rnn_mode("RNN", nonlinearity), input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, rng, dtype)

    def forward(self, x: Any, h0: Any = None) -> tuple[Tensor, Tensor]:
        """(output, h_n): every step's last-layer state and every layer's final state."""
        out, (h_n,) = self._run(x, None if h0 is None else (h0,))
        return out, h_n


class LSTM(_RNNBase):
    """Long short-term memory, gates i, f, g, o stacked in torch's order."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, rng: np.random.Generator | int | None = None,
                 dtype: Any = np.float64) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, rng, dtype)

    def forward(self, x: Any, hx: tuple | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """(output, (h_n, c_n)) from the initial states hx = (h0, c0) (zeros when None)."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTM: expected hx = (h0, c0), got {type(hx).__name__}")
        return self._run(x, hx)


class GRU(_RNNBase):
    """Gated recurrent unit, gates r, z, n with n = tanh(W_in x + b_in + r (W_hn h + b_hn))."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, rng: np.random.Generator | int | None = None,
                 dtype: Any = np.float64) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, rng, dtype)

    def forward(self, x: Any, h0: Any = None) -> tuple[Tensor, Tensor]:
        """(output, h_n): every step's last-layer state and every layer's final state."""
        out, (h_n,) = self._run(x, None if h0 is None else (h0,))
        return out, h_n


__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]
