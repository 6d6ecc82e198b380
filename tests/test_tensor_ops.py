"""Every Tensor primitive, driven by the table in op_specs.py: forward against numpy, first
and second derivatives against finite differences, float32 in and out; then stable
numerics, indexing, where, clip, matmul and the error messages."""
from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import autograd
from autograd import Tensor, testing
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd.primitive import OPS
from op_specs import SPECS, OpSpec

each_spec = pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)


def _inputs(spec: OpSpec, dtype: Any = np.float64) -> st.SearchStrategy:
    """(arrays, kwargs) for one call of `spec`, each argument drawn from its domain."""
    def arrays_for(case):
        shapes, kwargs = case
        args = [testing.arrays(shape, *testing.DOMAINS[spec.name], dtype, distinct=True)
                if spec.distinct
                else testing.arrays(shape, dtype=dtype, elements=dom)
                for shape, dom in zip(shapes, spec.domains, strict=True)]
        return st.tuples(*args).map(lambda arrays: (list(arrays), kwargs))
    return spec.cases.flatmap(arrays_for)


def _applied(spec: OpSpec, kwargs: dict) -> Callable[..., Tensor]:
    def f(*xs):
        return spec.fn(*xs, **kwargs)
    f.__name__ = spec.name
    return f


# ------------------------------------------------------------------------ the table
def test_every_primitive_has_a_spec():
    """Adding a primitive to OPS without a row in op_specs.SPECS fails here."""
    names = [s.name for s in SPECS]
    assert len(names) == len(set(names)), "duplicate spec rows"
    assert set(OPS) == set(names)
    assert all(s.nargs == len(s.domains) for s in SPECS)


@each_spec
@given(data=st.data())
def test_forward_matches_numpy(spec: OpSpec, data: st.DataObject):
    """(a) fn records the spec's primitive and its output equals the numpy reference."""
    arrays, kwargs = data.draw(_inputs(spec), label="arrays, kwargs")
    out = spec.fn(*(Tensor(a, requires_grad=True) for a in arrays), **kwargs)
    assert out._prim is OPS[spec.name] and out._op == OPS[spec.name].label
    expected = np.asarray(spec.numpy_ref(*arrays, **kwargs))
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@each_spec
@given(data=st.data())
def test_gradient_matches_finite_differences(spec: OpSpec, data: st.DataObject):
    """(b) gradcheck over drawn shapes, broadcasting pairs for the binary ops."""
    arrays, kwargs = data.draw(_inputs(spec), label="arrays, kwargs")
    assert gradcheck(_applied(spec, kwargs), arrays, atol=spec.tol, rtol=spec.tol)


@each_spec
@given(data=st.data())
def test_second_derivative_matches_finite_differences(spec: OpSpec, data: st.DataObject):
    """(c) gradgradcheck: the rules differentiate again under create_graph=True."""
    if spec.order < 2:
        pytest.skip(f"{spec.name}: first derivatives only")
    arrays, kwargs = data.draw(_inputs(spec), label="arrays, kwargs")
    f = _applied(spec, kwargs)
    # gradgradcheck differentiates the create_graph gradient but cannot tell whether that
    # gradient is right: the rules run on Tensors there, so compare it with the plain one
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*xs)
    cotangent = np.random.default_rng(0).standard_normal(out.shape)
    plain = autograd.grad(out, xs, grad_outputs=cotangent)
    seed = Tensor(cotangent, requires_grad=True)  # so every rule gets g as a Tensor
    graph = autograd.grad(f(*xs), xs, grad_outputs=seed, create_graph=True)
    for p, g in zip(plain, graph, strict=True):
        np.testing.assert_allclose(getattr(g, "data", g), p, rtol=1e-12, atol=1e-12)
    assert gradgradcheck(f, arrays, atol=spec.tol, rtol=spec.tol)


@each_spec
@given(data=st.data())
def test_float32_stays_float32(spec: OpSpec, data: st.DataObject):
    """(d) float32 inputs give a float32 output and float32 gradients of the inputs' shapes."""
    arrays, kwargs = data.draw(_inputs(spec, np.float32), label="arrays, kwargs")
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = spec.fn(*xs, **kwargs)
    assert out.dtype == np.float32
    expected = spec.numpy_ref(*(a.astype(np.float64) for a in arrays), **kwargs)
    np.testing.assert_allclose(out.data, expected, rtol=1e-5, atol=1e-5)
    cotangent = np.linspace(-1.0, 1.0, out.size, dtype=np.float32).reshape(out.shape)
    grads = autograd.grad(out, xs, grad_outputs=cotangent)
    for x, g in zip(xs, grads, strict=True):
        assert g.dtype == np.float32 and g.shape == x.shape
    out.backward(cotangent)
    for x in xs:
        assert x.grad.dtype == np.float32 and x.grad.shape == x.shape


