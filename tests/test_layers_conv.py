"""Convolution and pooling layers: against explicit loops and adjoint identities, gradcheck
over drawn shapes, PyTorch parity (state_dict both ways, outputs and gradients), bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
import nn.functional as F
from autograd import Tensor
from autograd.gradcheck import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


# ------------------------------------------------------------------------ references
def _loop_conv2d(x, w, b, stride, padding, dilation, groups):
    """Cross-correlation written out as loops over outputs, channels and kernel offsets."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (wd - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    for j in range(o):
        g = j // (o // groups)
        for i, k, l in np.ndindex(oh, ow, 1):
            for ci in range(cg):
                for p, q in np.ndindex(kh, kw):
                    out[:, j, i, k] += (w[j, ci, p, q]
                                        * x[:, g * cg + ci, i * sh + p * dh, k * sw + q * dw])
        out[:, j] += 0.0 if b is None else b[j]
    return out


@st.composite
def conv_cases(draw):
    """x, weight, bias and conv2d's arguments, small enough for loops and gradcheck."""
    groups = draw(st.integers(1, 2))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    size = [d * (k - 1) + 1 - 2 * p + draw(st.integers(0, 2))
            for k, d, p in zip(kernel, dilation, padding)]
    size = [max(s, 1) for s in size]
    seed = draw(st.integers(0, 2 ** 16))
    r = np.random.default_rng(seed)
    x = r.standard_normal((draw(st.integers(1, 2)), cg * groups, *size))
    w = r.standard_normal((og * groups, cg, *kernel))
    b = r.standard_normal(og * groups) if draw(st.booleans()) else None
    return x, w, b, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@given(conv_cases())
def test_conv2d_matches_loops_and_finite_differences(case):
    x, w, b, kw = case
    out = F.conv2d(Tensor(x), Tensor(w), None if b is None else Tensor(b), **kw)
    np.testing.assert_allclose(out.data, _loop_conv2d(x, w, b, **kw), atol=1e-12)
    inputs = [x, w] + ([] if b is None else [b])
    assert gradcheck(lambda *t: F.conv2d(t[0], t[1], t[2] if len(t) > 2 else None, **kw),
                     inputs)


