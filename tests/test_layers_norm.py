"""BatchNorm, LayerNorm and Embedding: hand-written numpy references, gradcheck, PyTorch
parity (state_dict both ways, train and eval, running statistics after several steps), bad
input."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
import nn.functional as F
from autograd import Tensor
from autograd.gradcheck import gradcheck, gradgradcheck
from test_layers_conv import check_parity

RNG = np.random.default_rng(1)


# ------------------------------------------------------------------------ references
def test_batch_norm_training_normalises_and_updates_running_stats_by_hand():
    x = RNG.standard_normal((6, 3, 2, 2)) * 3 + 1
    bn = nn.BatchNorm2d(3, momentum=0.25)
    out = bn(Tensor(x)).data
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    ref = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(out, ref, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, 0.25 * mean)
    np.testing.assert_allclose(bn.running_var, 0.75 + 0.25 * var * 24 / 23)  # unbiased
    assert bn.num_batches_tracked == 1
    bn.eval()
    np.testing.assert_allclose(bn(Tensor(x)).data, (x - 0.25 * mean[None, :, None, None])
                               / np.sqrt(bn.running_var[None, :, None, None] + 1e-5))


def test_momentum_none_is_a_cumulative_average():
    bn, batches = nn.BatchNorm1d(2, momentum=None), [RNG.standard_normal((5, 2)) for _ in range(3)]
    for b in batches:
        bn(Tensor(b))
    np.testing.assert_allclose(bn.running_mean, np.mean([b.mean(0) for b in batches], 0))
    assert bn.num_batches_tracked == 3


@given(st.sampled_from([(4, 3), (3, 2, 4), (2, 3, 2, 2)]), st.booleans(), st.integers(0, 99))
def test_normalization_gradients_match_finite_differences(shape, training, seed):
    r = np.random.default_rng(seed)
    x, w, b = r.standard_normal(shape), r.standard_normal(shape[1]), r.standard_normal(shape[1])
    mean, var = r.standard_normal(shape[1]), r.uniform(0.5, 2, shape[1])

    def f(x, w, b):
        return F.batch_norm(x, mean.copy(), var.copy(), w, b, training=training)
    assert gradcheck(f, [x, w, b]) and gradgradcheck(f, [x, w, b])
    last = shape[-1:]
    assert gradcheck(lambda x, w, b: F.layer_norm(x, last, w, b),
                     [x, r.standard_normal(last), r.standard_normal(last)])


def test_layer_norm_by_hand():
    x = RNG.standard_normal((2, 3, 4))
    ln = nn.LayerNorm((3, 4))
    ln.weight.data[...] = 2.0
    flat = x.reshape(2, -1)
    ref = (flat - flat.mean(1, keepdims=True)) / np.sqrt(flat.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(ln(Tensor(x)).data, 2 * ref.reshape(x.shape), atol=1e-12)
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None


def test_embedding_rows_and_gradient_counts_and_padding_row():
    emb = nn.Embedding(5, 3, padding_idx=-1, rng=0)  # -1 is row 4, as in PyTorch
    assert emb.padding_idx == 4 and not emb.weight.data[4].any()
    assert 0.5 < emb.weight.data[:4].std() < 1.5  # N(0, 1)
    idx = np.array([[0, 2, 4], [2, 2, 1]])
    out = emb(idx)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [1, 1, 3, 0, 0])
    emb.weight.data[4] = 7.0  # a set padding row is returned, and still gets no gradient
    assert (emb(np.array([4])).data == 7.0).all()
    one = F.one_hot(np.array([2, 0]), 3)
    assert one.dtype == np.int64 and one.data.tolist() == [[0, 0, 1], [1, 0, 0]]


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("layer, x, error, pattern", [
    (nn.BatchNorm2d(3), np.zeros((2, 4, 2, 2)), ValueError,
     r"BatchNorm2d: expected 3 channels \(axis 1\), got input of shape \(2, 4, 2, 2\)"),
    (nn.BatchNorm2d(3), np.zeros((2, 3, 2)), ValueError,
     r"BatchNorm2d: expected a 4-D input, got shape \(2, 3, 2\)"),
    (nn.BatchNorm1d(3), np.zeros((1, 3)), ValueError,
     r"BatchNorm1d: expected more than 1 value per channel when training, got .*\(1, 3\)"),
    (nn.LayerNorm((3, 4)), np.zeros((2, 4, 3)), ValueError,
     r"LayerNorm: expected input whose last axes are \(3, 4\), got shape \(2, 4, 3\)"),
    (nn.Embedding(4, 2), np.array([[0, 4]]), IndexError,
     r"Embedding: index 4 out of range for 4 embeddings \(expected 0..3\), in input of shape "
     r"\(1, 2\)"),
    (nn.Embedding(4, 2), np.array([-1]), IndexError, r"Embedding: index -1 out of range"),
    (nn.Embedding(4, 2), np.array([0.0]), TypeError,
     r"Embedding: expected integer indices, got dtype float64"),
])
def test_bad_input_names_the_layer_the_expected_and_the_given(layer, x, error, pattern):
    with pytest.raises(error, match=pattern):
        layer(x if x.dtype.kind == "i" else Tensor(x))


# ------------------------------------------------------------------------ PyTorch parity
NORM_CASES = [
    ("BatchNorm1d", (3,), {}, (5, 3)),
    ("BatchNorm1d", (3,), dict(momentum=None), (4, 3, 6)),
    ("BatchNorm1d", (3,), dict(affine=False, eps=1e-3), (4, 3)),
    ("BatchNorm2d", (3,), {}, (4, 3, 2, 5)),
    ("BatchNorm2d", (3,), dict(momentum=0.5, track_running_stats=False), (4, 3, 2, 2)),
    ("LayerNorm", (6,), {}, (2, 4, 6)),
    ("LayerNorm", ((4, 6),), dict(eps=1e-3, bias=False), (2, 4, 6)),
    ("LayerNorm", ((4, 6),), dict(elementwise_affine=False), (3, 4, 6)),
]


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name, args, kwargs, shape", NORM_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(NORM_CASES)])
def test_matches_pytorch(name, args, kwargs, shape, train):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(shape) * 2 + 0.5
    check_parity(getattr(nn, name)(*args, **kwargs),
                 lambda: getattr(torch.nn, name)(*args, **kwargs), x, train=train, steps=3)


def test_batch_norm_trained_then_evaluated_matches_pytorch():
    """Running statistics after a few training steps, then the eval-mode output."""
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm2d(3, momentum=0.3)
    x = RNG.standard_normal((4, 3, 3, 3)) + 2
    check_parity(ours, lambda: torch.nn.BatchNorm2d(3, momentum=0.3), x, train=True, steps=4)
    theirs = torch.nn.BatchNorm2d(3).double()
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    assert int(theirs.num_batches_tracked) == 4
    check_parity(ours, lambda: theirs, x, train=False)


def test_embedding_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Embedding(6, 3, padding_idx=2), torch.nn.Embedding(6, 3, padding_idx=2)
    theirs = theirs.double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    idx = np.array([[0, 2, 5], [2, 1, 1]])
    yo, yt = ours(idx), theirs(torch.from_numpy(idx))
    g = RNG.standard_normal(yo.shape)
    yo.backward(g), yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-7,
                               atol=1e-7)
