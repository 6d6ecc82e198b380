"""Elementwise Tensor primitives beyond ops.py: inverse trig, hyperbolic, erf, log1p/expm1,
rounding (zero gradient) and the two remainders, each forward beside its rules.

Rules see arrays in a plain backward pass and Tensors under `create_graph=True`; `_call`
picks the numpy function or the Tensor method of the same meaning.
"""
from __future__ import annotations

import math

import numpy as np

from .ops import _ARRAY
from .primitive import defop


def _call(method: str, fn=None):
    """`fn(x)` on arrays, `x.method()` on Tensors."""
    fn = fn or getattr(np, method)
    return lambda x: fn(x) if isinstance(x, _ARRAY) else getattr(x, method)()


_sqrt, _exp, _sinh, _cosh = _call("sqrt"), _call("exp"), _call("sinh"), _call("cosh")
_floor, _trunc = _call("floor"), _call("trunc")
_TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)
_erf_scalar = np.frompyfunc(math.erf, 1, 1)


def _erf(a: np.ndarray) -> np.ndarray:
    return np.asarray(_erf_scalar(a), dtype=np.result_type(a, np.float16))


def _zeros(g):
    return np.zeros_like(g) if isinstance(g, _ARRAY) else g * 0.0


# ---------------------------------------------------------------------- trigonometric
asin = defop("asin", np.arcsin, lambda g, out, a: g / _sqrt(1 - a * a))  # 1/√(1-a²)
acos = defop("acos", np.arccos, lambda g, out, a: -g / _sqrt(1 - a * a))  # -1/√(1-a²)
atan = defop("atan", np.arctan, lambda g, out, a: g / (1 + a * a))  # 1/(1+a²)
sinh = defop("sinh", np.sinh, lambda g, out, a: g * _cosh(a))
cosh = defop("cosh", np.cosh, lambda g, out, a: g * _sinh(a))
asinh = defop("asinh", np.arcsinh, lambda g, out, a: g / _sqrt(a * a + 1))  # 1/√(a²+1)
acosh = defop("acosh", np.arccosh, lambda g, out, a: g / _sqrt(a * a - 1))  # 1/√(a²-1)
atanh = defop("atanh", np.arctanh, lambda g, out, a: g / (1 - a * a))  # 1/(1-a²)

# ---------------------------------------------------------------------- exp and log
erf = defop("erf", _erf, lambda g, out, a: g * _TWO_OVER_ROOT_PI * _exp(-(a * a)))
log1p = defop("log1p", np.log1p, lambda g, out, a: g / (1 + a))  # accurate near 0
expm1 = defop("expm1", np.expm1, lambda g, out, a: g * (out + 1))  # d(eᵃ - 1) = eᵃ

# ---------------------------------------------------------------------- rounding
_ROUNDING = {"floor": np.floor, "ceil": np.ceil, "round": np.round, "trunc": np.trunc,
             "sign": np.sign}
rounding = defop("rounding", lambda a, mode: _ROUNDING[mode](a),
                 lambda g, out, a, mode: _zeros(g))  # piecewise constant: zero gradient

# a - b·q with q = trunc(a/b) (fmod, C's sign) or floor(a/b) (remainder, Python's sign)
fmod = defop("fmod", np.fmod,
             lambda g, out, a, b: g,
             lambda g, out, a, b: -g * _trunc(a / b))
remainder = defop("remainder", np.remainder,
                  lambda g, out, a, b: g,
                  lambda g, out, a, b: -g * _floor(a / b))

# ---------------------------------------------------------------------- conversion
astype = defop("astype", lambda a, dtype: a.astype(dtype),  # the gradient goes back cast
               lambda g, out, a, dtype: g.astype(a.dtype) if isinstance(g, _ARRAY)
               else g.to(a.dtype))
