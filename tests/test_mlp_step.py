"""A 784-128-10 MLP training step written with Tensor ops gives plain numpy's numbers."""
import numpy as np
import pytest

import nn
from autograd import Tensor


def numpy_step(x, y, w1, b1, w2, b2, lr):
    """Forward, softmax cross-entropy and its backward written out by hand."""
    z = x @ w1 + b1
    h = np.maximum(z, 0)
    logits = h @ w2 + b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = -np.log(p[rows, y]).mean()
    d = p.copy()
    d[rows, y] -= 1
    d /= len(y)
    dh = (d @ w2.T) * (z > 0)
    grads = [x.T @ dh, dh.sum(0), h.T @ d, d.sum(0)]
    return loss, [w - lr * g for w, g in zip((w1, b1, w2, b2), grads)]


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize("batch", [1, 32])
def test_tensor_step_equals_numpy_step(dtype, rtol, batch):
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, 784)).astype(dtype)
    y = rng.integers(0, 10, batch)
    params = [(rng.standard_normal(s) * 0.05).astype(dtype) for s in [(784, 128), (128,),
                                                                     (128, 10), (10,)]]
    expected_loss, expected = numpy_step(x, y, *params, lr=0.1)

    w1, b1, w2, b2 = ws = [Tensor(p.copy(), requires_grad=True) for p in params]
    logits = (Tensor(x) @ w1 + b1).relu() @ w2 + b2
    loss = -logits.log_softmax(axis=1)[np.arange(batch), y].mean()
    loss.backward()
    for w in ws:
        w.data -= 0.1 * w.grad
    assert loss.dtype == dtype and np.isclose(loss.item(), expected_loss, rtol=rtol)
    for w, e in zip(ws, expected):
        assert w.data.dtype == dtype and w.grad.dtype == dtype
        np.testing.assert_allclose(w.data, e, rtol=rtol, atol=rtol * 1e-3)

    model = nn.Sequential(nn.Linear(784, 128, dtype=dtype), nn.ReLU(),
                          nn.Linear(128, 10, dtype=dtype))
    model.load_state_dict({"0.weight": params[0].T, "0.bias": params[1],
                           "2.weight": params[2].T, "2.bias": params[3]})
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    assert np.isclose(loss.item(), expected_loss, rtol=rtol)
    for (name, p), e in zip(model.named_parameters(), expected):
        np.testing.assert_allclose(p.data.T if name.endswith("weight") else p.data, e,
                                   rtol=rtol, atol=rtol * 1e-3)
