"""A small reverse-mode automatic differentiation engine: scalar `Value`, numpy `Tensor`."""
import os as _os  # first: the HIPS `autograd` package on PyPI has the same import name

_here = _os.path.dirname(_os.path.abspath(__file__))
if not _os.path.isfile(_os.path.join(_here, "graph.py")) or any(
        _os.path.exists(_os.path.join(_here, name)) for name in ("numpy", "builtins.py")):
    raise ImportError(f"{_here} mixes this project (autograd-nn) with HIPS autograd (PyPI "
                      "'autograd'), which uses the same import name; the two cannot share an "
                      "environment. Use separate virtual environments, or run `pip uninstall "
                      "autograd autograd-nn` and reinstall the one you need.")
from .graph import enable_grad, grad, is_grad_enabled, no_grad
from .primitive import Primitive, primitive
from .tensor import Tensor, concatenate, maximum, minimum, stack, where
from .value import Value

cat = concatenate

__all__ = ["Value", "Tensor", "grad", "no_grad", "enable_grad", "is_grad_enabled",
           "primitive", "Primitive", "concatenate", "cat", "stack", "where", "maximum",
           "minimum"]
