"""autograd.jit: a traced step gives the eager engine's losses and gradients, replays fresh
dropout masks, retraces on new shapes, and refuses what it cannot replay faithfully."""
import ast
import resource

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.functional as F
from autograd import Primitive, Tensor, grad, jit, no_grad
from autograd.extend import apply
from autograd.graph import toposort
from autograd.primitive import OPS
from test_graph import _cube_with_residuals
from autograd.jit_codegen import keep_freed_memory


def mlp(rng):
    return nn.Sequential(nn.Linear(6, 8, rng=rng), nn.Tanh(), nn.Linear(8, 8, rng=rng),
                         nn.ReLU(), nn.Dropout(0.25, rng=rng.integers(1 << 30)),
                         nn.Linear(8, 3, rng=rng))


class Digits(nn.Sequential):
    """A digits-like CNN on (batch, 1, 8, 8) images."""

    shape = (1, 8, 8)

    def __init__(self, rng):
        super().__init__(nn.Conv2d(1, 4, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64, 3, rng=rng))


def cnn(rng):
    return Digits(rng)


class LSTMClassifier(nn.Module):
    """An LSTM over (batch, 4, 6) sequences, a Linear head on the last time step."""

    shape = (4, 6)

    def __init__(self, rng):
        super().__init__()
        self.lstm = nn.LSTM(6, 5, batch_first=True, rng=rng)
        self.head = nn.Linear(5, 3, rng=rng)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def lstm(rng):
    return LSTMClassifier(rng)


def data(batch, seed=0, shape=(6,)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, *shape)), rng.integers(0, 3, batch)


def loss_fn(model):
    return lambda xb, yb: F.cross_entropy(model(Tensor(xb)), yb)


def train(model, steps, jitted, batch=16):
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    fn = loss_fn(model)
    step = jit(fn) if jitted else None
    losses = []
    for i in range(steps):
        x, y = data(batch, i % 3, getattr(model, "shape", (6,)))
        opt.zero_grad()
        if jitted:
            loss = step(x, y)
        else:
            loss = fn(x, y)
            loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.data for p in model.parameters()], step


@pytest.mark.parametrize("build", [mlp, cnn, lstm])
def test_thirty_adam_steps_match_eager(build):
    eager_model, jit_model = build(np.random.default_rng(0)), build(np.random.default_rng(0))
    eager_losses, eager_params, _ = train(eager_model, 30, jitted=False)
    jit_losses, jit_params, step = train(jit_model, 30, jitted=True)
    np.testing.assert_allclose(jit_losses, eager_losses, rtol=0, atol=1e-12)
    for a, b in zip(jit_params, eager_params):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert len(step.traces) == 1


def grads_of(model):
    return [None if p.grad is None else p.grad.copy() for p in model.parameters()]


def test_a_new_batch_size_retraces_and_stays_correct():
    model = mlp(np.random.default_rng(1)).eval()
    step = jit(loss_fn(model))
    for batch in (8, 5, 8):
        x, y = data(batch, batch)
        model.zero_grad()
        loss = step(x, y)
        got = grads_of(model)
        model.zero_grad()
        want = loss_fn(model)(x, y)
        want.backward()
        assert loss.item() == want.item()
        for a, b in zip(got, grads_of(model)):
            np.testing.assert_array_equal(a, b)
    assert len(step.traces) == 2 and "xb (8, 6) float64" in step.source


def test_gradients_accumulate_over_two_calls_like_backward():
    model = mlp(np.random.default_rng(2)).eval()
    step = jit(loss_fn(model))
    (x1, y1), (x2, y2) = data(4, 1), data(4, 2)
    step(x1, y1)  # traces
    model.zero_grad()
    step(x1, y1)
    step(x2, y2)
    got = grads_of(model)
    model.zero_grad()
    loss_fn(model)(x1, y1).backward()
    loss_fn(model)(x2, y2).backward()
    for a, b in zip(got, grads_of(model)):
        np.testing.assert_array_equal(a, b)


