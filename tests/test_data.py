"""Tests for nn.data: the `batches` generator and `DataLoader`."""
from __future__ import annotations

import numpy as np
import pytest

import nn
from nn.data import DataLoader, batches

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10) * 10


def test_batches_in_order_cover_every_row_once():
    out = list(batches(X, Y, batch_size=4))
    assert [len(b[0]) for b in out] == [4, 4, 2]
    assert all(isinstance(b, tuple) and len(b) == 2 for b in out)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in out]), X)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in out]), Y)


def test_single_array_still_gives_tuples_and_drop_last_drops_the_remainder():
    out = list(batches(X, batch_size=3, drop_last=True))
    assert [b[0].shape for b in out] == [(3, 2)] * 3
    assert list(batches(X, batch_size=10, drop_last=True))[0][0].shape == (10, 2)
    assert list(batches(X, batch_size=11, drop_last=True)) == []
    assert [len(b[0]) for b in batches(X, batch_size=32)] == [10]


def test_shuffle_is_a_reproducible_aligned_permutation():
    out = list(batches(X, Y, batch_size=3, shuffle=True, seed=0))
    xs = np.concatenate([b[0] for b in out])
    ys = np.concatenate([b[1] for b in out])
    np.testing.assert_array_equal(xs[:, 0] * 5, ys)  # rows stay paired
    assert sorted(ys.tolist()) == Y.tolist() and ys.tolist() != Y.tolist()
    again = np.concatenate([b[1] for b in batches(X, Y, batch_size=3, shuffle=True, seed=0)])
    np.testing.assert_array_equal(ys, again)
    other = np.concatenate([b[1] for b in batches(X, Y, batch_size=3, shuffle=True, seed=1)])
    assert other.tolist() != ys.tolist()


def test_lists_are_accepted():
    out = list(batches([1, 2, 3], [4, 5, 6], batch_size=2))
    np.testing.assert_array_equal(out[0][1], [4, 5])


def test_mismatched_lengths_and_bad_arguments_are_refused_at_call_time():
    with pytest.raises(ValueError, match=r"same first dimension.*\[10, 9\]"):
        batches(X, Y[:9])
    with pytest.raises(ValueError, match="batch_size"):
        batches(X, batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        batches(X, batch_size=2.5)
    with pytest.raises(ValueError, match="at least one array"):
        batches()
    with pytest.raises(ValueError, match=r"\[10, 9\]"):
        DataLoader(X, Y[:9], batch_size=2)


def test_dataloader_length_and_plain_order():
    loader = DataLoader(X, Y, batch_size=4)
    assert len(loader) == 3 and len(DataLoader(X, batch_size=4, drop_last=True)) == 2
    assert len(list(DataLoader(X, batch_size=4, drop_last=True))) == 2
    first = [b[1].tolist() for b in loader]
    assert first == [[0, 10, 20, 30], [40, 50, 60, 70], [80, 90]]
    assert [b[1].tolist() for b in loader] == first


def test_dataloader_reshuffles_each_epoch_reproducibly():
    def epochs(seed):
        loader = DataLoader(X, Y, batch_size=3, shuffle=True, seed=seed)
        return [np.concatenate([b[1] for b in loader]).tolist() for _ in range(3)]
    a = epochs(0)
    assert all(sorted(e) == Y.tolist() for e in a)
    assert a[0] != a[1] != a[2]
    assert a == epochs(0)
    assert a != epochs(1)


def test_exported_from_nn():
    assert nn.batches is batches and nn.DataLoader is DataLoader
