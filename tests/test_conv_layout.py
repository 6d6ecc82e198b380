"""Memory layouts along the CNN step: a convolution's output is channels-last in memory, and
max_pool and its gradient keep that layout (ufuncs over mixed layouts run several times
slower); the bias gradient of linear as ones @ G keeps the dtype and merges leading axes."""
from __future__ import annotations

import importlib

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import nn
import nn.functional as F
from autograd import Tensor, testing
from autograd.gradcheck import gradcheck

windows = importlib.import_module("autograd.windows")  # the module, not the primitive


def _channels_last(shape):
    """A (N, C, H, W) array whose memory is laid out (N, H, W, C), as a convolution's output."""
    n, c, h, w = shape
    return np.random.default_rng(0).standard_normal((n, h, w, c)).transpose(0, 3, 1, 2)


def _axis_order(a):
    """The axes of `a` from the largest stride to the smallest (its memory layout)."""
    return tuple(np.argsort([-s for s in a.strides], kind="stable"))


def test_conv_output_is_channels_last():
    conv = nn.Conv2d(2, 5, 3, padding=1, rng=0)
    y = conv(Tensor(np.ones((3, 2, 6, 6))))
    assert y.shape == (3, 5, 6, 6) and _axis_order(y.data) == (0, 2, 3, 1)


def test_max_pool_keeps_its_input_layout():
    a = _channels_last((2, 3, 6, 6))
    out = windows._max_pool(a, (2, 2), (2, 2), (1, 1))
    assert _axis_order(out) == (0, 2, 3, 1)
    np.testing.assert_array_equal(out, a.reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5)))


def test_max_pool_gradient_in_the_input_layout_from_a_c_ordered_gradient():
    a = _channels_last((2, 3, 4, 4))
    out = windows._max_pool(a, (2, 2), (2, 2), (1, 1))
    g = np.arange(out.size, dtype=float).reshape(out.shape)  # C-ordered, as after Flatten
    total = windows._max_pool_vjp(g, out, a, (2, 2), (2, 2), (1, 1))
    assert _axis_order(total) == (0, 2, 3, 1)
    expected = np.zeros_like(a)
    blocks = a.reshape(2, 3, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 2, 2, 4)
    first = blocks.argmax(axis=-1)
    for idx in np.ndindex(first.shape):
        i, j = divmod(first[idx], 2)
        expected[idx[0], idx[1], 2 * idx[2] + i, 2 * idx[3] + j] = g[idx]
    np.testing.assert_array_equal(total, expected)


def test_tiles():
    assert windows._tiles((3, 4, 6), (2, 3), (2, 3), (1, 1))
    assert not windows._tiles((5, 4), (2, 2), (2, 2), (1, 1))  # the last row is in no window
    assert not windows._tiles((4, 4), (2, 2), (1, 1), (1, 1))  # overlapping windows
    assert not windows._tiles((4, 4), (1, 2), (2, 2), (1, 1))  # gaps between windows
    assert not windows._tiles((4, 4), (2, 2), (2, 2), (2, 1))  # dilated: holes


def test_max_pool_gradient_of_an_untiled_input_is_zero_outside_the_windows():
    x = Tensor(np.random.default_rng(1).standard_normal((2, 3, 5, 7)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert not x.grad[:, :, 4].any() and not x.grad[:, :, :, 6].any()
    assert (x.grad[:, :, :4, :6].reshape(2, 3, 2, 2, 3, 2).sum(axis=(3, 5)) == 1).all()


def test_max_pool_ties_go_to_the_first_maximum_in_a_channels_last_input():
    a = np.zeros((1, 4, 4, 2)).transpose(0, 3, 1, 2)  # ReLU's zeros: every window ties
    a[0, 1, 1, 1] = a[0, 1, 1, 0] = 1.0  # a tie of two ones in channel 1, window (0, 0)
    x = Tensor(a, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    expected = np.zeros((1, 2, 4, 4))
    expected[0, :, ::2, ::2] = 1.0
    expected[0, 1, 0, 0], expected[0, 1, 1, 0] = 0.0, 1.0
    np.testing.assert_array_equal(x.grad, expected)


@given(testing.arrays(st.tuples(st.integers(1, 2), st.integers(2, 5), st.integers(2, 5),
                                st.integers(1, 3)), distinct=True),
       st.sampled_from([(2, None), (2, 1), (3, 2)]))
def test_max_pool_gradcheck_channels_last(nhwc, pool):
    """max_pool of a channels-last view, then Flatten (a C-ordered gradient comes back)."""
    kernel, stride = pool
    if min(nhwc.shape[1:3]) < kernel:
        return
    assert gradcheck(lambda t: F.max_pool2d(t.permute(0, 3, 1, 2), kernel, stride).flatten(1),
                     [nhwc])


@given(testing.arrays(testing.shapes(min_dims=1, max_dims=3, max_side=5)),
       st.sampled_from([np.float32, np.float64]))
def test_linear_bias_gradient_sums_every_leading_axis(g, dtype):
    x = Tensor(np.ones(g.shape[:-1] + (2,), dtype))
    w = Tensor(np.ones((g.shape[-1], 2), dtype), requires_grad=True)
    b = Tensor(np.zeros(g.shape[-1], dtype), requires_grad=True)
    F.linear(x, w, b).backward(g.astype(dtype))
    assert b.grad.dtype == dtype and b.grad.shape == (g.shape[-1],)
    np.testing.assert_allclose(b.grad, g.reshape(-1, g.shape[-1]).sum(axis=0),
                               rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-4)


@given(testing.arrays(st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3))))
def test_linear_gradcheck_3d(x):
    w, b = np.linspace(-1, 1, 2 * x.shape[-1]).reshape(2, -1), np.array([0.5, -0.25])
    assert gradcheck(lambda x, w, b: F.linear(x, w, b), [x, w, b])
