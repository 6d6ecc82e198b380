"""Fused LSTM elementwise primitives: the gates' activations and the state updates.

`gates` is the pre-activation (..., 4H) with i, f, g, o stacked as in torch. Written as a
composition, a step is four slices, four activations and five arithmetic nodes, each with
its own backward; these two primitives are the same step in two nodes:

    lstm_c(gates, c)  = σ(f) c + σ(i) tanh(g)      (the new cell state c')
    lstm_h(gates, c') = σ(o) tanh(c')              (the new hidden state)
"""
from __future__ import annotations

import numpy as np

from .primitive import OPS, defop

# ops.py imports this module (its last line), so what it shares comes by the registry
_ARRAY = (np.ndarray, np.generic, float, int)  # what a plain backward pass hands a rule


def _data(x):
    return x if isinstance(x, _ARRAY) else x.data


def _sigmoid(x):
    return OPS["sigmoid"].forward(x) if isinstance(x, _ARRAY) else x.sigmoid()


def _tanh(x):
    return np.tanh(x) if isinstance(x, _ARRAY) else x.tanh()


def _gate(gates, k: int):
    """The k-th of the four stacked gates (i, f, g, o) along the last axis."""
    n, rest = divmod(gates.shape[-1], 4)
    if rest:
        raise ValueError("the last axis of gates must stack 4 gates")
    return gates[..., k * n:(k + 1) * n]


def _stacked(g, parts: dict):
    """A gradient for `gates` (g's batch shape, 4 n wide): parts[k] for gate k, else zeros."""
    n = g.shape[-1]
    if all(isinstance(p, _ARRAY) for p in parts.values()):
        out = np.zeros(g.shape[:-1] + (4 * n,), dtype=_data(g).dtype)
        for k, p in parts.items():
            out[..., k * n:(k + 1) * n] = p
        return out
    zeros = np.zeros(g.shape, dtype=_data(g).dtype)
    tensor = next(p for p in parts.values() if not isinstance(p, _ARRAY))
    return tensor._apply(OPS["concatenate"], *(parts.get(k, zeros) for k in range(4)), axis=-1)


def _input_forget(gates):
    """σ(i), σ(f): one sigmoid over the two adjacent gates."""
    n = gates.shape[-1] // 4
    both = _sigmoid(gates[..., :2 * n])
    return both[..., :n], both[..., n:]


def _lstm_c(gates: np.ndarray, c: np.ndarray) -> np.ndarray:
    i, f = _input_forget(gates)
    out = f * c
    out += i * np.tanh(_gate(gates, 2))
    return out


def _lstm_c_vjp(g, out, gates, c):  # dσ = σ(1 - σ), dtanh = 1 - tanh²; dc = σ(f) dc'
    (i, f), t = _input_forget(gates), _tanh(_gate(gates, 2))
    dgates = _stacked(g, {0: g * t * i * (1 - i), 1: g * c * f * (1 - f), 2: g * i * (1 - t * t)})
    return dgates, g * f


lstm_c = defop("lstm_c", _lstm_c, vjp=_lstm_c_vjp,
               error="gates {0} (4 stacked) with cell state {1}")


def _lstm_h(gates: np.ndarray, c: np.ndarray) -> np.ndarray:
    out = np.tanh(c)
    out *= _sigmoid(_gate(gates, 3))
    return out


def _lstm_h_vjp(g, out, gates, c):  # only the output gate o; dh/dc' = σ(o) (1 - tanh² c')
    o, t = _sigmoid(_gate(gates, 3)), _tanh(c)
    return _stacked(g, {3: g * t * o * (1 - o)}), g * o * (1 - t * t)


lstm_h = defop("lstm_h", _lstm_h, vjp=_lstm_h_vjp,
               error="gates {0} (4 stacked) with cell state {1}")