def test_a_leaf_gradient_owns_its_memory():
    w, v = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    step = jit(lambda x: (w + v + x).sum())  # add's rules hand one array g to both leaves
    for _ in range(2):  # the trace, then a replay
        w.grad = v.grad = None
        step(np.zeros(3))
        w.grad += 1  # must not change v's gradient
        assert np.array_equal(v.grad, [1.0, 1.0, 1.0])


def test_parameters_are_read_at_each_call_in_place_or_rebound():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    step = jit(lambda x: (w * x).sum())
    x = np.array([3.0, 4.0])
    assert step(x).item() == 11.0
    w.data *= 2  # in place
    assert step(x).item() == 22.0
    w.data = np.array([0.0, 1.0])  # rebound
    assert step(x).item() == 4.0


def test_tensor_inputs_that_require_grad_get_their_gradients():
    def chain(x, w):
        y = x
        for _ in range(3):
            y = (y * w + w).tanh()
        return y.sum()
    step = jit(chain)
    for seed in range(3):
        x0, w0 = np.random.default_rng(seed).standard_normal((2, 4))
        x, w = Tensor(x0, requires_grad=True), Tensor(w0, requires_grad=True)
        step(x, w)
        ex, ew = Tensor(x0, requires_grad=True), Tensor(w0, requires_grad=True)
        chain(ex, ew).backward()
        np.testing.assert_array_equal(x.grad, ex.grad)
        np.testing.assert_array_equal(w.grad, ew.grad)


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)),
                  elements=st.floats(-2, 2)), st.floats(0.1, 2))
def test_broadcast_gradients_match_finite_differences(x, scale):
    w = Tensor(np.linspace(-1, 1, x.shape[1]), requires_grad=True)  # broadcast over rows
    b = Tensor(np.array(0.5), requires_grad=True)
    f = lambda xb: ((xb * w + b).sigmoid() * scale).mean()  # noqa: E731
    step = jit(f)
    step(x)  # the trace
    w.grad = b.grad = None
    loss = step(x)  # the replay
    eps = 1e-6
    for leaf in (w, b):
        for i in np.ndindex(leaf.shape):
            saved = leaf.data[i]
            leaf.data[i] = saved + eps
            up = f(x).item()
            leaf.data[i] = saved - eps
            down = f(x).item()
            leaf.data[i] = saved
            assert abs(leaf.grad[i] - (up - down) / (2 * eps)) < 1e-6
    assert loss.item() == f(x).item()
    assert "unbroadcast(" in step.source


def test_dropout_draws_a_fresh_mask_at_each_replay():
    drop = nn.Dropout(0.5, rng=0)
    w = Tensor(np.ones(64), requires_grad=True)
    step = jit(lambda x: drop(w * x).sum())
    masks = []
    for _ in range(3):
        w.grad = None
        step(np.ones(64))
        masks.append(w.grad.copy())
    assert not np.array_equal(masks[1], masks[2]) and not np.array_equal(masks[0], masks[1])
    assert set(np.unique(masks[2])) <= {0.0, 2.0}


def test_inputs_reach_the_graph_through_views():
    model = nn.Sequential(nn.Flatten(), nn.Linear(6, 1, rng=0))
    step = jit(lambda xb, yb: F.mse_loss(model(Tensor(xb)), yb[:, None]))
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 4, 2, 3)), rng.standard_normal((2, 4))
    step(x[0], y[0])
    model.zero_grad()
    replay = step(x[1], y[1]).item()  # new arrays: the views must follow them
    got = grads_of(model)
    model.zero_grad()
    eager = F.mse_loss(model(Tensor(x[1])), y[1][:, None])
    eager.backward()
    assert replay == eager.item() and "_view(yb" in step.source
    assert "reshape(xb" in step.source  # Flatten's op on the input is replayed, not frozen
    for a, b in zip(got, grads_of(model)):
        np.testing.assert_array_equal(a, b)


