"""Bad input gives torch's answer (inf, nan) or an error that names the call, the expected
and the given; never a bare Python error or a silently wrong result."""
import gc
import math
import re
import weakref

import numpy as np
import pytest

import nn
from autograd import Tensor, Value, concatenate, grad, maximum, no_grad
from autograd.gradcheck import gradcheck
from autograd.viz import draw_dot
from nn import checkpoint
from nn import functional as F


def _raises(kind: type, *parts: str):
    return pytest.raises(kind, match="(?s)" + "".join(f"(?=.*{re.escape(p)})" for p in parts))


def _same(got: float, want: float) -> bool:
    return (math.isnan(got) and math.isnan(want)) or got == want


# ------------------------------------------------------------------ scalar ops: torch's answers
def _run(fn, x: float) -> tuple[float, float]:
    v = Value(x)
    out = fn(v)
    out.backward()
    return out.data, v.grad


@pytest.mark.parametrize("name, fn, x, value, grad", [
    ("sqrt at 0", lambda v: v.sqrt(), 0.0, 0.0, math.inf),
    ("reciprocal pole", lambda v: v ** -1, 0.0, math.inf, -math.inf),
    ("negative zero pole", lambda v: v ** -1, -0.0, -math.inf, -math.inf),
    ("square pole", lambda v: v ** -2, 0.0, math.inf, -math.inf),
    ("tiny ** -1", lambda v: v ** -1, 1e-300, 1e-300 ** -1, -math.inf),
    ("overflowing power", lambda v: v ** 100, 1e4, math.inf, math.inf),
    ("overflowing odd power", lambda v: v ** 101, -1e4, -math.inf, math.inf),
    ("Value exponent", lambda v: v ** Value(3000.0), 2.0, math.inf, math.inf),
    ("sin of inf", lambda v: v.sin(), math.inf, math.nan, math.nan),
    ("cos of -inf", lambda v: v.cos(), -math.inf, math.nan, math.nan),
    ("exp of nan", lambda v: v.exp(), math.nan, math.nan, math.nan),
    ("division by zero", lambda v: v / 0.0, 1.0, math.inf, math.inf),
    ("zero over zero", lambda v: v / 0.0, 0.0, math.nan, math.inf),
    ("divisor zero", lambda v: 1.0 / v, 0.0, math.inf, -math.inf),
    ("log at 0's neighbour", lambda v: v.log(), 5e-324, math.log(5e-324), math.inf),
])
def test_scalar_ops_give_torchs_inf_and_nan(name, fn, x, value, grad):
    got_value, got_grad = _run(fn, x)
    assert _same(got_value, value) and _same(got_grad, grad), (name, got_value, got_grad)


def test_scalar_ops_match_torch_at_the_edges():
    torch = pytest.importorskip("torch")
    cases = [(lambda v: v.sqrt(), 0.0), (lambda v: v ** -1, 0.0), (lambda v: v ** -1, 1e-300),
             (lambda v: v ** 100, 1e4), (lambda v: v.sin(), math.inf),
             (lambda v: v.cos(), math.inf), (lambda v: v / 0.0, 1.0), (lambda v: 1.0 / v, 0.0)]
    for fn, x in cases:
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        out = fn(t)
        out.backward()
        got = _run(fn, x)
        assert _same(got[0], out.item()) and _same(got[1], t.grad.item()), (x, got)


def test_second_derivative_through_a_pole_is_inf_not_an_exception():
    x = Value(0.0)
    x.sqrt().backward(create_graph=True)
    assert x.grad.data == math.inf


def test_sum_of_overflowing_or_opposite_infinities_is_inf_or_nan():
    assert Value.sum([Value(1e308), Value(1e308)]).data == math.inf
    assert math.isnan(Value.sum([Value(math.inf), Value(-math.inf)]).data)


@pytest.mark.parametrize("fn, op, x", [(lambda v: v.log(), "log", -1.0),
                                       (lambda v: v.sqrt(), "sqrt", -4.0),
                                       (lambda v: v ** 0.5, "pow", -2.0)])
def test_forward_domain_errors_keep_their_clear_message(fn, op, x):
    with _raises(ValueError, op, repr(x)):
        fn(Value(x))


# ------------------------------------------------------------------ training arguments
X = np.random.default_rng(0).normal(size=(12, 3))
Y = np.arange(12) % 2


def compiled() -> nn.Sequential:
    model = nn.Sequential(nn.Linear(3, 2, rng=0))
    model.compile(nn.optim.SGD(model.parameters(), lr=0.1), "cross_entropy")
    return model


class Note(nn.callbacks.Callback):
    pass


