"""A small reverse-mode automatic differentiation engine: scalar `Value`, numpy `Tensor`."""
from .graph import enable_grad, grad, is_grad_enabled, no_grad, toposort
from .extend import primitive
from .primitive import Primitive
from .tensor import Tensor, concatenate, maximum, minimum, stack, where
from .value import Value
from .jit import jit, random_constant

cat = concatenate

__all__ = ["Value", "Tensor", "grad", "toposort", "no_grad", "enable_grad", "is_grad_enabled",
           "primitive", "Primitive", "concatenate", "cat", "stack", "where", "maximum",
           "minimum", "jit", "random_constant"]
