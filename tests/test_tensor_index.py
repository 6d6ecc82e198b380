"""Shape methods, reductions, scans, sorting and indexing: values and gradients against
torch (torch's indexing rule where it differs from numpy's), gradcheck over drawn inputs."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Tensor, testing
from autograd.gradcheck import gradcheck

X = np.array([[[3.0, -1.0, 2.0, 2.0], [0.5, 4.0, -2.0, 0.0], [1.0, 1.0, -3.0, 5.0]],
              [[0.0, 2.0, 2.0, -1.0], [6.0, -4.0, 1.5, 1.0], [2.5, 0.0, 0.0, -0.5]]])
IDX = np.array([[[0, 2, 1, 0], [1, 1, 0, 2]], [[2, 0, 0, 1], [0, 2, 1, 1]]])

CASES = {  # name: f(tensor_or_torch_tensor, module) -> output, the same code for both
    "int_beside_index": lambda x, m: x[1, :, m.tensor([0, 3])],
    "index_then_int": lambda x, m: x[m.tensor([1, 0]), 2],
    "mask": lambda x, m: x[x > 1.0],
    "slices": lambda x, m: x[:, 1:, ::2],
    "gather": lambda x, m: x.gather(1, m.tensor(IDX)),
    "scatter_add": lambda x, m: x.scatter_add(1, m.tensor(IDX), x[:, :2] * 2),
    "scatter": lambda x, m: x.scatter(2, m.tensor(np.array([[[3], [0], [1]], [[2], [2], [0]]])),
                                      x[:, :, 1:2] * 3),
    "index_select": lambda x, m: x.index_select(2, m.tensor([3, 0, 3])),
    "masked_fill": lambda x, m: x.masked_fill(m.tensor(X > 1), -7.0),
    "masked_select": lambda x, m: x.masked_select(m.tensor(X[0] < 1)),
    "max_dim": lambda x, m: x.max(2).values, "min_dim": lambda x, m: x.min(1).values,
    "amax_ties": lambda x, m: x.amax(2), "max_all_ties": lambda x, m: x.max(),
    "prod": lambda x, m: x.prod(2), "prod_all": lambda x, m: x.prod(),
    "cumsum": lambda x, m: x.cumsum(1), "cumprod": lambda x, m: x.cumprod(2),
    "cummax": lambda x, m: x.cummax(2).values, "cummin": lambda x, m: x.cummin(1).values,
    "logcumsumexp": lambda x, m: x.logcumsumexp(2),
    "sort": lambda x, m: x.sort(dim=2, descending=True, stable=True).values,
    "topk": lambda x, m: x.topk(2, 1).values,
    "std": lambda x, m: x.std(2), "var0": lambda x, m: x.var(1, correction=0),
    "norm": lambda x, m: x.norm(2, 2), "norm1": lambda x, m: x.norm(1, 1),
    "logsumexp": lambda x, m: x.logsumexp(2), "mean": lambda x, m: x.mean(dim=(0, 2)),
    "sum_keepdim": lambda x, m: x.sum(1, keepdim=True),
    "unsqueeze_squeeze": lambda x, m: x.unsqueeze(1).squeeze(1).squeeze(),
    "flatten": lambda x, m: x.flatten(1), "unflatten": lambda x, m: x.unflatten(2, (2, 2)),
    "expand": lambda x, m: x[:, :1].expand(-1, 5, -1), "repeat": lambda x, m: x.repeat(2, 1, 1, 3),
    "repeat_interleave": lambda x, m: x.repeat_interleave(2, dim=1),
    "flip": lambda x, m: x.flip(0, 2), "roll": lambda x, m: x.roll((1, -1), (1, 2)),
    "roll_flat": lambda x, m: x.roll(3),
    "tril": lambda x, m: x.tril(1), "triu": lambda x, m: x.triu(-1),
    "diagonal": lambda x, m: x.diagonal(1, 1, 2), "diag": lambda x, m: x[0, 0].diag(1),
    "diag2": lambda x, m: x[0].diag(-1),
    "split": lambda x, m: x.split([1, 3], 2)[1], "chunk": lambda x, m: x.chunk(3, 2)[1],
    "narrow": lambda x, m: x.narrow(2, 1, 2), "permute": lambda x, m: x.permute(2, 0, 1),
    "transpose": lambda x, m: x.transpose(0, 2),
    "cat": lambda x, m: m.cat([x, x * 2], dim=1), "stack": lambda x, m: m.stack([x, x], dim=3),
    "einsum": lambda x, m: m.einsum("bij,bkj->bik", x, x),
    "einsum_diag": lambda x, m: m.einsum("ii->i", x[0, :, :3]),
    "bmm": lambda x, m: m.bmm(x, x.transpose(1, 2)),
    "outer": lambda x, m: m.outer(x[0, 0], x[1, 1]),
    "where": lambda x, m: m.where(x > 0, x, x * x),
    "pad_constant": lambda x, m: _pad(m)(x, (1, 2, 0, 1), value=9.0),
    "pad_reflect": lambda x, m: _pad(m)(x, (2, 1), mode="reflect"),
    "pad_replicate": lambda x, m: _pad(m)(x, (1, 3, 2, 0), mode="replicate"),
    "pad_crop": lambda x, m: _pad(m)(x, (-1, 1)),
}


def _pad(m):
    return m.pad if m == ag else m.nn.functional.pad


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_gradient_match_torch(name: str):
    torch = pytest.importorskip("torch")
    ours = Tensor(X, requires_grad=True)
    out = CASES[name](ours, _Mod(ag))
    out.backward(np.linspace(-1, 1, out.size).reshape(out.shape))
    theirs = torch.tensor(X, requires_grad=True)
    tout = CASES[name](theirs, _Mod(torch))
    tout.backward(torch.linspace(-1, 1, tout.numel(), dtype=torch.float64).reshape(tout.shape))
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


class _Mod:
    """The module (autograd or torch), with `tensor` giving an index of the module's kind."""

    def __init__(self, module):
        self._m = module

    def __getattr__(self, name):
        if name == "tensor" and self._m is ag:
            return np.asarray
        return getattr(self._m, name)

    def __eq__(self, other):
        return self._m is other


