"""Factories: sizes as f(2, 3) or f((2, 3)), dtypes by name, torch's default dtypes,
reproducible random draws."""
from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


@pytest.mark.parametrize("make, fill", [(ag.zeros, 0.0), (ag.ones, 1.0)])
def test_zeros_and_ones_take_sizes_either_way(make, fill):
    for t in (make(2, 3), make((2, 3))):
        assert t.shape == (2, 3) and t.dtype == np.float64 and np.all(t.data == fill)
    assert make(2, dtype="float32").dtype == np.float32
    assert make(3, requires_grad=True).requires_grad


def test_full_arange_linspace_eye_follow_torch_dtypes():
    assert ag.full((2,), 7).dtype == np.int64 and ag.full((2,), 0.5).dtype == np.float64
    assert ag.full(3, True).dtype == np.bool_
    np.testing.assert_array_equal(ag.arange(5).data, np.arange(5))
    assert ag.arange(5).dtype == np.int64 and ag.arange(0, 1, 0.25).dtype == np.float64
    np.testing.assert_allclose(ag.linspace(0, 1, 5).data, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(ag.eye(2, 3).data, np.eye(2, 3))
    assert ag.empty(2, 2).shape == (2, 2)
    assert ag.tensor([1, 2]).dtype == np.int64 and ag.tensor([1.0], dtype=np.float32).dtype \
        == np.float32


def test_random_factories_are_reproducible():
    assert np.array_equal(ag.randn(3, seed=1).data, ag.randn(3, seed=1).data)
    gen = np.random.default_rng(0)
    a = ag.rand(2, 2, generator=gen)
    assert np.all((a.data >= 0) & (a.data < 1)) and a.dtype == np.float64
    r = ag.randint(3, 7, (50,), seed=0)
    assert r.dtype == np.int64 and r.data.min() >= 3 and r.data.max() < 7
    assert ag.randn_like(ag.zeros(2, dtype="float32"), seed=0).dtype == np.float32
    with pytest.raises(ValueError, match="generator= or seed="):
        ag.rand(2, generator=gen, seed=1)


def test_like_factories_and_new_methods_keep_shape_and_dtype():
    t = Tensor(np.ones((2, 3), dtype=np.float32))
    for made in (ag.zeros_like(t), ag.ones_like(t), ag.full_like(t, 2.0), ag.rand_like(t),
                 t.new_zeros(2, 3), t.new_ones((2, 3)), t.new_full((2, 3), 4)):
        assert made.shape == (2, 3) and made.dtype == np.float32
    assert ag.zeros_like(t, dtype="int64").dtype == np.int64


def test_a_tensor_copies_its_data():
    source = np.zeros(3)
    t = ag.tensor(source)
    source[0] = 1.0
    assert t.data[0] == 0.0


def test_factories_match_torch():
    torch = pytest.importorskip("torch")
    assert ag.arange(2, 9, 3).tolist() == torch.arange(2, 9, 3).tolist()
    np.testing.assert_allclose(ag.linspace(-1, 2, 7).data, torch.linspace(-1, 2, 7).double())
    assert ag.full((2,), 3).tolist() == torch.full((2,), 3).tolist()
