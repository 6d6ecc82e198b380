"""Random chains of Tensor operations, valid and not: each step matches numpy, or raises a
ValueError, TypeError or IndexError naming the op; small differentiable chains pass gradcheck."""
from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from autograd import Tensor, concatenate
from autograd.gradcheck import gradcheck

ERRORS = (ValueError, TypeError, IndexError)
dims = st.integers(0, 3)
shapes = st.lists(dims, min_size=0, max_size=3).map(tuple)
axes = st.one_of(st.none(), st.integers(-4, 3))


def _array(draw, shape, dtype):
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    return np.asarray(rng.standard_normal(shape) * 2, dtype=dtype)


@st.composite
def steps(draw, dtype):
    """(name, our function, numpy function, words one of which the error names)."""
    name = draw(st.sampled_from(["add", "mul", "matmul", "sum", "reshape", "transpose",
                                 "getitem", "exp", "log", "relu", "concatenate", "max"]))
    if name in ("add", "mul", "matmul"):
        other = _array(draw, draw(shapes), dtype)
        op = {"add": operator.add, "mul": operator.mul, "matmul": operator.matmul}[name]
        return name, lambda t: op(t, other), lambda a: op(a, other), (name,)
    if name in ("sum", "max"):
        axis = draw(axes)
        return name, lambda t: getattr(t, name)(axis=axis), \
            lambda a: getattr(np, name)(a, axis=axis), (name,)
    if name == "reshape":
        shape = draw(shapes)
        return name, lambda t: t.reshape(shape), lambda a: a.reshape(shape), (name,)
    if name == "transpose":  # numpy's transpose is permute; torch's swaps two axes
        if draw(st.booleans()):
            perm = tuple(draw(st.lists(st.integers(-3, 3), max_size=3)))
            return "permute", lambda t: t.permute(*perm), lambda a: np.transpose(a, perm), \
                ("permute",)
        d0, d1 = draw(st.integers(-3, 3)), draw(st.integers(-3, 3))
        return name, lambda t: t.transpose(d0, d1), lambda a: np.swapaxes(a, d0, d1), (name,)
    if name == "getitem":
        index = draw(st.one_of(st.integers(-4, 3), st.tuples(st.integers(-3, 3), st.integers(
            -3, 3)), st.slices(4)))
        return name, lambda t: t[index], lambda a: a[index], ("index", "indices", "getitem")
    if name == "concatenate":
        other, axis = _array(draw, draw(shapes), dtype), draw(st.integers(-3, 3))
        return name, lambda t: concatenate([t, Tensor(other)], axis=axis), \
            lambda a: np.concatenate([a, other], axis=axis), (name,)
    fn = {"exp": np.exp, "log": np.log, "relu": lambda a: np.maximum(a, 0)}[name]
    return name, lambda t: getattr(t, name)(), fn, (name,)


@st.composite
def programs(draw):
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32]))
    start = _array(draw, draw(shapes), dtype)
    return start, draw(st.lists(steps(dtype), min_size=1, max_size=4))


def _run(start, program, check=True):
    """Run the chain on a Tensor and on numpy side by side; stop at the first refusal."""
    t, a = Tensor(start, requires_grad=True), start
    for name, ours, ref, words in program:
        with np.errstate(all="ignore"):
            try:
                want = np.asarray(ref(a))
            except (*ERRORS, np.exceptions.AxisError) as error:
                if check:
                    with pytest.raises(ERRORS) as caught:
                        ours(t)
                    message = str(caught.value).lower()
                    assert any(w in message for w in words), (name, message, error)
                return t, None, False
            got = ours(t)
        if check:
            assert got.shape == want.shape, (name, got.shape, want.shape)
            np.testing.assert_allclose(got.data, want, rtol=1e-5, atol=1e-6, equal_nan=True,
                                       err_msg=name)
        t, a = got, want
    return t, a, True


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_op_chains_match_numpy_or_raise_naming_the_op(program):
    start, chain = program
    out, want, ok = _run(start, chain)
    small = ok and start.dtype == np.float64 and 0 < start.size <= 12 and out.size > 0
    # differences of a sum lose a small term beside a huge one: keep gradcheck well scaled
    scaled = small and np.all(np.isfinite(want)) and np.all(np.abs(want) < 1e4)
    if scaled and "max" not in {s[0] for s in chain}:
        def f(x):
            t = x
            for _, ours, _, _ in chain:
                t = ours(t)
            return t
        if np.all(start > 0.05) or "log" not in {s[0] for s in chain}:
            assert gradcheck(f, [start.copy()], atol=1e-4, rtol=1e-3)


def test_an_invalid_step_names_the_op():
    with pytest.raises(ValueError, match="matmul"):
        Tensor(np.ones((2, 3))) @ np.ones((2, 2))
    with pytest.raises(ValueError, match="reshape"):
        Tensor(np.ones((2, 3))).reshape((4, 2))
