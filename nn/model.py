"""`Model`: a Module that trains itself the Keras way (`compile`, `fit`, `evaluate`, `predict`)."""
from __future__ import annotations

from typing import Any, Iterator

from .module import Module
from .train import Trainer


class Model(Module, Trainer):
    """A Module with Keras's training methods; `nn.Sequential` is one.

    Subclass it for a model of your own (define `__init__` and `forward`), then
    `model.compile(optimizer, loss, metrics)` and `model.fit(x, y)`. Plain layers are not
    Models: train any other module with `nn.Trainer(module, ...)` or `nn.train.fit`.
    """

    @property
    def module(self) -> Model:
        """The module being trained: the model itself."""
        return self


class Sequential(Model):
    """Modules applied one after another; they are named "0", "1", ... as in PyTorch."""

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            setattr(self, str(i), module)
        self.length = len(modules)

    def __getitem__(self, i: int) -> Module:
        return getattr(self, str(range(self.length)[i]))

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[Module]:
        return (self[i] for i in range(self.length))

    def forward(self, x: Any) -> Any:
        """Each module applied in turn to the output of the one before."""
        for module in self:
            x = module(x)
        return x
