"""Tests for nn.optim.lr_scheduler against documented (closed-form or recursive) schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn.optim
from nn.optim import SGD
from nn.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, LinearLR, LRScheduler,
                                   MultiStepLR, ReduceLROnPlateau, StepLR)


class P:
    def __init__(self):
        self.data = np.zeros(2)
        self.grad = None


def make_opt(*lrs: float) -> SGD:
    """SGD with one param group per learning rate."""
    return SGD([{"params": [P()], "lr": lr} for lr in lrs], lr=lrs[0])


def lr_sequence(sched: LRScheduler, n: int = 20) -> list[list[float]]:
    """Learning rates after construction and after each of ``n`` steps."""
    seq = [sched.get_last_lr()]
    for _ in range(n):
        sched.step()
        seq.append(sched.get_last_lr())
    return seq


def test_submodule_is_exported():
    assert nn.optim.lr_scheduler.StepLR is StepLR


def test_construction_performs_initial_step():
    opt = make_opt(0.1, 0.5)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    assert sched.last_epoch == 0
    assert sched.base_lrs == [0.1, 0.5]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert sched.get_last_lr() == [0.1, 0.5]


def test_step_lr():
    expected = [1.0] * 3 + [0.5] * 3 + [0.25] * 3 + [0.125] * 3 + [0.0625] * 3 + [0.03125] * 3
    opt = make_opt(1.0, 3.0)
    seq = lr_sequence(StepLR(opt, step_size=3, gamma=0.5), 17)
    np.testing.assert_allclose([s[0] for s in seq], expected)
    np.testing.assert_allclose([s[1] for s in seq], 3 * np.array(expected))
    assert [g["lr"] for g in opt.param_groups] == seq[-1]


def test_multistep_lr_unsorted_milestones():
    seq = lr_sequence(MultiStepLR(make_opt(1.0), milestones=[10, 3, 7], gamma=0.1), 20)
    expected = [1.0] * 3 + [0.1] * 4 + [0.01] * 3 + [0.001] * 11
    np.testing.assert_allclose([s[0] for s in seq], expected, rtol=1e-12)


def test_exponential_lr_matches_repeated_multiplication():
    seq = lr_sequence(ExponentialLR(make_opt(0.2), gamma=0.9), 20)
    lr, expected = 0.2, []
    for _ in range(21):
        expected.append(lr)
        lr *= 0.9
    np.testing.assert_allclose([s[0] for s in seq], expected, rtol=1e-12)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_matches_documented_recursion(eta_min):
    t_max, base = 7, 0.1
    seq = lr_sequence(CosineAnnealingLR(make_opt(base), T_max=t_max, eta_min=eta_min), 14)
    expected = [base]
    for t in range(14):
        cur = expected[-1]
        if (t - t_max) % (2 * t_max) == 0:
            expected.append(cur + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2)
        else:
            expected.append(eta_min + (cur - eta_min) * (1 + math.cos(math.pi * (t + 1) / t_max))
                            / (1 + math.cos(math.pi * t / t_max)))
    np.testing.assert_allclose([s[0] for s in seq], expected, rtol=1e-9, atol=1e-15)
    assert seq[t_max][0] == pytest.approx(eta_min)


def test_linear_lr():
    seq = lr_sequence(LinearLR(make_opt(0.3), start_factor=0.25, end_factor=0.75,
                               total_iters=4), 10)
    expected = [0.3 * f for f in (0.25, 0.375, 0.5, 0.625)] + [0.3 * 0.75] * 7
    np.testing.assert_allclose([s[0] for s in seq], expected, rtol=1e-12)
    default = lr_sequence(LinearLR(make_opt(0.3)), 6)
    np.testing.assert_allclose([s[0] for s in default],
                               [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3], rtol=1e-12)


@pytest.mark.parametrize("make, name", [
    (lambda o: StepLR(o, step_size=0), "step_size"),
    (lambda o: MultiStepLR(o, milestones=[2, -1]), "milestones"),
    (lambda o: ExponentialLR(o, gamma=0.0), "gamma"),
    (lambda o: CosineAnnealingLR(o, T_max=0), "T_max"),
    (lambda o: LinearLR(o, start_factor=0.0), "start_factor"),
    (lambda o: LinearLR(o, end_factor=1.5), "end_factor"),
    (lambda o: LinearLR(o, total_iters=0), "total_iters"),
    (lambda o: ReduceLROnPlateau(o, mode="avg"), "mode"),
    (lambda o: ReduceLROnPlateau(o, factor=1.0), "factor"),
    (lambda o: ReduceLROnPlateau(o, threshold_mode="x"), "threshold_mode"),
    (lambda o: ReduceLROnPlateau(o, patience=-1), "patience"),
    (lambda o: ReduceLROnPlateau(o, cooldown=-1), "cooldown"),
    (lambda o: ReduceLROnPlateau(o, min_lr=[0.0, 0.1]), "min_lr"),
])
def test_invalid_arguments(make, name):
    with pytest.raises(ValueError, match=name):
        make(make_opt(0.1))


def test_requires_optimizer_and_initial_lr_when_resuming():
    with pytest.raises(TypeError):
        StepLR(object(), step_size=1)
    with pytest.raises(TypeError):
        ReduceLROnPlateau(object())
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(make_opt(0.1), step_size=2, last_epoch=3)


def test_resume_with_last_epoch_continues_schedule():
    opt = make_opt(1.0)
    opt.param_groups[0]["initial_lr"] = 1.0
    sched = StepLR(opt, step_size=2, gamma=0.5, last_epoch=3)
    assert sched.last_epoch == 4 and sched.get_last_lr() == [0.25]


@pytest.mark.parametrize("make", [
    lambda o: StepLR(o, step_size=3, gamma=0.5),
    lambda o: MultiStepLR(o, milestones=[2, 5], gamma=0.3),
    lambda o: ExponentialLR(o, gamma=0.8),
    lambda o: CosineAnnealingLR(o, T_max=6, eta_min=0.001),
    lambda o: LinearLR(o, start_factor=0.5, total_iters=7),
])
def test_state_dict_round_trip(make):
    sched = make(make_opt(0.1, 0.2))
    for _ in range(4):
        sched.step()
    saved = sched.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 4
    opt2 = make_opt(0.1, 0.2)
    other = make(opt2)
    other.load_state_dict(saved)
    assert other.optimizer is opt2
    assert lr_sequence(other, 6)[1:] == lr_sequence(sched, 6)[1:]


def plateau_lrs(sched: ReduceLROnPlateau, metrics: list[float]) -> list[float]:
    out = []
    for m in metrics:
        sched.step(m)
        out.append(sched.get_last_lr()[0])
    return out


def test_plateau_patience_and_num_bad_epochs():
    sched = ReduceLROnPlateau(make_opt(1.0), patience=2, factor=0.5)
    bad = []
    lrs = []
    for m in [5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0]:
        sched.step(m)
        bad.append(sched.num_bad_epochs)
        lrs.append(sched.get_last_lr()[0])
    assert bad == [0, 0, 1, 2, 0, 0, 1, 2, 0]
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]
    assert sched.optimizer.param_groups[0]["lr"] == 0.25 and sched.best == 3.0


def test_plateau_cooldown():
    sched = ReduceLROnPlateau(make_opt(1.0), patience=1, cooldown=2, factor=0.1)
    lrs = plateau_lrs(sched, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(lrs, [1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01])
    assert sched.cooldown_counter == 0 and not sched.in_cooldown


def test_plateau_threshold_modes():
    rel = ReduceLROnPlateau(make_opt(1.0), patience=0, threshold=0.1, factor=0.5)
    assert plateau_lrs(rel, [10.0, 9.5, 8.0]) == [1.0, 0.5, 0.5]
    absolute = ReduceLROnPlateau(make_opt(1.0), patience=0, threshold=0.6,
                                 threshold_mode="abs", factor=0.5)
    assert plateau_lrs(absolute, [10.0, 9.5, 8.0]) == [1.0, 0.5, 0.5]
    maximize = ReduceLROnPlateau(make_opt(1.0), mode="max", patience=0, threshold=0.1,
                                 factor=0.5)
    assert plateau_lrs(maximize, [10.0, 10.5, 12.0, 11.0]) == [1.0, 0.5, 0.5, 0.25]


def test_plateau_min_lr_per_group_and_eps():
    opt = make_opt(1.0, 1.0)
    sched = ReduceLROnPlateau(opt, patience=0, factor=0.1, min_lr=[0.05, 0.0])
    for _ in range(4):
        sched.step(1.0)
    np.testing.assert_allclose(sched.get_last_lr(), [0.05, 1e-3])
    scalar = ReduceLROnPlateau(make_opt(1e-8), patience=0, factor=0.5, min_lr=0.0)
    assert plateau_lrs(scalar, [1.0, 1.0, 1.0]) == [1e-8] * 3


def test_plateau_state_dict_round_trip():
    sched = ReduceLROnPlateau(make_opt(1.0), patience=1, cooldown=1, factor=0.5)
    plateau_lrs(sched, [3.0, 2.0, 2.0, 2.0])
    saved = sched.state_dict()
    assert "optimizer" not in saved and saved["best"] == 2.0
    other = ReduceLROnPlateau(make_opt(sched.get_last_lr()[0]))
    other.load_state_dict(saved)
    tail = [2.0, 2.0, 2.0, 1.0, 1.0, 1.0]
    assert plateau_lrs(other, tail) == plateau_lrs(sched, tail)


TORCH_SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 7, 7, 12], gamma=0.2)),
    ("ExponentialLR", dict(gamma=0.85)),
    ("CosineAnnealingLR", dict(T_max=8, eta_min=0.01)),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=6)),
]


@pytest.mark.parametrize("name, kwargs", TORCH_SCHEDULERS)
def test_parity_with_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    ours = lr_sequence(getattr(nn.optim.lr_scheduler, name)(make_opt(0.1, 0.3), **kwargs), 25)
    topt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                            for lr in (0.1, 0.3)])
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    theirs = [tsched.get_last_lr()]
    for _ in range(25):
        topt.step()
        tsched.step()
        theirs.append(tsched.get_last_lr())
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)


def test_plateau_parity_with_torch():
    torch = pytest.importorskip("torch")
    kwargs = dict(patience=2, cooldown=1, factor=0.3, threshold=0.05, min_lr=[1e-3, 0.0])
    metrics = [5.0, 4.0, 3.9, 3.9, 3.95, 3.0, 3.0, 2.99, 3.1, 3.2, 3.3, 1.0, 1.0, 1.0, 1.0,
               1.0, 1.0, 1.0, 1.0, 1.0]
    sched = ReduceLROnPlateau(make_opt(0.1, 0.3), **kwargs)
    topt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                            for lr in (0.1, 0.3)])
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    for m in metrics:
        sched.step(m)
        tsched.step(m)
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12)
        assert sched.num_bad_epochs == tsched.num_bad_epochs