@pytest.mark.parametrize("kwargs, kind, parts", [
    (dict(batch_size=0), ValueError, ("fit", "batch_size", "positive integer", "0")),
    (dict(batch_size=2.5), ValueError, ("fit", "batch_size", "float 2.5")),
    (dict(epochs=-1), ValueError, ("fit", "epochs", "non-negative integer", "-1")),
    (dict(epochs="3"), ValueError, ("fit", "epochs", "str '3'")),
    (dict(callbacks=[lambda epoch: None]), TypeError, ("fit", "Callback", "function")),
    (dict(callbacks=Note()), TypeError, ("fit", "list of Callback", "Note", "wrap one")),
    (dict(validation_data=(X,)), ValueError, ("fit", "validation_data", "pair (x, y)", "1 ")),
    (dict(validation_data=(X, Y[:5])), ValueError, ("fit", "12 samples", "y has 5")),
])
def test_fit_arguments_are_checked_before_training(kwargs, kind, parts):
    model = compiled()
    before = model.state_dict()
    with _raises(kind, *parts):
        model.fit(X, Y, verbose=0, **kwargs)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_evaluate_and_predict_on_no_samples():
    model = compiled()
    with _raises(ValueError, "evaluate", "no samples"):
        model.evaluate(X[:0], Y[:0])
    assert model.predict(X[:0]).shape == (0, 2)
    with _raises(ValueError, "predict", "batch_size", "0"):
        model.predict(X, batch_size=0)
    with _raises(ValueError, "evaluate", "12 samples", "y has 4"):
        model.evaluate(X, Y[:4])


@pytest.mark.parametrize("returned", [None, -0.1, "0.1", math.nan])
def test_a_schedule_returning_a_bad_rate_is_refused(returned):
    model = compiled()
    schedule = nn.LearningRateScheduler(lambda epoch, lr: returned)
    with _raises(ValueError, "LearningRateScheduler", repr(returned), "epoch 0",
                 "non-negative number"):
        model.fit(X, Y, verbose=0, callbacks=[schedule])
    assert model.optimizer.param_groups[0]["lr"] == 0.1


def test_a_gradient_of_another_shape_is_refused_by_step():
    p = nn.Parameter(np.ones((2, 3)))
    for opt in (nn.optim.SGD([p], lr=0.1), nn.optim.Adam([p])):
        p.grad = np.ones(3)  # would broadcast silently
        with _raises(ValueError, f"{type(opt).__name__}.step", "(2, 3)", "(3,)"):
            opt.step()
    np.testing.assert_array_equal(p.data, np.ones((2, 3)))


def test_model_checkpoint_with_an_unknown_key_lists_the_known_ones(tmp_path):
    model = compiled()
    ck = nn.ModelCheckpoint(str(tmp_path / "ck_{val_los}.npz"), save_best_only=False)
    with _raises(ValueError, "ModelCheckpoint", "val_los", "known keys: epoch, loss"):
        model.fit(X, Y, verbose=0, validation_split=0.25, callbacks=[ck])
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ optimizers and schedulers
@pytest.mark.parametrize("make, parts", [
    (lambda p: nn.optim.Adam(p, betas=(0.9,)), ("betas", "2 values", "1")),
    (lambda p: nn.optim.NAdam(p, betas=0.9), ("betas", "pair", "float")),
    (lambda p: nn.optim.SGD(p, lr="0.1"), ("learning rate", "real number", "str")),
    (lambda p: nn.optim.Adam(p, eps=None), ("epsilon", "real number", "NoneType")),
    (lambda p: nn.optim.RMSprop(p, weight_decay=[0.1]), ("weight_decay", "list")),
    (lambda p: nn.optim.Adagrad(p, lr_decay="0"), ("lr_decay", "str")),
    (lambda p: nn.optim.Adadelta(p, rho=True), ("rho", "bool")),
])
def test_optimizer_hyperparameters_of_the_wrong_type_are_named(make, parts):
    kind = ValueError if "2 values" in parts else TypeError
    with _raises(kind, "Invalid", *parts):
        make([nn.Parameter(np.ones(2))])


@pytest.mark.parametrize("make, kind, parts", [
    (lambda o: nn.optim.lr_scheduler.MultiStepLR(o, 5), TypeError,
     ("MultiStepLR", "milestones", "list of epochs", "int 5")),
    (lambda o: nn.optim.lr_scheduler.MultiStepLR(o, [2, 1.5]), ValueError,
     ("MultiStepLR", "non-negative integers", "1.5")),
    (lambda o: nn.optim.lr_scheduler.StepLR(o, 2.0), TypeError, ("StepLR", "step_size", "float")),
    (lambda o: nn.optim.lr_scheduler.CosineAnnealingLR(o, 0), ValueError,
     ("CosineAnnealingLR", "T_max", "0")),
])
def test_scheduler_arguments_are_named(make, kind, parts):
    with _raises(kind, *parts):
        make(nn.optim.SGD([nn.Parameter(np.ones(2))], lr=0.1))


