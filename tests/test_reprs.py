"""repr of optimizers (PyTorch's layout: each group's hyperparameters) and LR schedulers
(their arguments as held now, and last_epoch)."""
from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor, Value
from nn import optim
from nn.optim import lr_scheduler as L


def param(n: int = 3) -> Tensor:
    return Tensor(np.zeros(n), requires_grad=True)


def test_adam_repr_lists_its_one_group_sorted_by_name():
    assert repr(optim.Adam([param()])) == (
        "Adam (\n"
        "Parameter Group 0\n"
        "    amsgrad: False\n"
        "    betas: (0.9, 0.999)\n"
        "    eps: 1e-08\n"
        "    lr: 0.001\n"
        "    weight_decay: 0.0\n"
        ")")


def test_each_group_is_listed_with_its_own_values_and_a_scheduler_initial_lr():
    opt = optim.SGD([{"params": [param()]}, {"params": [Value(1.0)], "lr": 0.5}], lr=0.1,
                    momentum=0.9)
    L.StepLR(opt, step_size=2)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n    dampening: 0.0\n    initial_lr: 0.1\n")
    assert "    weight_decay: 0.0\n\nParameter Group 1\n" in text and text.endswith("\n)")
    group1 = text.split("Parameter Group 1\n")[1]
    assert "    lr: 0.5\n" in group1 and "    momentum: 0.9\n" in group1
    assert "params" not in text


@pytest.mark.parametrize("cls", [optim.SGD, optim.RMSprop, optim.Adagrad, optim.Adadelta,
                                 optim.Adam, optim.AdamW, optim.NAdam])
def test_every_optimizer_shows_its_defaults(cls):
    opt = cls([param()])
    lines = repr(opt).splitlines()
    assert lines[:2] == [f"{cls.__name__} (", "Parameter Group 0"] and lines[-1] == ")"
    assert lines[2:-1] == [f"    {k}: {opt.defaults[k]}" for k in sorted(opt.defaults)]


def test_optimizer_repr_matches_torch():
    torch = pytest.importorskip("torch")
    args = dict(lr=1e-2, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.0, amsgrad=True)
    ours = optim.Adam([param()], **args)
    theirs = torch.optim.Adam([torch.zeros(3, requires_grad=True)], **args)
    shared = set(ours.defaults)  # torch's groups hold more keys (foreach, fused, ...)
    ours_lines = [ln for ln in repr(ours).splitlines() if ":" not in ln
                  or ln.split(":")[0].strip() in shared]
    theirs_lines = [ln for ln in repr(theirs).splitlines() if ":" not in ln
                    or ln.split(":")[0].strip() in shared]
    assert ours_lines == theirs_lines


@pytest.mark.parametrize("make, text", [
    (lambda o: L.StepLR(o, step_size=10, gamma=0.5), "StepLR(step_size=10, gamma=0.5, {})"),
    (lambda o: L.MultiStepLR(o, milestones=[30, 10]),
     "MultiStepLR(milestones=[10, 30], gamma=0.1, {})"),
    (lambda o: L.ExponentialLR(o, gamma=0.9), "ExponentialLR(gamma=0.9, {})"),
    (lambda o: L.CosineAnnealingLR(o, T_max=20, eta_min=1e-4),
     "CosineAnnealingLR(T_max=20, eta_min=0.0001, {})"),
    (lambda o: L.LinearLR(o, start_factor=0.5, total_iters=4),
     "LinearLR(start_factor=0.5, end_factor=1.0, total_iters=4, {})"),
])
def test_scheduler_repr_shows_its_arguments_and_last_epoch(make, text):
    sched = make(optim.SGD([param()], lr=0.1))
    assert repr(sched) == text.format("last_epoch=0")
    for _ in range(3):
        sched.step()
    assert repr(sched) == text.format("last_epoch=3")


def test_plateau_scheduler_repr():
    sched = L.ReduceLROnPlateau(optim.SGD([param()], lr=0.1), patience=2, min_lr=1e-5)
    sched.step(1.0)
    assert repr(sched) == ("ReduceLROnPlateau(mode='min', factor=0.1, patience=2, "
                           "threshold=0.0001, threshold_mode='rel', cooldown=0, "
                           "min_lr=[1e-05], eps=1e-08, last_epoch=1)")


def test_a_subclass_shows_the_arguments_it_keeps():
    class Halving(L.LRScheduler):
        def __init__(self, optimizer, every, verbose=False, last_epoch=-1):
            self.every = every
            super().__init__(optimizer, last_epoch)

        def lr_at(self, base_lr, epoch):
            return base_lr / 2 ** (epoch // self.every)

    assert repr(Halving(optim.SGD([param()]), every=3)) == (
        "Halving(every=3, last_epoch=0)")  # verbose is not kept, so not shown