@given(conv_cases())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(case):
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)> for the same stride/padding/dilation."""
    x, w, _, kw = case
    y = RNG.standard_normal(F.conv2d(Tensor(x), Tensor(w), **kw).shape)
    # output_padding recovers the input rows a strided conv never reaches
    reached = [(m - 1) * s - 2 * p + d * (k - 1) + 1 for m, s, p, d, k in zip(
        y.shape[2:], kw["stride"], kw["padding"], kw["dilation"], w.shape[2:])]
    extra = tuple(n - r for n, r in zip(x.shape[2:], reached))
    if any(e >= max(s, d) for e, s, d in zip(extra, kw["stride"], kw["dilation"])):
        return  # torch's limit on output_padding: not every input size is reachable
    back = F.conv_transpose2d(Tensor(y), Tensor(w), output_padding=extra, **kw)
    assert back.shape == x.shape
    lhs = float((F.conv2d(Tensor(x), Tensor(w), **kw).data * y).sum())
    assert math.isclose(lhs, float((x * back.data).sum()), rel_tol=1e-10, abs_tol=1e-10)
    assert gradgradcheck(lambda t, u: F.conv_transpose2d(t, u, output_padding=extra, **kw),
                         [y, w])


def test_conv1d_is_conv2d_over_one_row():
    x, w, b = RNG.standard_normal((2, 4, 9)), RNG.standard_normal((6, 2, 3)), RNG.standard_normal(6)
    out = F.conv1d(Tensor(x), Tensor(w), Tensor(b), stride=2, padding=1, dilation=2, groups=2)
    ref = _loop_conv2d(x[:, :, None], w[:, :, None], b, (1, 2), (0, 1), (1, 2), 2)[:, :, 0]
    np.testing.assert_allclose(out.data, ref, atol=1e-12)


def test_same_padding_keeps_the_size_and_puts_the_odd_extra_last():
    x, w = RNG.standard_normal((1, 1, 5, 6)), RNG.standard_normal((1, 1, 2, 4))
    out = F.conv2d(Tensor(x), Tensor(w), padding="same")
    padded = np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 2)))
    np.testing.assert_allclose(out.data, _loop_conv2d(padded, w, None, (1, 1), (0, 0), (1, 1), 1))


def _loop_pool(x, k, s, p, reduce, fill):
    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=fill)
    oh, ow = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
    return np.array([[[[reduce(x[a, c, i * s:i * s + k, j * s:j * s + k]) for j in range(ow)]
                       for i in range(oh)] for c in range(x.shape[1])] for a in range(len(x))])


@given(st.integers(1, 3), st.integers(1, 3), st.data())
def test_pools_match_loops(k, s, data):
    p = data.draw(st.integers(0, k // 2))
    x = RNG.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) / 10.0  # distinct: no ties
    np.testing.assert_array_equal(nn.MaxPool2d(k, s, p)(Tensor(x)).data,
                                  _loop_pool(x, k, s, p, np.max, -np.inf))
    np.testing.assert_allclose(nn.AvgPool2d(k, s, p)(Tensor(x)).data,
                               _loop_pool(x, k, s, p, np.mean, 0.0), atol=1e-12)
    np.testing.assert_allclose(nn.AvgPool2d(k, s, p, count_include_pad=False)(Tensor(x)).data,
                               _loop_pool(x, k, s, p, np.nanmean, np.nan), atol=1e-12)
    assert gradcheck(lambda t: F.max_pool2d(t, k, s, p), [x])
    assert gradcheck(lambda t: F.avg_pool2d(t, k, s, p, count_include_pad=False), [x])


def test_max_pool_gives_a_tied_window_gradient_to_its_first_maximum():
    x = Tensor(np.array([[[[1.0, 1.0, 0.0], [1.0, 0.0, 2.0], [2.0, 2.0, 2.0]]]]),
               requires_grad=True)
    F.max_pool2d(x, 2, 1).sum().backward()  # overlapping windows: the gradients add up
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 0, 0], [0, 0, 2], [1, 0, 0]])


def test_adaptive_avg_pool_uses_pytorchs_bins():
    x = RNG.standard_normal((2, 3, 5, 7))
    out = F.adaptive_avg_pool2d(Tensor(x), (3, 4)).data
    for i, j in np.ndindex(3, 4):
        rows = slice(i * 5 // 3, -(-(i + 1) * 5 // 3))
        cols = slice(j * 7 // 4, -(-(j + 1) * 7 // 4))
        np.testing.assert_allclose(out[:, :, i, j], x[:, :, rows, cols].mean(axis=(2, 3)))
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, 2), [x[:1, :1]])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_matches_numpy_with_pytorchs_order(mode):
    x = RNG.standard_normal((2, 3, 4))
    out = F.pad(Tensor(x), (1, 2, 2, 0), mode=mode)  # reflect needs widths below the size
    np_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    np.testing.assert_array_equal(out.data, np.pad(x, ((0, 0), (2, 0), (1, 2)), mode=np_mode))
    assert gradcheck(lambda t: F.pad(t, (1, 2, 2, 0), mode=mode), [x])
    np.testing.assert_array_equal(F.pad(Tensor(x), (-1, 1), value=7.0).data,
                                  np.pad(x[..., 1:], ((0, 0), (0, 0), (0, 1)),
                                         constant_values=7.0))


def test_conv_init_is_pytorchs_bound_and_reproducible():
    layer = nn.Conv2d(4, 8, 3, groups=2, rng=1)
    bound = 1 / math.sqrt(2 * 9)  # fan_in = in_channels / groups * kernel area
    assert layer.weight.shape == (8, 2, 3, 3) and layer.bias.shape == (8,)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound
    again = nn.Conv2d(4, 8, 3, groups=2, rng=1)
    np.testing.assert_array_equal(layer.weight.data, again.weight.data)
    t = nn.ConvTranspose2d(4, 6, 2, groups=2, rng=0)
    assert t.weight.shape == (4, 3, 2, 2)
    assert np.abs(t.weight.data).max() <= 1 / math.sqrt(3 * 4)


def test_float32_layers_stay_float32():
    x = Tensor(RNG.standard_normal((2, 3, 6, 6)).astype(np.float32))
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, dtype=np.float32), nn.MaxPool2d(2),
                          nn.ConvTranspose2d(4, 2, 2, stride=2, dtype=np.float32),
                          nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1))
    out = model(x)
    assert out.dtype == np.float32 and out.shape == (2, 2, 1, 1)
    out.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("layer, shape, pattern", [
    (nn.Conv2d(3, 4, 3), (2, 5, 8, 8), r"Conv2d: expected input with 3 channels .*\(2, 5, 8, 8\)"),
    (nn.Conv2d(3, 4, 5, padding=1), (1, 3, 2, 9),
     r"Conv2d: kernel \(5, 5\) .* larger than the padded input \(4, 11\)"),
    (nn.Conv2d(3, 4, 3), (3, 8), r"Conv2d: expected a 3-D \(unbatched\) or 4-D .*\(3, 8\)"),
    (nn.Conv2d(3, 4, 3), (2, 8, 8), r"Conv2d: expected input with 3 channels .*\(2, 8, 8\)"),
    (nn.Conv1d(2, 4, 3), (2, 3, 8), r"Conv1d: expected input with 2 channels .*\(2, 3, 8\)"),
    (nn.ConvTranspose2d(3, 4, 3), (1, 4, 5, 5),
     r"ConvTranspose2d: expected input with 3 channels .*\(1, 4, 5, 5\)"),
    (nn.MaxPool2d(4), (1, 1, 3, 8), r"MaxPool2d: kernel \(4, 4\) .* padded input \(3, 8\)"),
    (nn.AvgPool2d(2), (8, 8), r"AvgPool2d: expected a 3-D \(unbatched\) or 4-D .*\(8, 8\)"),
])
def test_bad_input_names_the_layer_the_expected_and_the_given(layer, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer(Tensor(np.zeros(shape)))


def test_groups_must_divide_the_channels():
    with pytest.raises(ValueError, match=r"Conv2d: groups=3 must divide in_channels=4"):
        nn.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match=r"conv2d: groups=4 must divide the 6 output"):
        F.conv2d(Tensor(np.zeros((1, 8, 3, 3))), Tensor(np.zeros((6, 2, 1, 1))), groups=4)
    with pytest.raises(ValueError, match=r"MaxPool2d: padding \(2, 2\) must be at most half"):
        nn.MaxPool2d(3, padding=2)(Tensor(np.zeros((1, 1, 5, 5))))
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")(Tensor(np.zeros((1, 1, 5, 5))))


# ------------------------------------------------------------------------ PyTorch parity
def check_parity(ours, make_theirs, x, train: bool = True, steps: int = 1):
    """torch's state loads into ours and ours into torch (strict); then outputs, input and
    parameter gradients (and buffers) agree to 1e-7 in float64 over `steps` calls."""
    torch = pytest.importorskip("torch")
    theirs, copy = make_theirs().double(), make_theirs().double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    copy.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    for (k, a), (k2, b) in zip(theirs.state_dict().items(), copy.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    ours.train(train), theirs.train(train)
    for step in range(steps):
        xs = x + step
        xo, xt = Tensor(xs, requires_grad=True), torch.tensor(xs, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-7, atol=1e-7)
        g = np.random.default_rng(step).standard_normal(yo.shape)
        ours.zero_grad(), theirs.zero_grad()
        yo.backward(g), yt.backward(torch.from_numpy(g))
        np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-7, atol=1e-7)
        params = dict(theirs.named_parameters())
        assert set(params) == {k for k, _ in ours.named_parameters()}
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad, params[name].grad.numpy(), rtol=1e-7, atol=1e-7,
                                       err_msg=name)
    buffers = dict(theirs.named_buffers())
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(b, buffers[name].numpy(), rtol=1e-7, atol=1e-7, err_msg=name)


CONV_CASES = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 9)),
    ("Conv1d", (4, 6, 2), dict(dilation=2, groups=2, bias=False), (2, 4, 7)),
    ("Conv1d", (2, 3, 4), dict(padding="same", padding_mode="reflect"), (2, 2, 7)),
    ("Conv2d", (3, 4, 3), dict(padding=1), (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 3), dict(padding=1), (3, 6, 5)),  # unbatched
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
     (2, 4, 7, 6)),
    ("Conv2d", (2, 3, 3), dict(padding="same", padding_mode="circular"), (2, 2, 5, 5)),
    ("Conv2d", (2, 3, 4), dict(padding="same", padding_mode="replicate", dilation=2),
     (1, 2, 9, 8)),
    ("Conv2d", (2, 3, 3), dict(padding=2, padding_mode="reflect"), (2, 2, 5, 6)),
    ("ConvTranspose2d", (4, 3, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 4, 5)),
    ("ConvTranspose2d", (4, 6, (2, 3)), dict(stride=(1, 2), groups=2, dilation=2, bias=False),
     (2, 4, 3, 4)),
    ("ConvTranspose2d", (2, 2, 3), dict(stride=3, padding=2, output_padding=(2, 0)),
     (1, 2, 4, 3)),
    ("MaxPool2d", (2,), {}, (2, 3, 6, 7)),
    ("MaxPool2d", (3, 2, 1), {}, (2, 3, 7, 6)),
    ("MaxPool2d", ((3, 2),), dict(stride=(1, 2), padding=(1, 0), dilation=(2, 1)), (2, 2, 7, 6)),
    ("AvgPool2d", (3, 2, 1), {}, (2, 3, 7, 6)),
    ("AvgPool2d", (3, 2, 1), dict(count_include_pad=False), (2, 3, 7, 6)),
    ("AvgPool2d", (2,), dict(divisor_override=3), (2, 3, 6, 6)),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 4, 5)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (2, 3, 4, 5)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", CONV_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CONV_CASES)])
def test_matches_pytorch(name, args, kwargs, shape):
    torch = pytest.importorskip("torch")
    x = np.round(RNG.standard_normal(shape), 1)  # one decimal: max pools see ties
    check_parity(getattr(nn, name)(*args, **kwargs),
                 lambda: getattr(torch.nn, name)(*args, **kwargs), x)


def test_max_pool_keeps_a_channels_last_layout_and_its_gradient_matches():
    """A conv's output is an NHWC array seen as NCHW; pooling keeps that layout (speed)."""
    rng = np.random.default_rng(0)
    nhwc = rng.normal(size=(2, 6, 6, 3))
    x = Tensor(nhwc.transpose(0, 3, 1, 2), requires_grad=True)
    y = nn.MaxPool2d(2)(x)
    order = lambda a: list(np.argsort(a.strides))  # noqa: E731
    assert order(y.data) == order(x.data)
    g = rng.normal(size=y.shape)
    (y * Tensor(g)).sum().backward()
    assert order(x.grad) == order(x.data)
    want = nhwc.transpose(0, 3, 1, 2).reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(y.data, want)
    picked = x.data == np.repeat(np.repeat(want, 2, axis=2), 2, axis=3)
    np.testing.assert_array_equal(x.grad, picked * np.repeat(np.repeat(g, 2, 2), 2, 3))
