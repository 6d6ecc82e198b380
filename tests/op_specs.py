"""The op tables the op tests run over, JAX style: one row per Tensor primitive in
`autograd.primitive.OPS` (`SPECS`) and one per scalar op in `autograd.primitive.VALUE_OPS`
(`VALUE_SPECS`). A row says how to apply the op through the public API, how to compute its
forward independently (numpy for Tensors, the math module for Values), and where to draw
its inputs and constants from (bounded strategies from `autograd.testing`)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

import autograd
from autograd import testing
from autograd.extend import apply
from autograd.primitive import OPS
from autograd.value import Value

Shape = tuple[int, ...]
Case = tuple[tuple[Shape, ...], dict[str, Any]]  # one shape per argument, constant kwargs


@dataclass(frozen=True)
class OpSpec:
    """How to apply, check and draw inputs for one Tensor primitive."""

    name: str  # the primitive's name in OPS (and the `_op` of the node `fn` makes)
    nargs: int
    fn: Callable[..., autograd.Tensor]  # fn(*tensors, **kwargs), via the public API
    numpy_ref: Callable[..., np.ndarray]  # numpy_ref(*arrays, **kwargs), numpy only
    domains: tuple[st.SearchStrategy[float], ...]  # the elements of each argument
    cases: st.SearchStrategy[Case]  # the argument shapes and the constant kwargs
    tol: float = 1e-5  # gradcheck atol and rtol
    order: int = 2  # derivatives checked: 1 (gradcheck) or 2 (also gradgradcheck)
    distinct: bool = False  # elements pairwise apart over DOMAINS[name] (ties are kinks)

    def __repr__(self) -> str:
        return f"OpSpec({self.name!r})"


@dataclass(frozen=True)
class ValueSpec:
    """How to apply, check and draw inputs for one scalar Value rule."""

    name: str  # the op's name in VALUE_OPS (a Tensor primitive of the same op has it too)
    nargs: int
    fn: Callable[..., Value]  # fn(*values, **consts)
    ref: Callable[..., float]  # ref(*floats, **consts), with the math module
    domains: tuple[st.SearchStrategy[float], ...]
    consts: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)
    tol: float = 1e-5
    order: int = 2

    def __repr__(self) -> str:
        return f"ValueSpec({self.name!r})"


# ------------------------------------------------------------------------ case strategies
def _unary(min_dims: int = 0) -> st.SearchStrategy[Case]:
    return testing.shapes(min_dims=min_dims).map(lambda s: ((s,), {}))


def _binary() -> st.SearchStrategy[Case]:
    return testing.broadcastable_shapes(2).map(lambda shapes: (shapes, {}))


def _with(shapes: st.SearchStrategy[tuple[Shape, ...]],
          kwargs: Callable[[tuple[Shape, ...]], st.SearchStrategy[dict]]) -> st.SearchStrategy:
    """Cases whose kwargs are drawn given the shapes."""
    return shapes.flatmap(lambda s: kwargs(s).map(lambda kw: (s, kw)))


def _axes(ndim: int) -> st.SearchStrategy[Any]:
    """None, one axis (possibly negative) or a tuple of distinct axes of an `ndim` array."""
    single = [st.integers(-ndim, ndim - 1)] if ndim else []
    return st.one_of(st.none(), *single, hnp.valid_tuple_axes(ndim))


def _unary_with(kwargs: Callable[[Shape], st.SearchStrategy[dict]],
                shapes: st.SearchStrategy[Shape] | None = None) -> st.SearchStrategy[Case]:
    """Cases for a one-argument op whose kwargs are drawn given its shape."""
    shapes = testing.shapes() if shapes is None else shapes
    return _with(shapes.map(lambda s: (s,)), lambda s: kwargs(s[0]))


def _reduction() -> st.SearchStrategy[Case]:
    return _unary_with(lambda s: st.fixed_dictionaries(
        {"axis": _axes(len(s)), "keepdims": st.booleans()}))


def _matmul() -> st.SearchStrategy[Case]:  # 1-D, 2-D and broadcast batched operands
    def case(b):
        return b.input_shapes, {}
    return hnp.mutually_broadcastable_shapes(
        signature="(m?,n),(n,p?)->(m?,p?)", max_dims=2, max_side=4).map(case)


@st.composite
def _reshape(draw: Callable) -> Case:
    """A shape and another with the same size: dims regrouped, 1s added, maybe one -1."""
    shape = draw(testing.shapes())
    dims = list(draw(st.permutations(shape))) + [1] * draw(st.integers(0, 2))
    dims = list(draw(st.permutations(dims)))
    target: list[int] = []
    for d in dims:
        if target and draw(st.booleans()):
            target[-1] *= d
        else:
            target.append(d)
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return (shape,), {"shape": tuple(target)}


@st.composite
def _expand(draw: Callable) -> Case:
    """A shape and one it broadcasts to (new leading axes, sizes 1 stretched)."""
    shape = draw(testing.shapes())
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    grown = [draw(st.integers(1, 3)) if n == 1 else n for n in shape]
    return (shape,), {"shape": (*lead, *grown)}


def _indices(shape: Shape) -> st.SearchStrategy[Any]:
    """Basic indices (ints, slices, None, ...), integer arrays with repeats, boolean masks."""
    basic = hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)
    if not shape:
        return basic
    return st.one_of(basic, hnp.integer_array_indices(
        shape, result_shape=testing.shapes(min_dims=1, max_dims=2)),
        hnp.arrays(np.bool_, shape))


def _getitem() -> st.SearchStrategy[Case]:
    return _unary_with(lambda s: _indices(s).map(lambda index: {"index": index}))


def _scatter_add() -> st.SearchStrategy[Case]:  # the source has the shape target[index] has
    return testing.shapes().flatmap(lambda target: _indices(target).map(
        lambda index: (((np.empty(target)[index]).shape,), {"index": index, "shape": target})))


@st.composite
def _join(draw: Callable, new_axis: bool, n: int) -> Case:
    """Shapes that concatenate along `axis` (sizes differ there) or stack (all equal)."""
    shape = draw(testing.shapes(min_dims=0 if new_axis else 1))
    ndim = len(shape) + new_axis
    axis = draw(st.integers(-ndim, ndim - 1))
    if new_axis:
        return (shape,) * n, {"axis": axis}
    sizes = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    k = axis % len(shape)
    return tuple(shape[:k] + (m,) + shape[k + 1:] for m in sizes), {"axis": axis}


def _where() -> st.SearchStrategy[Case]:
    return _with(testing.broadcastable_shapes(2), lambda s: hnp.arrays(
        np.bool_, np.broadcast_shapes(*s)).map(lambda cond: {"cond": cond}))


def _log_softmax() -> st.SearchStrategy[Case]:
    return _unary_with(lambda s: st.integers(-len(s), len(s) - 1).map(lambda a: {"axis": a}),
                       shapes=testing.shapes(min_dims=1))


# ------------------------------------------------------------------------ numpy references
def _np_sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


@st.composite
def _linear(draw: Callable) -> Case:
    """x of shape (*batch, in), weight (out, in), bias (out,)."""
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(testing.shapes(min_dims=0, max_dims=2))
    return ((*batch, n_in), (n_out, n_in), (n_out,)), {}


@st.composite
def _cross_entropy(draw: Callable) -> Case:
    """Logits of shape (N, C) and integer class targets in [0, C)."""
    n, classes = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    target = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, classes - 1)))
    reduction = draw(st.sampled_from(["none", "mean", "sum"]))
    return ((n, classes),), {"target": target, "reduction": reduction}


def _np_linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,oi->...o", x, w) + b


def _np_cross_entropy(a: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
    losses = _np_logsumexp(a, axis=-1) - np.take_along_axis(a, target[:, None], -1)[:, 0]
    return {"none": losses, "mean": np.mean(losses), "sum": np.sum(losses)}[reduction]


def _np_logsumexp(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))


def _np_scatter_add(a: np.ndarray, index: Any, shape: Shape) -> np.ndarray:
    """Each element of `a` added, in a Python loop, at the position numpy's indexing gives it."""
    positions = np.arange(math.prod(shape)).reshape(shape)[index]  # same shape as a
    out = np.zeros(math.prod(shape), dtype=a.dtype)
    for i in np.ndindex(a.shape):
        out[positions[i]] += a[i]
    return out.reshape(shape)