def test_ops_on_inputs_that_need_no_gradient_are_replayed():
    w = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    step = jit(lambda x: (Tensor(x).exp().sum(axis=0) * w).sum())  # exp, sum: no gradient
    rng = np.random.default_rng(5)
    for x in rng.standard_normal((3, 2, 3)):
        w.grad = None
        loss = step(x)
        np.testing.assert_allclose(w.grad, np.exp(x).sum(axis=0), rtol=1e-15)
        assert loss.item() == (Tensor(x).exp().sum(axis=0) * w).sum().item()
    assert len(step.traces) == 1 and "exp(x)" in step.source


def test_source_has_one_line_per_op_and_is_valid_python():
    model = mlp(np.random.default_rng(3))
    step = jit(loss_fn(model), params=dict(model.named_parameters()))
    x, y = data(4)
    ops = [n for n in toposort([loss_fn(model)(x, y)]) if n._prim is not None]
    step(x, y)
    tree = ast.parse(step.source)
    (fn,) = tree.body
    forward = [line for line in step.source.splitlines() if line.lstrip().startswith("t")]
    assert len(forward) == len(ops)
    assert sorted(n._prim.name for n in ops) == sorted(
        line.split("= ")[1].removeprefix("asarray(").split("(")[0] for line in forward)
    assert "t0 = linear(xb, p_0_weight, p_0_bias)" in step.source
    assert "g_p_0_weight = linear_vjp_1(g0, t0, xb, p_0_weight, p_0_bias)" in step.source
    assert "unbroadcast(" not in step.source  # no shapes differ in this step
    assert "xb (4, 6) float64" in ast.get_docstring(fn)


def test_fit_with_jit_matches_fit():
    x, y = data(50)
    histories, params = [], []
    for jitted in (False, True):
        model = mlp(np.random.default_rng(4))
        model.compile(nn.optim.Adam(model.parameters(), lr=0.01), "cross_entropy",
                      ["accuracy"])
        histories.append(model.fit(x, y, epochs=3, batch_size=16, seed=0, verbose=0,
                                   jit=jitted).history)
        params.append([p.data for p in model.parameters()])
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=0, atol=1e-12)
    for a, b in zip(*params):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------- refusals
W = Tensor(np.array([0.5, -1.0]), requires_grad=True)


def test_refuses_create_graph_inside():
    def penalty(x):
        (g,) = grad((W * W * x).sum(), [W], create_graph=True)
        return (g * g).sum()
    with pytest.raises(RuntimeError, match="create_graph=True"):
        jit(penalty)(np.ones(2))


def test_refuses_backward_inside():
    def fn(x):
        loss = (W * x).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="must not call backward"):
        jit(fn)(np.ones(2))


def test_refuses_a_non_scalar_output():
    with pytest.raises(ValueError, match=r"scalar loss, got shape \(2,\)"):
        jit(lambda x: W * x)(np.ones(2))


def test_refuses_an_output_without_a_gradient():
    with pytest.raises(ValueError, match="no gradient"):
        jit(lambda x: Tensor(x).sum())(np.ones(2))


def test_refuses_an_op_without_a_rule():
    rough = Primitive("rough", np.floor, vjps=[None])
    with pytest.raises(TypeError, match="'rough' has no derivative rule"):
        jit(lambda x: apply(rough, W * x).sum())(np.ones(2))


def test_refuses_no_grad():
    step = jit(lambda x: (W * x).sum())
    with no_grad(), pytest.raises(RuntimeError, match="no_grad"):
        step(np.ones(2))


def test_refuses_an_argument_copied_by_a_cast():
    model = nn.Linear(2, 1, rng=0, dtype=np.float32)
    with pytest.raises(ValueError, match="argument xb reached the graph as a float32 copy"):
        jit(lambda xb: model(xb).sum())(np.ones((3, 2)))