def test_checkpoint_save_names_a_wrong_optimizer_or_model(tmp_path):
    model = compiled()
    with _raises(TypeError, "checkpoint.save", "optimizer", "str 'adam'"):
        checkpoint.save(tmp_path / "m.npz", model, optimizer="adam")
    with _raises(TypeError, "checkpoint.save", "model", "dict"):
        checkpoint.save(tmp_path / "m.npz", {"w": np.ones(2)})
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ the autograd API
def test_grad_names_arguments_that_are_not_nodes():
    x = Value(2.0)
    y = x * x
    with _raises(TypeError, "grad", "inputs", "float 3.0"):
        grad(y, 3.0)
    with _raises(TypeError, "grad", "outputs", "float 3.0"):
        grad(3.0, [x])
    with _raises(TypeError, "grad", "inputs", "int 3"):
        grad([y], [x, 3])


def test_draw_dot_of_a_number_is_a_type_error():
    with _raises(TypeError, "draw_dot", "Value or Tensor", "float"):
        draw_dot(3.0)


@pytest.mark.parametrize("call, op", [(lambda: maximum(np.ones(2), np.ones(2)), "maximum"),
                                      (lambda: concatenate([np.ones(2), np.ones(2)]),
                                       "concatenate")])
def test_an_op_on_arrays_alone_says_a_tensor_is_needed(call, op):
    with _raises(TypeError, op, "at least one input must be a Tensor", "ndarray, ndarray"):
        call()


def test_bare_no_grad_decorates_as_in_torch():
    @no_grad
    def square(t):
        return t * t

    @no_grad()
    def cube(t):
        return t * t * t
    x = Tensor(np.ones(2), requires_grad=True)
    assert not square(x).requires_grad and not cube(x).requires_grad
    assert (x * x).requires_grad  # grad mode is back on afterwards
    assert square.__name__ == "square"
    with _raises(TypeError, "no_grad", "int 3"):
        no_grad(3)


@pytest.mark.parametrize("f, name", [(lambda x: [x * 2.0], "list"),
                                     (lambda x: float((x * x).sum().data), "float"),
                                     (lambda x: 3.0, "float")])
def test_gradcheck_of_a_function_not_returning_a_node_blames_the_function(f, name):
    with _raises(TypeError, "gradcheck", "must return one Value or Tensor", name):
        gradcheck(f, [np.ones(2)])


@pytest.mark.parametrize("args, parts", [(("3", 4), ("Linear", "in_features", "str '3'")),
                                         ((3, 4.0), ("Linear", "out_features", "float 4.0")),
                                         ((-1, 2), ("Linear", "in_features", "-1"))])
def test_linear_sizes_must_be_integers(args, parts):
    with _raises(TypeError, *parts):
        nn.Linear(*args)


def test_cross_entropy_with_float_class_labels_says_so():
    with _raises(TypeError, "cross_entropy", "class-index targets must be integers", "float64",
                 "(4,)", "(4, 3)"):
        F.cross_entropy(Tensor(np.zeros((4, 3))), np.array([0.0, 1.0, 2.0, 1.0]))
    probs = np.full((4, 3), 1 / 3)
    assert F.cross_entropy(Tensor(np.zeros((4, 3))), probs).item() == pytest.approx(np.log(3))


# ------------------------------------------------------------------ no reference cycles
@pytest.fixture
def collector_off():
    """The cyclic collector off, so whatever a cycle keeps alive stays alive."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_fit_leaves_no_cycle_through_the_model_history_or_callbacks(collector_off, tmp_path):
    model = compiled()
    callbacks = [nn.EarlyStopping(monitor="val_loss"), nn.ReduceLROnPlateau(),
                 nn.ModelCheckpoint(str(tmp_path / "ck.npz")), Note()]
    history = model.fit(X, Y, epochs=2, verbose=0, validation_split=0.25, callbacks=callbacks)
    assert all(cb.model is None for cb in callbacks)
    model_ref, history_ref = weakref.ref(model), weakref.ref(history)
    del model, history, callbacks
    assert model_ref() is None and history_ref() is None
    assert gc.collect() == 0


@pytest.mark.parametrize("leaf", [lambda: Value(0.7), lambda: Tensor(np.full(3, 0.7),
                                                                     requires_grad=True)])
def test_create_graph_backward_leaves_no_cycle_through_interior_grads(collector_off, leaf):
    x = leaf()
    y = (x * x).tanh() * x
    z = y if isinstance(y, Value) else y.sum()
    z.backward(create_graph=True)
    assert y.grad is not None and not getattr(y.grad, "_prev", ())  # a number, no graph
    x.grad = None  # a leaf's differentiable .grad refers to the leaf, as in torch
    del x, y, z
    assert gc.collect() == 0


def test_create_graph_grad_leaves_no_cycle(collector_off):
    x = Tensor(np.full(3, 0.7), requires_grad=True)
    (g,) = grad(((x * x).tanh() * x).sum(), [x], create_graph=True)
    (gg,) = grad(g.sum(), [x])
    assert gg.shape == (3,)
    del x, g, gg
    assert gc.collect() == 0
