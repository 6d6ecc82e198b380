"""Tests for nn.optim: every optimizer against an independent numpy reference of PyTorch's
documented pseudo-code, plus the Optimizer base-class protocol and state_dict round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.optim import SGD, Adadelta, Adagrad, Adam, AdamW, NAdam, Optimizer, RMSprop


class P:
    """A tensor-like parameter: ndarray data, ndarray-or-None grad."""

    def __init__(self, data, grad=None):
        self.data = np.array(data)
        self.grad = grad


class S:
    """A Value-like scalar parameter: float data and float grad."""

    __slots__ = ("data", "grad")

    def __init__(self, data: float):
        self.data = float(data)
        self.grad = 0.0


# ---------------------------------------------------------------------------------------------
# Independent references, transcribed from the pseudo-code in PyTorch's optimizer docs.
# Each takes the initial parameter and a list of gradients and returns the parameter after
# every step. They deliberately use plain loops over whole arrays and fresh variables.
# ---------------------------------------------------------------------------------------------

def ref_sgd(theta, grads, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
            nesterov=False, maximize=False):
    out, b = [], None
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return out


def ref_rmsprop(theta, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                centered=False):
    out = []
    v = g_ave = b = np.zeros_like(theta)
    for g in grads:
        if weight_decay != 0:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_ave = g_ave * alpha + (1 - alpha) * g
            v_tilde = v_tilde - g_ave**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(theta)
    return out


def ref_adagrad(theta, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                initial_accumulator_value=0.0, eps=1e-10):
    out = []
    state_sum = np.full_like(theta, initial_accumulator_value)
    for t, g in enumerate(grads, start=1):
        lr_t = lr / (1 + (t - 1) * lr_decay)
        if weight_decay != 0:
            g = g + weight_decay * theta
        state_sum = state_sum + g**2
        theta = theta - lr_t * g / (np.sqrt(state_sum) + eps)
        out.append(theta)
    return out


def ref_adadelta(theta, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    out = []
    v = u = np.zeros_like(theta)
    for g in grads:
        if weight_decay != 0:
            g = g + weight_decay * theta
        v = v * rho + g**2 * (1 - rho)
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = u * rho + dx**2 * (1 - rho)
        theta = theta - lr * dx
        out.append(theta)
    return out


def ref_adam(theta, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
             amsgrad=False, decoupled=False):
    beta1, beta2 = betas
    out = []
    m = v = v_max = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            theta = theta - lr * weight_decay * theta
        elif weight_decay != 0:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def ref_adamw(theta, grads, weight_decay=1e-2, **kw):
    return ref_adam(theta, grads, weight_decay=weight_decay, decoupled=True, **kw)


def ref_nadam(theta, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              momentum_decay=4e-3):
    beta1, beta2 = betas
    mus = [beta1 * (1 - 0.5 * 0.96 ** (i * momentum_decay)) for i in range(1, len(grads) + 2)]
    out = []
    m = v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        if weight_decay != 0:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = (mus[t] * m / (1 - np.prod(mus[:t + 1]))
                 + (1 - mus[t - 1]) * g / (1 - np.prod(mus[:t])))
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


CASES = [
    (SGD, ref_sgd, dict(lr=0.1)),
    (SGD, ref_sgd, dict(lr=0.05, momentum=0.9)),
    (SGD, ref_sgd, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (SGD, ref_sgd, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    (SGD, ref_sgd, dict(lr=0.05, momentum=0.5, maximize=True)),
    (RMSprop, ref_rmsprop, dict()),
    (RMSprop, ref_rmsprop, dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
    (RMSprop, ref_rmsprop, dict(lr=0.01, momentum=0.9)),
    (RMSprop, ref_rmsprop, dict(lr=0.01, momentum=0.5, centered=True, eps=1e-6)),
    (Adagrad, ref_adagrad, dict()),
    (Adagrad, ref_adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1,
                                initial_accumulator_value=0.5)),
    (Adadelta, ref_adadelta, dict()),
    (Adadelta, ref_adadelta, dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    (Adam, ref_adam, dict()),
    (Adam, ref_adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    (Adam, ref_adam, dict(lr=0.01, amsgrad=True, eps=1e-6)),
    (AdamW, ref_adamw, dict()),
    (AdamW, ref_adamw, dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
    (NAdam, ref_nadam, dict()),
    (NAdam, ref_nadam, dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1,
                            momentum_decay=0.01)),
]
CASE_IDS = [f"{cls.__name__}-{','.join(f'{k}={v}' for k, v in hp.items())}"
            for cls, _, hp in CASES]


def make_grads(n_steps: int = 8, shape: tuple[int, ...] = (3, 4), seed: int = 0):
    """Deterministic gradient sequence with varied signs and magnitudes."""
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=2.0, size=shape) for _ in range(n_steps)]


def run(cls, hp, theta0, grads, dtype=np.float64):
    """Step an optimizer over a single P parameter; return the parameter after each step."""
    p = P(np.array(theta0, dtype=dtype))
    opt = cls([p], **hp)
    out = []
    for g in grads:
        p.grad = np.array(g, dtype=dtype)
        opt.step()
        out.append(p.data.copy())
    return out, p, opt


@pytest.mark.parametrize("cls, ref, hp", CASES, ids=CASE_IDS)
def test_matches_documented_reference(cls, ref, hp):
    grads = make_grads()
    theta0 = np.linspace(-1.0, 1.5, 12).reshape(3, 4)
    got, _, _ = run(cls, hp, theta0, grads)
    want = ref(theta0, grads, **hp)
    for step, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13, err_msg=f"step {step + 1}")


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(CASES),
       theta0=st.lists(st.floats(-5, 5), min_size=1, max_size=4),
       data=st.data())
def test_random_gradients_match_reference(case, theta0, data):
    cls, ref, hp = case
    n = len(theta0)
    grads = data.draw(st.lists(st.lists(st.floats(-10, 10), min_size=n, max_size=n),
                               min_size=1, max_size=8))
    grads = [np.array(g) for g in grads]
    got, _, _ = run(cls, hp, theta0, grads)
    want = ref(np.array(theta0), grads, **hp)
    np.testing.assert_allclose(got[-1], want[-1], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("cls, ref, hp", CASES, ids=CASE_IDS)
def test_float32_param_stays_float32_and_in_place(cls, ref, hp):
    grads = make_grads(5)
    theta0 = np.linspace(-1.0, 1.5, 12).reshape(3, 4)
    p = P(theta0.astype(np.float32))
    buffer = p.data
    opt = cls([p], **hp)
    for g in grads:
        p.grad = g.astype(np.float32)
        opt.step()
    assert p.data is buffer and p.data.dtype == np.float32
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32
    np.testing.assert_allclose(p.data, ref(theta0, grads, **hp)[-1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls, ref, hp", CASES, ids=CASE_IDS)
def test_scalar_value_like_param(cls, ref, hp):
    grads = [np.array([g]) for g in (0.5, -1.5, 2.0, 0.25, -0.75)]
    p = S(0.3)
    opt = cls([p], **hp)
    for g in grads:
        p.grad = float(g[0])
        opt.step()
        assert type(p.data) is float
    np.testing.assert_allclose(p.data, ref(np.array([0.3]), grads, **hp)[-1][0], rtol=1e-10)


@pytest.mark.parametrize("cls, ref, hp", CASES, ids=CASE_IDS)
def test_param_without_grad_is_untouched(cls, ref, hp):
    with_grad, without = P(np.ones(3)), P(np.full(3, 2.0))
    opt = cls([with_grad, without], **hp)
    for g in make_grads(3, (3,)):
        with_grad.grad = g
        opt.step()
    np.testing.assert_array_equal(without.data, np.full(3, 2.0))
    assert without not in opt.state
    assert not np.allclose(with_grad.data, 1.0)


def test_param_groups_use_their_own_hyperparameters():
    a, b = P(np.ones(2)), P(np.ones(2))
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["nesterov"] is False
    a.grad, b.grad = np.ones(2), np.ones(2)
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 0.5)


def test_add_param_group_and_rejections():
    a, b = P(np.ones(2)), P(np.ones(2))
    opt = Adam([a])
    opt.add_param_group({"params": b, "lr": 0.1})
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="set"):
        SGD({a, b}, lr=0.1)
    with pytest.raises(TypeError, match="set"):
        SGD([{"params": {a}}], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError):
        SGD([{"params": [a]}, {"params": [a]}], lr=0.1)
    with pytest.raises(ValueError):
        SGD([a, a], lr=0.1)
    with pytest.raises(TypeError):
        SGD(a, lr=0.1)
    with pytest.raises(TypeError):
        SGD([1.0], lr=0.1)


@pytest.mark.parametrize("make, message", [
    (lambda p: SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: SGD(p, momentum=-0.1), "Invalid momentum value"),
    (lambda p: SGD(p, weight_decay=-1), "Invalid weight_decay value"),
    (lambda p: SGD(p, nesterov=True), "Nesterov"),
    (lambda p: SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    (lambda p: RMSprop(p, alpha=-0.5), "Invalid alpha value"),
    (lambda p: RMSprop(p, eps=-1), "Invalid epsilon value"),
    (lambda p: Adagrad(p, lr_decay=-1), "Invalid lr_decay value"),
    (lambda p: Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value"),
    (lambda p: Adadelta(p, rho=1.5), "Invalid rho value"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0"),
    (lambda p: AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
    (lambda p: AdamW(p, weight_decay=-0.1), "Invalid weight_decay value"),
    (lambda p: NAdam(p, momentum_decay=-1), "Invalid momentum_decay value"),
])
def test_invalid_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make([P(np.ones(2))])


def test_zero_grad():
    arr, none, scalar = P(np.ones(2), np.ones(2)), P(np.ones(2)), S(1.0)
    scalar.grad = 3.0
    opt = SGD([arr, none, scalar], lr=0.1)
    grad_buffer = arr.grad
    opt.zero_grad(set_to_none=False)
    assert arr.grad is grad_buffer and not grad_buffer.any()
    assert none.grad is None and scalar.grad == 0.0
    opt.zero_grad()
    assert arr.grad is None and scalar.grad == 0.0


def test_step_calls_closure_once_and_returns_its_value():
    p = P(np.ones(2))
    opt = SGD([p], lr=0.1)
    calls = []

    def closure():
        calls.append(1)
        p.grad = np.ones(2)
        return 42.0

    assert opt.step(closure) == 42.0 and calls == [1]
    np.testing.assert_allclose(p.data, 0.9)
    assert opt.step() is None


def test_base_class_requires_update():
    p = P(np.ones(1), np.ones(1))
    with pytest.raises(NotImplementedError):
        Optimizer([p], {"lr": 0.1}).step()


def _two_group_optimizer(cls, hp, values):
    params = [P(v.copy()) for v in values]
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.003}]
    return params, cls(groups, **hp)


@pytest.mark.parametrize("cls, ref, hp", CASES, ids=CASE_IDS)
def test_state_dict_round_trip(cls, ref, hp):
    rng = np.random.default_rng(1)
    values = [rng.normal(size=(2, 3)) for _ in range(3)]
    grads = [[rng.normal(size=(2, 3)) for _ in range(3)] for _ in range(6)]
    params, opt = _two_group_optimizer(cls, hp, values)
    for step in range(3):
        for p, g in zip(params, grads[step]):
            p.grad = g.copy()
        opt.step()
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert saved["param_groups"][1]["lr"] == 0.003
    assert sorted(saved["state"]) == [0, 1, 2]

    fresh_params, fresh = _two_group_optimizer(cls, hp, [p.data for p in params])
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["lr"] == 0.003
    assert fresh.param_groups[1]["params"][0] is fresh_params[2]
    for step in range(3, 6):
        for p, q, g in zip(params, fresh_params, grads[step]):
            p.grad, q.grad = g.copy(), g.copy()
        opt.step()
        fresh.step()
    for p, q in zip(params, fresh_params):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_copies_arrays_and_load_casts_dtype():
    p = P(np.ones(3))
    opt = Adam([p], lr=0.1)
    p.grad = np.ones(3)
    opt.step()
    saved = opt.state_dict()
    snapshot = saved["state"][0]["exp_avg"].copy()
    p.grad = np.full(3, 5.0)
    opt.step()
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"], snapshot)
    q = P(np.ones(3, dtype=np.float32))
    other = Adam([q], lr=0.5)
    other.load_state_dict(saved)
    assert other.state[q]["exp_avg"].dtype == np.float32
    assert other.state[q]["step"] == 1
    assert other.param_groups[0]["lr"] == 0.1
    other.state[q]["exp_avg"] += 1
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"], snapshot)


def test_load_state_dict_mismatch_raises():
    a, b, c = P(np.ones(2)), P(np.ones(2)), P(np.ones(2))
    saved = SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameters.*1 in the opt"):
        SGD([c], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="1 parameter groups, the optimizer 2"):
        SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)


def test_trains_autograd_value():
    autograd = pytest.importorskip("autograd")
    if not hasattr(autograd, "Value"):
        pytest.skip("autograd.Value not available")
    x = autograd.Value(3.0)
    opt = Adam([x], lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        loss = x * x
        loss.backward()
        opt.step()
    assert isinstance(x.data, float) and abs(x.data) < 0.1


def test_trains_autograd_tensor():
    autograd = pytest.importorskip("autograd")
    if not hasattr(autograd, "Tensor"):
        pytest.skip("autograd.Tensor not available")
    x = autograd.Tensor(np.array([3.0, -2.0], dtype=np.float32), requires_grad=True)
    buffer = x.data
    opt = SGD([x], lr=0.1, momentum=0.5)
    for _ in range(100):
        opt.zero_grad()
        (x * x).sum().backward()
        opt.step()
    assert x.data is buffer and x.data.dtype == np.float32
    assert np.all(np.abs(x.data) < 1e-3)


TORCH_NAMES = {SGD: "SGD", RMSprop: "RMSprop", Adagrad: "Adagrad", Adadelta: "Adadelta",
               Adam: "Adam", AdamW: "AdamW", NAdam: "NAdam"}


@pytest.mark.parametrize("cls, ref, hp", CASES, ids=CASE_IDS)
def test_parity_with_torch(cls, ref, hp):
    torch = pytest.importorskip("torch")
    grads = make_grads(10, (4, 3), seed=3)
    theta0 = np.linspace(-2.0, 2.0, 12).reshape(4, 3)
    got, _, _ = run(cls, hp, theta0, grads)
    tp = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, TORCH_NAMES[cls])([tp], **hp)
    for g in grads:
        tp.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
    np.testing.assert_allclose(got[-1], tp.detach().numpy(), rtol=1e-6, atol=1e-12)
