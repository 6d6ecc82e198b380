"""Neural networks on the autograd engine: modules, layers, losses, optimizers, training."""
from .module import Module, Parameter, Sequential

__all__ = ["Module", "Parameter", "Sequential"]