@given(shapes=testing.broadcastable_shapes(3), data=st.data())
def test_array_strategies(shapes: tuple, data: st.DataObject):
    """The public array strategies give what they promise."""
    np.broadcast_shapes(*shapes)
    t = data.draw(testing.tensors(shapes[0], dtype=np.float32, min_value=-2.0, max_value=3.0))
    assert t.requires_grad and t.shape == shapes[0] and t.dtype == np.float32
    assert np.all((t.data >= -2.0) & (t.data <= 3.0))
    a = data.draw(testing.arrays(shapes[1], -1.0, 1.0, distinct=True))
    assert a.shape == shapes[1] and np.unique(a).size == a.size
    assert np.all((a >= -1.0) & (a <= 1.0))
    t = data.draw(testing.tensors(requires_grad=False, elements=testing.domain("log")))
    assert not t.requires_grad and np.all(t.data >= 0.1) and t.ndim <= 3


def test_gradcheck_catches_a_wrong_rule():
    """The checks above can fail: a primitive with a wrong derivative is caught."""
    wrong = autograd.primitive(vjp=lambda g, out, x: (2 * g * out,))(np.exp)
    x = np.array([0.1, 0.2, 0.3])
    with pytest.raises(GradcheckError, match=r"input 0, element \(0,\): analytic"):
        gradcheck(lambda t: wrong(t), [x])
    with pytest.raises(GradcheckError, match="projection"):  # too big for the per-element check
        gradcheck(lambda t: wrong(t), [x], max_elements=2)
    assert not gradgradcheck(lambda t: wrong(t), [x], raise_exception=False)


# ------------------------------------------------------------------------ stable numerics
@contextmanager
def _no_warnings() -> Iterator[None]:
    """Turn numpy floating-point trouble and every warning into an error.

    Underflow stays allowed: e^-20000 rounding to 0 is the right answer for a softmax weight.
    """
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise",
                                                invalid="raise", under="ignore"):
        warnings.simplefilter("error")
        yield


_STABLE = {
    "sigmoid": lambda t: t.sigmoid(),
    "softplus": lambda t: t.softplus(),
    "logsumexp": lambda t: t.logsumexp(axis=-1),
    "log_softmax": lambda t: t.log_softmax(axis=-1),
    "softmax": lambda t: t.softmax(axis=-1),
}
_HUGE = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]])


@pytest.mark.parametrize("name", sorted(_STABLE))
@given(a=testing.arrays(testing.shapes(min_dims=1), -1e4, 1e4))
@example(a=_HUGE)
def test_stable_for_huge_inputs(name: str, a: np.ndarray):
    """Inputs up to +-1e4: finite values, finite gradients, and no numpy warnings."""
    t = Tensor(a, requires_grad=True)
    with _no_warnings():
        out = _STABLE[name](t)
        cotangent = np.ones(out.shape)
        out.backward(cotangent)
        (g2,) = autograd.grad(_STABLE[name](t), [t], grad_outputs=cotangent)
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(t.grad))
    np.testing.assert_array_equal(g2, t.grad)
    y, m = out.data, a.max(axis=-1)
    if name == "sigmoid":
        assert np.all((y >= 0) & (y <= 1)) and np.all(t.grad >= 0) and np.all(t.grad <= 0.25)
    elif name == "softplus":
        assert np.all(y >= np.maximum(a, 0)) and np.all(y <= np.maximum(a, 0) + np.log(2) + 1e-12)
    elif name == "logsumexp":
        assert np.all(y >= m) and np.all(y <= m + np.log(a.shape[-1]) + 1e-9)
        np.testing.assert_allclose(t.grad.sum(axis=-1), 1.0)  # the softmax weights
    elif name == "log_softmax":
        assert np.all(y <= 1e-12)
        np.testing.assert_allclose(np.exp(y).sum(axis=-1), 1.0)
    else:
        np.testing.assert_allclose(y.sum(axis=-1), 1.0)
        np.testing.assert_allclose(t.grad, 0.0, atol=1e-12)  # softmax sums to 1 everywhere


