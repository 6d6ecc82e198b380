"""Fused LSTM elementwise primitives: the gates' activations and the state updates.

`gates` is the pre-activation (..., 4H) with i, f, g, o stacked as in torch. Written as a
composition, a step is four slices, four activations and five arithmetic nodes, each with
its own backward; these three primitives are the same step in three nodes, and the
backward pass reuses the activations instead of computing a sigmoid or tanh twice:

    acts = lstm_gates(gates) = [σ(i), σ(f), tanh(g), σ(o)]   (the activated gates)
    c'   = lstm_c(acts, c)   = σ(f) c + σ(i) tanh(g)         (the new cell state)
    h'   = lstm_h(acts, c')  = σ(o) tanh(c')                 (the new hidden state)
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


def _stacked(like, n: int, parts: dict):
    """A gradient for (..., 4 n) gates: parts[k] for gate k, zeros for the gates not given;
    the batch shape and dtype are `like`'s."""
    shape, dtype = like.shape[:-1], _data(like).dtype
    if all(isinstance(p, _ARRAY) for p in parts.values()):
        out = np.zeros(shape + (4 * n,), dtype=dtype)
        for k, p in parts.items():
            out[..., k * n:(k + 1) * n] = p
        return out
    zeros = np.zeros(shape + (n,), dtype=dtype)
    tensor = next(p for p in parts.values() if not isinstance(p, _ARRAY))
    return tensor._apply(OPS["concatenate"], *(parts.get(k, zeros) for k in range(4)), axis=-1)


def _lstm_gates(gates: np.ndarray) -> np.ndarray:
    n = _gate(gates, 0).shape[-1]
    out = _sigmoid(gates)  # i, f and o; g's block is replaced by its tanh
    out[..., 2 * n:3 * n] = np.tanh(gates[..., 2 * n:3 * n])
    return out


def _lstm_gates_vjp(g, out, gates):
    # σ' = (1 - σ) σ and tanh' = (1 - t)(1 + t): both (1 - a)(a + m), m = 1 on g's block only
    n = _gate(out, 0).shape[-1]
    m = np.zeros(4 * n, dtype=_data(out).dtype)
    m[2 * n:3 * n] = 1
    return g * (1 - out) * (out + m)


lstm_gates = defop("lstm_gates", _lstm_gates, _lstm_gates_vjp,
                   error="gates {0} (4 stacked)")


def _lstm_c(acts: np.ndarray, c: np.ndarray) -> np.ndarray:
    out = _gate(acts, 1) * c
    out += _gate(acts, 0) * _gate(acts, 2)
    return out


def _lstm_c_vjp(g, out, acts, c):  # c' = f c + i t: dc' spreads to i, f, t and c
    i, f, t = (_gate(acts, k) for k in range(3))
    return _stacked(g, g.shape[-1], {0: g * t, 1: g * c, 2: g * i}), g * f


lstm_c = defop("lstm_c", _lstm_c, vjp=_lstm_c_vjp,
               error="activated gates {0} (4 stacked) with cell state {1}")


def _lstm_h(acts: np.ndarray, c: np.ndarray) -> np.ndarray:
    out = np.tanh(c)
    out *= _gate(acts, 3)
    return out


def _lstm_h_vjp(g, out, acts, c):  # h' = o tanh(c'): do = tanh(c') dh', dc' = o (1 - tanh²) dh'
    o, t = _gate(acts, 3), _tanh(c)
    return _stacked(g, g.shape[-1], {3: g * t}), g * o * (1 - t * t)


lstm_h = defop("lstm_h", _lstm_h, vjp=_lstm_h_vjp,
               error="activated gates {0} (4 stacked) with cell state {1}")
