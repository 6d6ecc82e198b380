"""micrograd-compatible scalar networks: `Neuron`, `Layer` and `MLP` over `Value`s.

After `random.seed(k)`, `MLP(nin, nouts)` draws exactly the weights micrograd 0.1.0 draws
and computes the same outputs; each neuron is one `Value.dot` node (plus its activation).
"""
from __future__ import annotations

import random
from typing import Any, Sequence

from autograd import Value

from .module import Module

ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of "
                         f"{', '.join(map(repr, ACTIVATIONS))}")
    return activation


class Neuron(Module):
    """One unit: `activation(w · x + b)`, or just `w · x + b` when `nonlin` is False."""

    def __init__(self, nin: int, nonlin: bool = True, activation: str | None = None,
                 rng: random.Random | None = None) -> None:
        source = random if rng is None else rng
        self.w = [Value(source.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin
        self.activation = _check_activation(activation or "relu") if nonlin else None

    def forward(self, x: Sequence[Value | float]) -> Value:
        """The neuron's output for inputs `x`."""
        act = Value.dot(self.w, x, self.b)
        if self.activation is None:
            return act
        return getattr(act, self.activation)()


    def __repr__(self) -> str:
        kind = ACTIVATIONS[self.activation] if self.activation else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same inputs; a single neuron's output is returned bare."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """Every neuron's output (a bare Value for a single neuron)."""
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out


    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: hidden layers with `activation`, a linear last layer."""

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 rng: random.Random | None = None) -> None:
        _check_activation(activation)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last, activation=activation,
                             rng=rng) for i in range(len(nouts))]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """The last layer's output after passing `x` through every layer."""
        for layer in self.layers:
            x = layer(x)
        return x


    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