def test_stable_values_at_the_extremes():
    """The exact limits, not just finite numbers."""
    t = Tensor(np.array([-1e4, 1e4]))
    np.testing.assert_array_equal(t.sigmoid().data, [0.0, 1.0])
    np.testing.assert_allclose(t.softplus().data, [0.0, 1e4])
    np.testing.assert_allclose(Tensor(np.array([1e4, 1e4])).logsumexp().item(),
                               1e4 + np.log(2))
    np.testing.assert_allclose(t.log_softmax().data, [-2e4, 0.0])


# ------------------------------------------------------------------------ indexing
def test_repeated_integer_indices_scatter_add():
    """A position read k times gets k gradients (np.add.at, not assignment)."""
    t = Tensor(np.arange(5.0), requires_grad=True)
    t[[0, 0, 3, 0]].sum().backward()
    np.testing.assert_array_equal(t.grad, [3.0, 0.0, 0.0, 1.0, 0.0])
    t.zero_grad()
    t[np.array([1, 1, 2])].backward(np.array([1.0, 2.0, 4.0]))
    np.testing.assert_array_equal(t.grad, [0.0, 3.0, 4.0, 0.0, 0.0])
    m = Tensor(np.zeros((2, 3)), requires_grad=True)
    m[np.array([0, 0, 1]), np.array([2, 2, 0])].sum().backward()
    np.testing.assert_array_equal(m.grad, [[0.0, 0.0, 2.0], [1.0, 0.0, 0.0]])


@given(n=st.integers(1, 6), data=st.data())
def test_gather_gradient_is_a_bincount(n: int, data: st.DataObject):
    """For any integer index with repeats, d(sum g * x[idx])/dx = bincount(idx, g)."""
    idx = np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=10)))
    g = data.draw(testing.arrays((len(idx),)))
    t = Tensor(np.zeros(n), requires_grad=True)
    t[idx].backward(g)
    np.testing.assert_allclose(t.grad, np.bincount(idx % n, weights=g, minlength=n))
    (gg,) = autograd.grad(t[idx], [t], grad_outputs=Tensor(g), create_graph=True)
    np.testing.assert_allclose(gg.data, t.grad)


# ------------------------------------------------------------------------ where and clip
def test_where_routes_the_gradient():
    """where(c, a, b): a gets g where c holds, b (broadcast) the summed rest; c from a Tensor."""
    a = Tensor(np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]]), requires_grad=True)
    b = Tensor(np.array([10.0, 20.0, 30.0]), requires_grad=True)
    out = autograd.where(a > 0, a, b)
    np.testing.assert_array_equal(out.data, [[1.0, 20.0, 3.0], [10.0, 5.0, 30.0]])
    out.backward(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    np.testing.assert_array_equal(a.grad, [[1.0, 0.0, 3.0], [0.0, 5.0, 0.0]])
    np.testing.assert_array_equal(b.grad, [4.0, 2.0, 6.0])
    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    y = autograd.where(np.array([True, False]), x, 0.0)
    np.testing.assert_array_equal(y.data, [-1.0, 0.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0])


def test_clip_values_and_gradient():
    """clip: values limited; gradient 1 inside [min, max] (bounds included), 0 outside."""
    t = Tensor(np.array([-2.0, -1.0, 0.5, 1.0, 2.0]), requires_grad=True)
    out = t.clip(-1.0, 1.0)
    np.testing.assert_array_equal(out.data, [-1.0, -1.0, 0.5, 1.0, 1.0])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 1.0, 1.0, 1.0, 0.0])
    t.zero_grad()
    t.clip(min=0.0).sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(t.clamp(max=0.0).data, [-2.0, -1.0, 0.0, 0.0, 0.0])


# ------------------------------------------------------------------------ matmul
def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast gradient back to `shape` (leading axes, then stretched 1s)."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


