"""Module state beyond parameters: a Parameter keeps its dtype; buffers are saved, loaded
and named like PyTorch's, and a load that fails changes nothing."""
from __future__ import annotations

import numpy as np
import pytest

import nn


class Counter(nn.Module):
    """A layer with one parameter and two buffers, as BatchNorm has."""

    def __init__(self) -> None:
        self.weight = nn.Parameter(np.ones(3, dtype=np.float32))
        self.register_buffer("running_mean", np.zeros(3, dtype=np.float32))
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))


def test_a_parameter_keeps_a_float_dtype_and_turns_integers_into_float64():
    assert nn.Parameter(np.ones(2, dtype=np.float32)).dtype == np.float32
    assert nn.Parameter(np.ones(2, dtype=np.float32), dtype=np.float64).dtype == np.float64
    assert nn.Parameter([1, 2]).dtype == np.float64
    layer = nn.Linear(2, 3, dtype=np.float32)
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    layer.load_state_dict({"weight": np.ones((3, 2)), "bias": np.ones(3)})  # float64 in
    assert layer.weight.dtype == np.float32


def test_buffers_are_in_the_state_dict_after_parameters_with_dotted_names():
    model = nn.Sequential(nn.Linear(2, 3), Counter())
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.running_mean",
                                        "1.num_batches_tracked"]
    assert [name for name, _ in model.named_buffers()] == ["1.running_mean",
                                                           "1.num_batches_tracked"]
    assert "1.running_mean" not in dict(model.named_parameters())
    state = model.state_dict()
    assert state["1.num_batches_tracked"].dtype == np.int64
    state["1.running_mean"][:] = 7  # a copy: the model is untouched
    assert model[1].running_mean[0] == 0


def test_buffers_load_in_place_and_a_bad_key_changes_nothing():
    model, other = Counter(), Counter()
    other.running_mean += 2.5
    other.num_batches_tracked += 4
    other.weight.data *= 3
    keep = model.running_mean
    model.load_state_dict(other.state_dict())
    assert model.running_mean is keep and list(keep) == [2.5] * 3
    assert int(model.num_batches_tracked) == 4 and list(model.weight.data) == [3.0] * 3
    fresh = Counter()
    bad = dict(other.state_dict(), running_mean=np.zeros(4))
    with pytest.raises(ValueError, match=r"running_mean: shape \(4,\)"):
        fresh.load_state_dict(bad)
    assert list(fresh.weight.data) == [1.0] * 3  # the good key was not copied either
    with pytest.raises(ValueError, match="num_batches_tracked: dtype complex128"):
        fresh.load_state_dict(dict(other.state_dict(), num_batches_tracked=np.array(1j)))
    with pytest.raises(ValueError, match="dtype float64 cannot be loaded into int64"):
        fresh.load_state_dict(dict(other.state_dict(), num_batches_tracked=np.array(1.5)))