def test_indices_match_torch():
    torch = pytest.importorskip("torch")
    x, t = Tensor(X), torch.tensor(X)
    for ours, theirs in [(x.argmax(2), t.argmax(2)), (x.argmin(), t.argmin()),
                         (x.max(1).indices, t.max(1).indices),
                         (x.cummax(2).indices, t.cummax(2).indices),
                         (x.cummin(1).indices, t.cummin(1).indices),
                         (x.sort(dim=1, stable=True).indices, t.sort(dim=1, stable=True).indices),
                         (x.argsort(dim=2, descending=True, stable=True),
                          t.argsort(dim=2, descending=True, stable=True)),
                         (x.nonzero(), t.nonzero()), (x.any(1), t.any(1)), (x.all(2), t.all(2))]:
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    np.testing.assert_array_equal(ag.one_hot(np.array([2, 0])).data,
                                  torch.nn.functional.one_hot(torch.tensor([2, 0])).numpy())


def test_setitem_writes_in_place_as_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = Tensor(X.copy()), torch.tensor(X)
    for index in [(1, slice(None), np.array([0, 3])), (X > 2,), (0, 1)]:
        ours[index if len(index) > 1 else index[0]] = 11.0
        theirs[tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
               if len(index) > 1 else torch.tensor(index[0])] = 11.0
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_setitem_refuses_a_leaf_that_requires_grad():
    t = Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        t[0] = 1.0
    with ag.no_grad():
        t[0] = 1.0  # as an optimizer step does
    assert t.data[0] == 1.0
    with pytest.raises(RuntimeError, match="in-place"):
        (t * 2)[0] = 1.0


def test_size_numel_dim_and_conversions():
    t = Tensor(X, requires_grad=True)
    assert t.size() == (2, 3, 4) and t.size(-1) == 4 and t.numel() == 24 and t.dim() == 3
    assert t.ndim == 3 and t.float().dtype == np.float32 and t.long().dtype == np.int64
    assert t.half().dtype == np.float16 and t.bool().dtype == np.bool_ and t.int().dtype \
        == np.int32
    assert t.to("float32").requires_grad and t.type_as(Tensor([1])).dtype == np.int64
    t.float().sum().backward()
    assert t.grad.dtype == np.float64 and np.all(t.grad == 1.0)
    c = t.clone()
    assert c.data is not t.data and c.requires_grad and t.T.contiguous().data.flags.c_contiguous
    with pytest.raises(IndexError, match="size: dimension out of range"):
        t.size(3)


@given(data=st.data())
def test_gathers_and_scatters_pass_gradcheck(data: st.DataObject):
    shape = data.draw(testing.shapes(min_dims=2, max_dims=3))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    index = data.draw(st.lists(st.integers(0, shape[dim] - 1), min_size=1, max_size=4))
    full_index = np.resize(np.array(index), shape[:dim % len(shape)] + (len(index),)
                           + shape[dim % len(shape) + 1:])
    x = data.draw(testing.arrays(shape))
    assert gradcheck(lambda t: t.gather(dim, full_index), [x])
    assert gradcheck(lambda t: t.index_select(dim, np.array(index)), [x])
    src = data.draw(testing.arrays(full_index.shape))
    assert gradcheck(lambda t, s: t.scatter_add(dim, full_index, s), [x, src])
    assert gradcheck(lambda t, s: t.scatter(dim, full_index, s), [x, src])


@given(data=st.data())
def test_shape_compositions_pass_gradcheck(data: st.DataObject):
    shape = data.draw(testing.shapes(min_dims=2, max_dims=3))
    x = data.draw(testing.arrays(shape, -3.0, 3.0, distinct=True))  # ties are kinks of sort
    for f in [lambda t: t.flip(0), lambda t: t.roll(1, 1), lambda t: t.tril(), lambda t:
              t.repeat(2, 1, 1), lambda t: t.diagonal(0, -2, -1), lambda t: ag.pad(
                  t, (1, 1), mode="replicate"), lambda t: t.prod(1), lambda t: t.var(0, correction=0),
              lambda t: t.logcumsumexp(1), lambda t: t.sort(-1).values]:
        assert gradcheck(f, [x])


def test_prod_gradient_is_exact_at_zeros():
    t = Tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0]], requires_grad=True)
    t.prod(1).sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0]])


def test_norm_at_zero_has_a_zero_gradient():
    t = Tensor(np.zeros(3), requires_grad=True)
    t.norm().backward()
    np.testing.assert_array_equal(t.grad, np.zeros(3))


def test_shape_errors_name_the_method():
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"split: sizes \[1, 1, 1\] must add up to 2"):
        t.split([1, 1, 1], 0)
    with pytest.raises(ValueError, match="repeat: needs at least 2 sizes"):
        t.repeat(2)
    with pytest.raises(ValueError, match="pad: mode must be"):
        ag.pad(t, (1, 1), mode="wrap")
    with pytest.raises(IndexError, match=r"topk: k must be in \[0, 3\]"):
        t.topk(4)
    with pytest.raises(ValueError, match="gather: index must be an integer tensor with 2"):
        t.gather(0, np.zeros(3, dtype=int))
