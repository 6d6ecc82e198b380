"""A small reverse-mode automatic differentiation engine: scalar `Value`, numpy `Tensor`."""
from .graph import enable_grad, grad, is_grad_enabled, no_grad, toposort
from .extend import primitive
from .primitive import Primitive
from .tensor import Tensor, concatenate, maximum, minimum, stack, where
from .value import Value
from .factories import (arange, empty, eye, full, full_like, linspace, ones, ones_like, rand,
                        rand_like, randint, randn, randn_like, tensor, zeros, zeros_like)
from .jit import jit, random_constant
from .tensor_fns import bmm, cat, concat, einsum, one_hot, outer, pad

__all__ = ["Value", "Tensor", "grad", "toposort", "no_grad", "enable_grad", "is_grad_enabled",
           "primitive", "Primitive", "concatenate", "cat", "concat", "stack", "where",
           "maximum", "minimum", "jit", "random_constant", "tensor", "zeros", "ones", "full",
           "empty", "arange", "linspace", "eye", "rand", "randn", "randint", "zeros_like",
           "ones_like", "full_like", "rand_like", "randn_like", "einsum", "outer", "bmm",
           "one_hot", "pad"]