@pytest.mark.parametrize("fn", [
    lambda x: (W * Tensor(x / 255)).sum(),  # numpy arithmetic on the argument
    lambda x: (W * Tensor(np.sort(x))).sum(),  # a numpy function of it
    lambda x: (W * x[::-1].copy()).sum(),  # a copy of a view of it
], ids=["arithmetic", "function", "copy"])
def test_refuses_a_constant_numpy_computed_from_an_argument(fn):
    with pytest.raises(ValueError, match="computed by numpy from the arguments"):
        jit(fn)(np.array([3.0, 1.0]))


def test_refuses_numpy_arithmetic_on_a_tensor_arguments_data_and_restores_it():
    x = Tensor(np.array([3.0, 1.0]))
    data = x.data
    with pytest.raises(ValueError, match="computed by numpy from the arguments"):
        jit(lambda t: (W * Tensor(t.data * 2)).sum())(x)
    assert x.data is data and type(x.data) is np.ndarray


def test_the_same_step_written_with_tensor_ops_follows_each_batch():
    step = jit(lambda x: (W * (Tensor(x) / 255)).sum())
    for x in (np.array([3.0, 1.0]), np.array([-2.0, 5.0])):
        W.grad = None
        assert step(x).item() == pytest.approx((W.data * x / 255).sum(), rel=1e-15)
        np.testing.assert_array_equal(W.grad, x / 255)
        assert type(W.grad) is np.ndarray
    assert "_view" not in step.source  # Tensor(x) is the argument itself, not a view of it


@pytest.mark.skipif(not keep_freed_memory(), reason="the allocator setting is glibc's")
def test_replays_reuse_freed_memory_instead_of_faulting_it_in_again():
    # fifty 128 KiB intermediates: megabytes freed at each return, which glibc's default
    # trim threshold would give back to the kernel and the next call fault in again
    w = Tensor(np.full((64, 256), 0.5), requires_grad=True)

    def chain(x):
        h = Tensor(x)
        for _ in range(25):
            h = (h * w).tanh()
        return h.sum()
    step = jit(chain)
    x = np.ones((64, 256))
    for _ in range(3):
        step(x)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        step(x)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5
    assert faults < 100, f"{faults} page faults per replay"  # about 3,000 when trimmed



def test_replays_hand_each_rule_the_residuals_of_its_own_call():
    calls = []
    cube = _cube_with_residuals(calls)
    step = jit(lambda x: apply(cube, W * x).sum())
    for x in (np.array([1.0, 2.0]), np.array([-3.0, 0.5])):
        W.grad = None
        step(x)
        np.testing.assert_allclose(W.grad, 3 * (W.data * x) ** 2 * x, rtol=1e-15)
    assert calls == [True, True] and "t1, t1_saved = cube(t0)" in step.source
    assert "cube_vjp(g1, t1, t0, **t1_saved)" in step.source


def test_cross_entropy_rule_gives_the_same_gradient_without_its_residuals():
    rng = np.random.default_rng(0)
    a, target = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    ce = OPS["cross_entropy"]
    for reduction in ("none", "mean", "sum"):
        out, saved = ce.forward(a, target=target, reduction=reduction)
        g = np.ones_like(out)
        with_saved = ce.vjps[0](g, out, a, target=target, reduction=reduction, **saved)
        np.testing.assert_array_equal(
            with_saved, ce.vjps[0](g, out, a, target=target, reduction=reduction))


def test_the_backward_seed_is_never_a_gradient_the_caller_can_write_into():
    scale = Tensor(np.array(2.0), requires_grad=True)
    for fn in (lambda x: scale, lambda x: (scale * x).sum()):  # the loss a leaf, or not
        step = jit(fn)
        opt = nn.optim.SGD([scale], lr=0.0)
        for _ in range(3):  # trace, then replays
            opt.zero_grad(set_to_none=False)  # writes zeros into the previous .grad
            step(np.ones(3))
            assert scale.grad.item() == (1.0 if fn(np.ones(3)) is scale else 3.0)