def _broadcast_shape(*shapes: Shape) -> Shape:
    """The shape numpy broadcasting gives, worked out by hand."""
    ndim = max(map(len, shapes))
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    return tuple(max(sizes) for sizes in zip(*padded))


def _source(index: tuple, shape: Shape) -> tuple:
    """The element of an array of `shape` that broadcasting sends to the output `index`."""
    return tuple(0 if n == 1 else i for i, n in zip(index[len(index) - len(shape):], shape))


def _elementwise(fn: Callable[..., float]) -> Callable[..., np.ndarray]:
    """A broadcasting reference that applies `fn` to Python floats, one element at a time."""
    def ref(*arrays: np.ndarray) -> np.ndarray:
        out = np.empty(_broadcast_shape(*(a.shape for a in arrays)))
        for i in np.ndindex(out.shape):
            out[i] = fn(*(float(a[_source(i, a.shape)]) for a in arrays))
        return out
    return ref


def _reduction_ref(combine: Callable[[list[float]], float]) -> Callable[..., np.ndarray]:
    """A reduction by grouping elements in a Python loop; `combine` folds each group."""
    def ref(a: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        axes = range(a.ndim) if axis is None else [axis] if isinstance(axis, int) else axis
        axes = {d % a.ndim for d in axes}
        shape = tuple(1 if d in axes else n for d, n in enumerate(a.shape) if keepdims
                      or d not in axes)
        groups: dict[tuple, list[float]] = {}
        for i in np.ndindex(a.shape):
            key = tuple(0 if d in axes else k for d, k in enumerate(i) if keepdims
                        or d not in axes)
            groups.setdefault(key, []).append(float(a[i]))
        out = np.empty(shape)
        for key, group in groups.items():
            out[key] = combine(group)
        return out
    return ref


_np_add = _elementwise(lambda x, y: x + y)
_np_sub = _elementwise(lambda x, y: x - y)
_np_mul = _elementwise(lambda x, y: x * y)
_np_div = _elementwise(lambda x, y: x / y)


def _np_log(a: np.ndarray) -> np.ndarray:
    return np.log2(a) * math.log(2.0)  # another formula than the natural log the op calls


def _np_reshape(a: np.ndarray, shape: Shape) -> np.ndarray:
    """The elements in row-major order, laid out again in `shape` (a -1 inferred)."""
    flat = [a[i] for i in np.ndindex(a.shape)]
    known = math.prod(n for n in shape if n != -1)
    out = np.empty(tuple(len(flat) // known if n == -1 else n for n in shape))
    assert out.size == len(flat)
    for k, i in enumerate(np.ndindex(out.shape)):
        out[i] = flat[k]
    return out


def _np_transpose(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Element a[i] moved to out[i[axes[0]], i[axes[1]], ...]."""
    out = np.empty(tuple(a.shape[d] for d in axes))
    for i in np.ndindex(a.shape):
        out[tuple(i[d] for d in axes)] = a[i]
    return out


def _np_expand(a: np.ndarray, shape: Shape) -> np.ndarray:
    out = np.empty(shape)
    for i in np.ndindex(out.shape):
        out[i] = a[_source(i, a.shape)]
    return out


def _np_concatenate(*arrays: np.ndarray, axis: int) -> np.ndarray:
    k = axis % arrays[0].ndim
    shape = list(arrays[0].shape)
    shape[k] = sum(x.shape[k] for x in arrays)
    out, offset = np.empty(shape), 0
    for x in arrays:
        for i in np.ndindex(x.shape):
            out[i[:k] + (i[k] + offset,) + i[k + 1:]] = x[i]
        offset += x.shape[k]
    return out


def _np_stack(*arrays: np.ndarray, axis: int) -> np.ndarray:
    k = axis % (arrays[0].ndim + 1)
    out = np.empty(arrays[0].shape[:k] + (len(arrays),) + arrays[0].shape[k:])
    for j, x in enumerate(arrays):
        for i in np.ndindex(x.shape):
            out[i[:k] + (j,) + i[k:]] = x[i]
    return out


def _np_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Matrix product by einsum: 1-D operands promoted to matrices, batch axes broadcast."""
    out = np.einsum("...ij,...jk->...ik", a[None, :] if a.ndim == 1 else a,
                    b[:, None] if b.ndim == 1 else b)
    out = out[..., 0, :] if a.ndim == 1 else out
    return out[..., 0] if b.ndim == 1 else out


def _np_clip(a: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    out = a if low is None else np.where(a < low, low, a)
    return out if high is None else np.where(out > high, high, out)


_D = testing.domain
_REAL = _D("add")
_EXPONENT = testing.floats(-2.0, 2.0)
_NEAR_ZERO = testing.floats(-0.5, 0.5)  # never ties domain("maximum"), which is |x| >= 1

SPECS: list[OpSpec] = [
    # binary, broadcasting
    OpSpec("add", 2, lambda a, b: a + b, _np_add, (_REAL, _REAL), _binary()),
    OpSpec("sub", 2, lambda a, b: a - b, _np_sub, (_REAL, _REAL), _binary()),
    OpSpec("neg", 1, lambda a: -a, lambda a: 0.0 - a, (_REAL,), _unary()),
    OpSpec("mul", 2, lambda a, b: a * b, _np_mul, (_REAL, _REAL), _binary()),
    OpSpec("div", 2, lambda a, b: a / b, _np_div, (_REAL, _D("div")), _binary()),
    OpSpec("pow", 2, lambda a, b: a ** b, lambda a, b: np.exp(b * np.log(a)),
           (_D("pow"), _EXPONENT), _binary()),
    OpSpec("maximum", 2, autograd.maximum, lambda a, b: np.where(a > b, a, b),
           (_D("maximum"), _NEAR_ZERO), _binary()),
    OpSpec("minimum", 2, autograd.minimum, lambda a, b: np.where(a < b, a, b),
           (_D("minimum"), _NEAR_ZERO), _binary()),
    OpSpec("where", 2, lambda a, b, cond: autograd.where(cond, a, b),
           lambda a, b, cond: a * cond + b * ~cond,
           (_REAL, _REAL), _where()),
    OpSpec("matmul", 2, lambda a, b: a @ b, _np_matmul, (_REAL, _REAL), _matmul()),
    # elementwise unary
    OpSpec("exp", 1, lambda a: a.exp(), lambda a: np.e ** a, (_D("exp"),), _unary()),
    OpSpec("log", 1, lambda a: a.log(), _np_log, (_D("log"),), _unary()),
    OpSpec("sqrt", 1, lambda a: a.sqrt(), lambda a: a ** 0.5, (_D("sqrt"),), _unary()),
    OpSpec("abs", 1, abs, lambda a: np.where(a < 0, -a, a), (_D("abs"),), _unary()),
    OpSpec("sin", 1, lambda a: a.sin(), lambda a: np.imag(np.exp(1j * a)), (_D("sin"),),
           _unary()),
    OpSpec("cos", 1, lambda a: a.cos(), lambda a: np.real(np.exp(1j * a)), (_D("cos"),),
           _unary()),
    OpSpec("tanh", 1, lambda a: a.tanh(),
           lambda a: (np.exp(2 * a) - 1) / (np.exp(2 * a) + 1), (_D("tanh"),), _unary()),
    OpSpec("sigmoid", 1, lambda a: a.sigmoid(), _np_sigmoid, (_D("sigmoid"),), _unary()),
    OpSpec("relu", 1, lambda a: a.relu(), lambda a: a * (a > 0), (_D("relu"),), _unary()),
    OpSpec("leaky_relu", 1, lambda a, negative_slope: a.leaky_relu(negative_slope),
           lambda a, negative_slope: np.maximum(a, 0) + negative_slope * np.minimum(a, 0),
           (_D("leaky_relu"),), _unary_with(lambda s: st.fixed_dictionaries(
               {"negative_slope": testing.floats(0.0, 0.5)}))),
    OpSpec("softplus", 1, lambda a: apply(OPS["softplus"], a), lambda a: np.log1p(np.exp(a)),
           (_D("softplus"),), _unary()),
    OpSpec("clip", 1, lambda a, low, high: a.clip(low, high), _np_clip, (_D("clip"),),
           _unary_with(lambda s: st.sampled_from([{"low": -1.0, "high": 1.0},
                                                  {"low": None, "high": 1.0},
                                                  {"low": -1.0, "high": None}]))),
    # reductions
    OpSpec("sum", 1, lambda a, axis, keepdims: a.sum(axis, keepdims),
           _reduction_ref(math.fsum),
           (_REAL,), _reduction()),
    OpSpec("max", 1, lambda a, axis, keepdims: a.amax(axis, keepdims),
           _reduction_ref(max),
           (_REAL,), _reduction(), distinct=True),
    OpSpec("min", 1, lambda a, axis, keepdims: a.amin(dim=axis, keepdims=keepdims),
           _reduction_ref(min),
           (_REAL,), _reduction(), distinct=True),
    OpSpec("mean", 1, lambda a, axis, keepdims: a.mean(axis, keepdims),
           _reduction_ref(lambda xs: math.fsum(xs) / len(xs)),
           (_REAL,), _reduction()),
    OpSpec("logsumexp", 1, lambda a, axis, keepdims: a.logsumexp(axis, keepdims),
           _np_logsumexp, (_D("logsumexp"),), _reduction()),
    OpSpec("log_softmax", 1, lambda a, axis: a.log_softmax(axis),
           lambda a, axis: a - _np_logsumexp(a, axis, keepdims=True),
           (_D("log_softmax"),), _log_softmax()),
    OpSpec("cross_entropy", 1, lambda a, target, reduction: apply(OPS["cross_entropy"], a,
                                                                  target=target,
                                                                  reduction=reduction),
           _np_cross_entropy, (_D("log_softmax"),), _cross_entropy()),
    OpSpec("linear", 3, lambda x, w, b: apply(OPS["linear"], x, w, b), _np_linear,
           (_REAL, _REAL, _REAL), _linear()),
    # shape
    OpSpec("reshape", 1, lambda a, shape: a.reshape(shape), _np_reshape, (_REAL,), _reshape()),
    OpSpec("transpose", 1, lambda a, axes: a.permute(axes), _np_transpose, (_REAL,),
           _unary_with(lambda s: st.permutations(range(len(s))).map(
               lambda p: {"axes": tuple(p)}))),
    OpSpec("expand", 1, lambda a, shape: a.expand(shape), _np_expand, (_REAL,),
           _expand()),
    # getitem: numpy's indexing rules are the specification, so a[index] is the only
    # reference; this row checks the routing (and the gradient), not the indexing itself
    OpSpec("getitem", 1, lambda a, index: a[index], lambda a, index: a[index], (_REAL,),
           _getitem()),
    OpSpec("scatter_add", 1, lambda a, index, shape: apply(OPS["scatter_add"], 
        a, index=index, shape=shape), _np_scatter_add, (_REAL,), _scatter_add()),
    OpSpec("concatenate", 3, lambda *ts, axis: autograd.concatenate(ts, axis=axis),
           _np_concatenate, (_REAL,) * 3,
           _join(False, 3)),
    OpSpec("stack", 3, lambda *ts, axis: autograd.stack(ts, axis=axis),
           _np_stack, (_REAL,) * 3, _join(True, 3)),
]


def _lstm_cases() -> st.SearchStrategy[Case]:
    """gates (*batch, 4 n) and a cell state (*batch, n)."""
    return st.tuples(testing.shapes(max_dims=2), st.integers(1, 3)).map(
        lambda bn: (((*bn[0], 4 * bn[1]), (*bn[0], bn[1])), {}))


def _np_gates(gates: np.ndarray) -> list[np.ndarray]:
    return np.split(gates, 4, axis=-1)  # i, f, g, o


SPECS += [
    OpSpec("lstm_gates", 1, lambda gates: apply(OPS["lstm_gates"], gates),
           lambda gates: np.concatenate([_np_sigmoid(_np_gates(gates)[0]),
                                         _np_sigmoid(_np_gates(gates)[1]),
                                         np.tanh(_np_gates(gates)[2]),
                                         _np_sigmoid(_np_gates(gates)[3])], axis=-1),
           (_D("lstm_gates"),), _lstm_cases().map(lambda case: (case[0][:1], case[1]))),
    OpSpec("lstm_c", 2, lambda acts, c: apply(OPS["lstm_c"], acts, c),
           lambda acts, c: _np_gates(acts)[1] * c + _np_gates(acts)[0] * _np_gates(acts)[2],
           (_D("lstm_c"),) * 2, _lstm_cases()),
    OpSpec("lstm_h", 2, lambda acts, c: apply(OPS["lstm_h"], acts, c),
           lambda acts, c: _np_gates(acts)[3] * np.tanh(c),
           (_D("lstm_h"),) * 2, _lstm_cases()),
]


# ------------------------------------------------------------------------ more primitives
def _elementwise(fn: Callable) -> Callable[..., np.ndarray]:
    """A reference applying a Python scalar function element by element."""
    return lambda *arrays: np.vectorize(fn, otypes=[np.float64])(*arrays)


def _np_erf(a: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # an independent implementation of erf
    return erf(a)


def _np_asin(a: np.ndarray) -> np.ndarray:
    return np.arctan2(a, np.sqrt(1 - a * a))


_ROUNDING_REFS = {"floor": math.floor, "ceil": math.ceil, "round": round, "trunc": math.trunc,
                  "sign": lambda v: float((v > 0) - (v < 0))}
_DIVISOR = st.one_of(testing.floats(-2.0, -1.0), testing.floats(1.0, 2.0))


def _along_axis() -> st.SearchStrategy[Case]:
    return _unary_with(lambda s: st.integers(-len(s), len(s) - 1).map(lambda a: {"axis": a}),
                       shapes=testing.shapes(min_dims=1))


def _np_cumsum(a: np.ndarray, axis: int) -> np.ndarray:  # a lower-triangular matrix product
    n = a.shape[axis]
    return np.moveaxis(np.moveaxis(a, axis, -1) @ np.triu(np.ones((n, n))), -1, axis)


def _np_cumprod(a: np.ndarray, axis: int) -> np.ndarray:
    last = np.moveaxis(a, axis, -1)
    out = np.stack([np.prod(last[..., :j + 1], axis=-1) for j in range(last.shape[-1])], -1)
    return np.moveaxis(out, -1, axis)


_EINSUM_SPECS = ["ij,jk->ik", "i,j->ij", "bij,bjk->bik", "ij,ij->", "ii,i->i", "ij,k->jk",
                 "ij,j->i", "...i,i->...", "ji,ij"]


@st.composite
def _einsum_case(draw: Callable) -> Case:
    """A two-operand spec (with a diagonal, a letter summed in one operand, an ellipsis)."""
    spec = draw(st.sampled_from(_EINSUM_SPECS))
    sizes = {c: draw(st.integers(1, 3)) for c in sorted(set(spec) - set(",->."))}
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    shapes = tuple(lead * ("..." in t) + tuple(sizes[c] for c in t.replace("...", ""))
                   for t in spec.split("->")[0].split(","))
    return shapes, {"spec": spec}


def _np_einsum(a: np.ndarray, b: np.ndarray, spec: str) -> np.ndarray:
    """einsum by explicit loops over every letter's range (no np.einsum)."""
    if "->" not in spec:
        spec += "->" + "".join(sorted(c for c in spec if c.isalpha() and spec.count(c) == 1))
    lead = a.ndim - len(spec.split(",")[0].replace("...", ""))
    spec = spec.replace("...", "".join("ABC"[:lead]))
    (ta, tb), out = spec.split("->")[0].split(","), spec.split("->")[1]
    size = dict(zip(ta, a.shape)) | dict(zip(tb, b.shape))
    letters = sorted(size)
    result = np.zeros(tuple(size[c] for c in out))
    for values in np.ndindex(*(size[c] for c in letters)):
        at = dict(zip(letters, values))
        result[tuple(at[c] for c in out)] += (a[tuple(at[c] for c in ta)]
                                              * b[tuple(at[c] for c in tb)])
    return result


SPECS += [
    OpSpec("asin", 1, lambda a: a.asin(), _np_asin, (_D("asin"),), _unary()),
    OpSpec("acos", 1, lambda a: a.acos(), lambda a: np.pi / 2 - _np_asin(a), (_D("acos"),),
           _unary()),
    OpSpec("atan", 1, lambda a: a.atan(), lambda a: np.angle(1 + 1j * a), (_D("atan"),),
           _unary()),
    OpSpec("sinh", 1, lambda a: a.sinh(), lambda a: (np.exp(a) - np.exp(-a)) / 2,
           (_D("sinh"),), _unary()),
    OpSpec("cosh", 1, lambda a: a.cosh(), lambda a: (np.exp(a) + np.exp(-a)) / 2,
           (_D("cosh"),), _unary()),
    OpSpec("asinh", 1, lambda a: a.asinh(), _elementwise(math.asinh), (_D("asinh"),),
           _unary()),
    OpSpec("acosh", 1, lambda a: a.acosh(), lambda a: np.log(a + np.sqrt(a * a - 1)),
           (_D("acosh"),), _unary()),
    OpSpec("atanh", 1, lambda a: a.atanh(), lambda a: 0.5 * np.log((1 + a) / (1 - a)),
           (_D("atanh"),), _unary()),
    OpSpec("erf", 1, lambda a: a.erf(), _np_erf, (_D("erf"),), _unary()),
    OpSpec("log1p", 1, lambda a: a.log1p(), _elementwise(math.log1p), (_D("log1p"),),
           _unary()),
    OpSpec("expm1", 1, lambda a: a.expm1(), _elementwise(math.expm1), (_D("expm1"),),
           _unary()),
    OpSpec("rounding", 1, lambda a, mode: getattr(a, mode)(),
           lambda a, mode: _elementwise(_ROUNDING_REFS[mode])(a), (_D("rounding"),),
           _unary_with(lambda s: st.sampled_from(sorted(_ROUNDING_REFS)).map(
               lambda m: {"mode": m}))),
    OpSpec("fmod", 2, lambda a, b: a.fmod(b), _elementwise(math.fmod),
           (_D("fmod"), _DIVISOR), _binary()),
    OpSpec("remainder", 2, lambda a, b: a % b, _elementwise(lambda x, y: x % y),
           (_D("remainder"), _DIVISOR), _binary()),
    OpSpec("astype", 1, lambda a: apply(OPS["astype"], a, dtype=a.dtype), lambda a: a + 0.0,
           (_D("astype"),), _unary()),
    OpSpec("cumsum", 1, lambda a, axis: a.cumsum(axis), _np_cumsum, (_D("cumsum"),),
           _along_axis()),
    OpSpec("cumprod", 1, lambda a, axis: a.cumprod(axis), _np_cumprod, (_D("cumprod"),),
           _along_axis()),
    OpSpec("einsum", 2, lambda a, b, spec: autograd.einsum(spec, a, b), _np_einsum,
           (_D("einsum"), _D("einsum")), _einsum_case()),
]

# ------------------------------------------------------------------------ scalar rules
_VD = testing.domain


def _ref_sigmoid(x: float) -> float:
    return 0.5 + 0.5 * math.tanh(0.5 * x)  # not the 1 / (1 + e^-x) the rule computes


def _ref_pow(a: float, b: float) -> float:
    return math.exp(b * math.log(a))  # a > 0 in the domain


def _ref_tanh(a: float) -> float:
    return math.expm1(2 * a) / (math.expm1(2 * a) + 2.0)


def _ref_sin(a: float) -> float:
    return math.cos(a - math.pi / 2)


def _ref_cos(a: float) -> float:
    return math.sin(a + math.pi / 2)


VALUE_SPECS: list[ValueSpec] = [
    # add, mul and div are single IEEE operations: the Python operator is the only reference
    ValueSpec("add", 2, lambda a, b: a + b, lambda a, b: a + b, (_VD("add"), _VD("add"))),
    ValueSpec("mul", 2, lambda a, b: a * b, lambda a, b: a * b, (_VD("mul"), _VD("mul"))),
    ValueSpec("div", 2, lambda a, b: a / b, lambda a, b: a / b, (_VD("add"), _VD("div"))),
    ValueSpec("pow", 2, lambda a, b: a ** b, _ref_pow, (_VD("pow"), _EXPONENT)),
    ValueSpec("pow", 1, lambda a, k: a ** k, lambda a, k: _ref_pow(a, k), (_VD("pow"),),
              {"k": _EXPONENT}),
    ValueSpec("exp", 1, lambda a: a.exp(), lambda a: math.e ** a, (_VD("exp"),)),
    ValueSpec("log", 1, lambda a: a.log(), lambda a: math.log1p(a - 1.0), (_VD("log"),)),
    ValueSpec("sqrt", 1, lambda a: a.sqrt(), lambda a: math.pow(a, 0.5), (_VD("sqrt"),)),
    ValueSpec("tanh", 1, lambda a: a.tanh(), _ref_tanh, (_VD("tanh"),)),
    ValueSpec("sigmoid", 1, lambda a: a.sigmoid(), _ref_sigmoid, (_VD("sigmoid"),)),
    ValueSpec("relu", 1, lambda a: a.relu(), lambda a: max(a, 0.0), (_VD("relu"),)),
    ValueSpec("leaky_relu", 1, lambda a, slope: a.leaky_relu(slope),
              lambda a, slope: max(a, 0.0) + slope * min(a, 0.0), (_VD("leaky_relu"),),
              {"slope": testing.floats(0.0, 0.5)}),
    ValueSpec("softplus", 1, lambda a: a.softplus(), lambda a: math.log1p(math.exp(a)),
              (_VD("softplus"),)),
    ValueSpec("abs", 1, abs, lambda a: math.sqrt(a * a), (_VD("abs"),)),
    ValueSpec("sin", 1, lambda a: a.sin(), _ref_sin, (_VD("sin"),)),
    ValueSpec("cos", 1, lambda a: a.cos(), _ref_cos, (_VD("cos"),)),
    ValueSpec("sum", 3, lambda *xs: Value.sum(xs), lambda *xs: (xs[0] + xs[1]) + xs[2],
              (_VD("sum"),) * 3),
    ValueSpec("dot", 5, lambda w0, w1, x0, x1, b: Value.dot([w0, w1], [x0, x1], b),
              lambda w0, w1, x0, x1, b: math.fsum([w0 * x0, w1 * x1, b]), (_VD("dot"),) * 5),
]


# ------------------------------------------------------------------------ window primitives
from window_specs import (fold_case, np_fold, np_pad, np_windows, pad_cases,  # noqa: E402
                          window_params)

SPECS += [
    OpSpec("pad", 1, lambda a, widths, value: apply(OPS["pad"], a, widths=widths, value=value),
           np_pad, (_REAL,), pad_cases()),
    OpSpec("windows", 1, lambda a, **kw: apply(OPS["windows"], a, **kw), np_windows,
           (_REAL,), window_params().map(lambda p: ((p[0],), p[1]))),
    OpSpec("fold", 1, lambda a, **kw: apply(OPS["fold"], a, **kw), np_fold, (_REAL,),
           window_params().map(fold_case)),
    OpSpec("max_pool", 1, lambda a, **kw: apply(OPS["max_pool"], a, **kw),
           lambda a, **kw: np_windows(a, **kw).max(axis=tuple(range(-len(kw["kernel"]), 0))),
           (_REAL,), window_params().map(lambda p: ((p[0],), p[1])), distinct=True),
]