@pytest.mark.parametrize("shape_a, shape_b, shape_out", [
    ((3,), (3,), ()),
    ((2, 3), (3,), (2,)),
    ((3,), (3, 4), (4,)),
    ((2, 3), (3, 4), (2, 4)),
    ((5, 2, 3), (3, 4), (5, 2, 4)),
    ((3,), (5, 3, 4), (5, 4)),
    ((5, 1, 2, 3), (4, 3, 2), (5, 4, 2, 2)),
])
def test_matmul_1d_2d_batched(shape_a, shape_b, shape_out):
    """Shapes and values as numpy's matmul; gradients G Bᵀ and Aᵀ G summed over batches."""
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    a, b = Tensor(a_np, requires_grad=True), Tensor(b_np, requires_grad=True)
    out = a @ b
    assert out.shape == shape_out
    np.testing.assert_allclose(out.data, np.matmul(a_np, b_np), rtol=1e-12)
    g = rng.standard_normal(shape_out)
    out.backward(g)
    a2 = a_np[None, :] if a_np.ndim == 1 else a_np  # the matrix forms, for the expected
    b2 = b_np[:, None] if b_np.ndim == 1 else b_np
    g2 = np.asarray(g).reshape(np.matmul(a2, b2).shape)
    ga = _sum_to(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2.shape)
    gb = _sum_to(np.matmul(np.swapaxes(a2, -1, -2), g2), b2.shape)
    np.testing.assert_allclose(a.grad, ga.reshape(shape_a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad, gb.reshape(shape_b), rtol=1e-10, atol=1e-12)
    assert gradgradcheck(lambda x, y: x @ y, [a_np, b_np])


def test_matmul_vector_times_batched_gradient():
    """d(v @ B)/dv sums Bᵀ g over the batch, for batch shapes with and without 1s."""
    rng = np.random.default_rng(1)
    for shape_b in [(2, 1, 3, 4), (5, 3, 4)]:
        v = Tensor(rng.standard_normal(3), requires_grad=True)
        b = rng.standard_normal(shape_b)
        try:
            (v @ Tensor(b)).sum().backward()
        except ValueError as error:
            raise AssertionError(f"(3,) @ {shape_b}: backward raised {error}") from error
        np.testing.assert_allclose(v.grad, b.sum(axis=-1).reshape(-1, 3).sum(axis=0))


def test_double_backward_through_transpose_of_a_vector():
    """x.T of a 1-D x is x, and so are its first and second derivatives."""
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    (g,) = autograd.grad((x.T * x.T).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, 2 * x.data)
    (h,) = autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(h, 2.0)


def test_shape_methods_take_numpy_integers():
    """permute/reshape/expand with numpy integer arguments (as from np.argsort, .shape)."""
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert t.permute(np.int64(1), np.int64(0)).shape == (3, 2)
    assert t.reshape(np.int64(3), np.int64(2)).shape == (3, 2)
    assert t.reshape((np.int64(6),)).shape == (6,)
    assert t.expand(np.int64(4), np.int64(2), np.int64(3)).shape == (4, 2, 3)


@pytest.mark.parametrize("method", ["permute", "reshape", "expand"])
def test_shape_methods_take_one_numpy_integer(method: str):
    t = Tensor(np.arange(3.0))
    assert getattr(t, method)(np.int64(0) if method == "permute" else np.int64(3)).shape \
        == (3,)


# ------------------------------------------------------------------------ error messages
def _raises(kind: type, *parts: str):
    return pytest.raises(kind, match="(?s)" + "".join(f"(?=.*{re.escape(p)})" for p in parts))


def test_matmul_error_names_op_and_shapes():
    with _raises(ValueError, "matmul", "(2, 3) @ (4, 5)"):
        Tensor(np.ones((2, 3)), requires_grad=True) @ Tensor(np.ones((4, 5)))


def test_broadcasting_error_names_op_and_shapes():
    with _raises(ValueError, "add", "(2, 3)", "(4,)"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
    with _raises(ValueError, "mul", "(3, 2)", "(3,)"):
        Tensor(np.ones((3, 2))) * np.ones(3)


def test_reshape_and_expand_errors_name_op_and_shapes():
    with _raises(ValueError, "reshape", "(2, 3)", "(4,)"):
        Tensor(np.ones((2, 3))).reshape(4)
    with _raises(ValueError, "expand", "(2, 3)", "(4, 3)"):
        Tensor(np.ones((2, 3))).expand(4, 3)


def test_backward_with_wrong_gradient_shape():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with _raises(ValueError, "backward", "(3,)", "(2, 3)"):
        (t * 2.0).backward(np.ones(3))


def test_backward_on_non_scalar_without_gradient():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with _raises(RuntimeError, "backward", "(2, 3)", "gradient"):
        (t * 2.0).backward()


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_non_float_tensor_cannot_require_grad(dtype):
    with _raises(TypeError, "floating-point", np.dtype(dtype).name):
        Tensor(np.ones(3, dtype=dtype), requires_grad=True)
    with _raises(TypeError, np.dtype(dtype).name):
        Tensor(np.ones(3, dtype=dtype)).requires_grad_()
