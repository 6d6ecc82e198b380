"""A small reverse-mode automatic differentiation engine: scalar `Value`, numpy `Tensor`."""
import os as _os  # first: the HIPS `autograd` package on PyPI has the same import name

_here = _os.path.dirname(_os.path.abspath(__file__))
if not _os.path.isfile(_os.path.join(_here, "graph.py")) or any(
        _os.path.exists(_os.path.join(_here, name)) for name in ("numpy", "builtins.py")):
    raise ImportError(f"{_here} mixes this project (autograd-nn) with HIPS autograd (PyPI "
                      "'autograd'), which uses the same import name; the two cannot share an "
                      "environment. Use separate virtual environments, or run `pip uninstall "
                      "autograd autograd-nn` and reinstall the one you need.")
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
