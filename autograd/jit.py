"""`jit`: trace a training step once, then replay it as straight-line numpy code.

    step = jit(lambda xb, yb: F.cross_entropy(model(Tensor(xb)), yb))
    loss = step(xb, yb)      # forward AND backward: every parameter's .grad is filled
    print(step.source)       # the Python that runs: one line per op and per rule

The generated function calls the very forwards and rules of the traced Primitives, in the
order `backward()` would, so its numbers are those of the eager engine.
"""
from __future__ import annotations

import functools
import inspect
import textwrap
import threading
from typing import Any, Callable

import numpy as np

from .graph import is_grad_enabled, toposort
from .jit_codegen import (_HELPERS, _identifier, _literal, _refusing_backward,
                          _split_output, keep_freed_memory)
from .ops import unbroadcast
from .tensor import Tensor, _borrowed, _provenance

__all__ = ["jit", "random_constant"]


class _Argument(np.ndarray):
    """An argument's array while jit traces fn. What numpy computes from an _Argument is an
    _Argument too, and is kept (alive, so its memory is not reused) until the trace is built:
    a constant that shares its memory was derived from an argument outside the graph."""

    def __array_finalize__(self, obj: Any) -> None:
        if _recording.derived is not None:
            _recording.derived.append(self)


class _Recording(threading.local):
    draws: dict | None = None  # id(array) -> (array, draw) while this thread traces
    derived: list | None = None  # the _Argument arrays made while this thread traces


_recording = _Recording()


def random_constant(draw: Callable[[], np.ndarray]) -> np.ndarray:
    """`draw()`; a traced step calls `draw` again at each replay (dropout masks use it)."""
    array = draw()
    if _recording.draws is not None:
        _recording.draws[id(array)] = (array, draw)
    return array


class _Trace:
    """One traced graph compiled to Python: `source`, and `run(args)` replays it."""

    def __init__(self, source: str, env: dict, params: list, targets: list,
                 naux: int) -> None:
        self.source, self.params, self.targets, self.naux = source, params, targets, naux
        exec(compile(source, "<jit>", "exec"), env)
        self.code = env["step"]

    def run(self, args: tuple, arrays: list) -> Any:
        loss, aux, grads = self.code(*arrays, *[p.data for p in self.params])
        for target, g in zip(self.targets, grads):
            (args[target] if type(target) is int else target)._accumulate(g)
        return _result(loss, aux, self.naux)


def _result(loss: Any, aux: tuple, naux: int) -> Any:
    out = Tensor._make(loss)
    return (out, *map(Tensor._make, aux)) if naux else out


class _Builder:
    """Walks one eager graph, emitting the code that recomputes it and back-propagates."""

    def __init__(self, args: tuple, arrays: list, arg_names: list, param_names: dict,
                 draws: dict, made: dict, derived: list) -> None:
        self.args, self.arrays, self.draws, self.param_names = args, arrays, draws, param_names
        self.derived = derived  # arrays numpy computed from the arguments while tracing
        self.made = made  # constants computed by primitives while tracing, replayed
        self.env: dict[str, Any] = dict(_HELPERS)
        self.taken = set(self.env)
        self.lines: list[str] = []
        self.exprs: dict[int, str] = {}  # id(array or Tensor) -> the expression naming it
        self.params: list[Tensor] = []
        self.param_vars: list[str] = []
        self.fn_names: dict[int, str] = {}
        self.arg_vars = [_identifier(n, self.taken) for n in arg_names]
        for a, var in zip(arrays, self.arg_vars):
            self.exprs[id(a)] = var
        self.saved: dict[int, str] = {}  # id(node) -> the variable holding its residuals
        self.nops = self.nrules = 0

    # ------------------------------------------------------------------ names
    def _global(self, obj: Any, name: str) -> str:
        if id(obj) not in self.fn_names:
            self.fn_names[id(obj)] = ident = _identifier(name, self.taken)
            self.env[ident] = obj
        return self.fn_names[id(obj)]

    def _array(self, a: np.ndarray) -> str:
        """The expression for a constant array: an argument, a view of one, a draw, or fixed."""
        if id(a) in self.exprs:
            return self.exprs[id(a)]
        if id(a) in self.draws and self.draws[id(a)][0] is a:
            var = _identifier("c", self.taken)
            self.lines.append(f"{var} = {self._global(self.draws[id(a)][1], 'draw')}()")
        elif id(a) in self.made and self.made[id(a)][0] is a:
            _, prim, inputs, consts = self.made[id(a)]
            call = (f"{self._global(prim.forward, prim.name)}("
                    f"{', '.join(map(self._array, inputs))}{self._consts(consts)})"
                    + ("[0]" if prim.residuals else ""))
            var = _identifier("c", self.taken)
            self.lines.append(f"{var} = {call if a.ndim else f'asarray({call})'}")
        elif (i := self._source_argument(a)) is not None:
            base = self.arrays[i]
            offset = (a.__array_interface__["data"][0] - base.__array_interface__["data"][0])
            if offset == 0 and a.shape == base.shape and a.strides == base.strides:
                var = self.arg_vars[i]  # the whole argument, seen through a view
            else:
                var = _identifier(f"{self.arg_vars[i]}_view", self.taken)
                self.lines.append(f"{var} = _view({self.arg_vars[i]}, {offset // a.itemsize}, "
                                  f"{a.shape}, {a.strides})")
        elif any(np.may_share_memory(a, d) for d in self.derived):
            raise ValueError(
                f"jit: a constant of shape {a.shape} reached the graph computed by numpy from "
                "the arguments (as Tensor(x / 255) does), so the trace would freeze this "
                "call's values; compute it with Tensor ops (Tensor(x) / 255), pass it in as "
                "an argument, or make it from the shape alone (np.zeros(x.shape))")
        else:
            var = _identifier("c", self.taken)
            self.env[var] = a
        self.exprs[id(a)] = var
        return var

    def _source_argument(self, a: np.ndarray) -> int | None:
        """The argument `a` is a view of (None if none); refuses copies of arguments."""
        for i, base in enumerate(self.arrays):
            if np.shares_memory(a, base):
                if a.dtype != base.dtype or not base.flags.c_contiguous:
                    raise ValueError(f"jit: a view of argument {self.arg_vars[i]} with dtype "
                                     f"{a.dtype} from {base.dtype} cannot be replayed")
                return i
            if a.shape == base.shape and a.dtype != base.dtype and np.array_equal(a, base):
                raise ValueError(
                    f"jit: argument {self.arg_vars[i]} reached the graph as a {a.dtype} copy "
                    f"of its {base.dtype} array, which the trace would freeze; pass it in "
                    f"{a.dtype}")
        return None

    def _const(self, x: Any) -> str:
        if isinstance(x, np.ndarray):
            return self._array(x)
        if isinstance(x, tuple) and not _literal(x):
            return "(" + "".join(self._const(v) + ", " for v in x) + ")"
        if _literal(x):
            return repr(x)
        var = _identifier("k", self.taken)
        self.env[var] = x
        return var

    def _consts(self, ctx: dict | None) -> str:
        return "".join(f", {k}={self._const(v)}" for k, v in (ctx or {}).items())

    def _leaf(self, leaf: Tensor) -> str:
        if leaf.requires_grad:
            for i, arg in enumerate(self.args):
                if arg is leaf:
                    return self.arg_vars[i]
            var = _identifier(self.param_names.get(id(leaf), f"p{len(self.params)}"),
                              self.taken)
            self.params.append(leaf)
            self.param_vars.append(var)
            return var
        return self._array(leaf.data)

    # ------------------------------------------------------------------ passes
    def forward(self, nodes: list) -> None:
        for node in reversed(nodes):
            if not isinstance(node, Tensor):
                raise TypeError(f"jit traces Tensor graphs; found a {type(node).__name__}")
            if node._prim is None:
                self.exprs[id(node)] = self._leaf(node)
                continue
            prim = node._prim
            fn = self._global(prim.forward, prim.name)
            call = (f"{fn}({', '.join(self.exprs[id(p)] for p in node._prev)}"
                    f"{self._consts(node._ctx)})")
            var = self.exprs[id(node)] = _identifier(f"t{self.nops}", self.taken)
            if prim.residuals:  # (out, arrays its rules reuse)
                saved = self.saved[id(node)] = _identifier(f"{var}_saved", self.taken)
                self.lines.append(f"{var}, {saved} = {call}")
            else:
                self.lines.append(f"{var} = {call if node.data.ndim else f'asarray({call})'}")
            self.nops += 1

    def backward(self, loss: Tensor) -> tuple[list, list, list]:
        """Mirror `graph.backprop` on the trace's arrays, emitting one line per rule."""
        gvar, seed = self._grad_var(loss), np.ones_like(loss.data)
        if loss._prim is None:  # the loss is a leaf: its .grad must be an array of its own
            self.lines.append(f"{gvar} = ones_like({self.exprs[id(loss)]})")
        else:  # one array for every call: rules never write into their gradient
            one = _identifier("one", self.taken)
            self.env[one] = seed
            self.lines.append(f"{gvar} = {one}")
        grads = {loss: (gvar, seed)}
        targets, gvars, values = [], [], []
        for node in toposort([loss]):
            entry = grads.pop(node, None)
            if entry is None:
                continue
            gvar, g = entry
            if node._prim is None:
                if node.requires_grad:
                    hit = [i for i, a in enumerate(self.args) if a is node]
                    targets.append(hit[0] if hit else node)
                    gvars.append(gvar)
                    values.append(g)
                continue
            for parent, call, pg in self._rules(node, gvar, g):
                if pg.shape != parent.data.shape:
                    call = f"unbroadcast({call}, {parent.data.shape})"
                    pg = unbroadcast(pg, parent.data.shape)
                if parent._prim is None and parent.requires_grad and _borrowed(pg, g):
                    call, pg = f"{call}.copy(order='K')", pg.copy(order="K")
                pvar = self._grad_var(parent)
                if parent in grads:
                    self.lines.append(f"{pvar} = {pvar} + {call}")
                    grads[parent] = (pvar, grads[parent][1] + pg)
                else:
                    self.lines.append(f"{pvar} = {call}")
                    grads[parent] = (pvar, pg)
        return targets, gvars, values

    def _grad_var(self, node: Tensor) -> str:
        name = self.exprs[id(node)]
        return "g" + name[1:] if node._prim is not None else "g_" + name

    def _rules(self, node: Tensor, gvar: str, g: Any) -> Iterator[tuple]:
        """(parent, code, gradient) for each parent given a gradient, as `_parent_grads`."""
        prim, prev, ctx = node._prim, node._prev, node._ctx or {}
        inputs = [p.data for p in prev]
        args = (f"{gvar}, {self.exprs[id(node)]}, "
                f"{', '.join(self.exprs[id(p)] for p in prev)}{self._consts(ctx)}")
        if node._saved:
            ctx = {**ctx, **node._saved}
            args += f", **{self.saved[id(node)]}"
        if prim.vjps is not None and len(prim.vjps) == len(prev):
            for i, (rule, p) in enumerate(zip(prim.vjps, prev)):
                if p.requires_grad:
                    self._check_rule(rule, prim, f" for input {i}")
                    pg = rule(g, node.data, *inputs, **ctx)
                    self.nrules += 1
                    if pg is not None:
                        yield p, f"{self._global(rule, f'{prim.name}_vjp_{i}')}({args})", pg
            return
        self._check_rule(prim.vjp, prim, "")
        pgs = prim.vjp(g, node.data, *inputs, **ctx)
        var = _identifier(f"r{self.nrules}", self.taken)
        self.lines.append(f"{var} = {self._global(prim.vjp, f'{prim.name}_vjp')}({args})")
        self.nrules += 1
        for i, (p, pg) in enumerate(zip(prev, pgs)):
            if pg is not None and p.requires_grad:  # a constant's gradient is dead code
                yield p, f"{var}[{i}]", pg

    @staticmethod
    def _check_rule(rule: Any, prim: Any, where: str) -> None:
        if not callable(rule):
            raise TypeError(f"jit: op {prim.name!r} has no derivative rule{where}, so its "
                            "backward cannot be replayed")

    def source(self, loss_var: str, aux_vars: list, gvars: list,
               doc: str) -> str:
        head = f"def step({', '.join(self.arg_vars + self.param_vars)}):"
        ret = (f"    return {loss_var}, ({''.join(v + ', ' for v in aux_vars)}), "
               f"({''.join(v + ', ' for v in gvars)})")
        doc = textwrap.fill(doc, 92, initial_indent='    """', subsequent_indent="    ")
        body = [doc + '"""'] + ["    " + line for line in self.lines] + [ret]
        return "\n".join([head] + body) + "\n"


def _describe(name: str, a: np.ndarray) -> str:
    return f"{name} {a.shape} {a.dtype}"


class Jitted:
    """A traced step: call it like fn; `source` is the code of the latest trace."""

    def __init__(self, fn: Callable, params: dict | None = None) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.param_names = {id(p): name for name, p in (params or {}).items()}
        try:
            names = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            names = []
        self.arg_names = names
        self.traces: dict[tuple, _Trace] = {}
        self.latest: _Trace | None = None

    @property
    def source(self) -> str:
        """The Python source of the most recent trace."""
        if self.latest is None:
            raise RuntimeError("jit: nothing traced yet; call the step once first")
        return self.latest.source

    def __call__(self, *args: Any) -> Any:
        if not is_grad_enabled():
            raise RuntimeError("jit: a traced step runs the backward pass, which no_grad "
                               "forbids; call it with gradients enabled")
        arrays = [a.data if isinstance(a, Tensor) else np.asarray(a) for a in args]
        key = tuple([(a.shape, a.dtype, a.strides, getattr(x, "requires_grad", False))
                     for a, x in zip(arrays, args)])
        trace = self.traces.get(key)
        if trace is None:
            trace, out = self._trace(args, arrays)
            self.traces[key] = trace
        else:
            out = trace.run(args, arrays)
        self.latest = trace
        return out

    def _trace(self, args: tuple, arrays: list) -> tuple[_Trace, Any]:
        """Run fn eagerly, compile its graph, and do the backward the compiled code does."""
        keep_freed_memory()
        draws: dict = {}
        made: dict = {}
        derived: list = []
        previous = _recording.draws, _recording.derived
        _recording.draws, _recording.derived = draws, derived
        made_before, _provenance.made = _provenance.made, made
        marked = [a.view(_Argument) for a in arrays]
        for x, m in zip(args, marked):
            if isinstance(x, Tensor):
                x.data = m  # restored below
        try:
            with _refusing_backward():
                result = self.fn(*[x if isinstance(x, Tensor) else m
                                   for x, m in zip(args, marked)])
        finally:
            (_recording.draws, _recording.derived), _provenance.made = previous, made_before
            for x, a in zip(args, arrays):
                if isinstance(x, Tensor):
                    x.data = a
        loss, aux = _split_output(result)
        names = self.arg_names[:len(args)] + [f"x{i}" for i in range(len(self.arg_names),
                                                                       len(args))]
        b = _Builder(args, arrays, names, self.param_names, draws, made, derived)
        b.forward(toposort([loss, *aux]))
        targets, gvars, values = b.backward(loss)
        doc = (f"Traced from {getattr(self.fn, '__qualname__', 'fn')}: inputs "
               + ", ".join(_describe(n, a) for n, a in zip(b.arg_vars, arrays))
               + "; parameters " + (", ".join(_describe(n, p.data) for n, p in
                                               zip(b.param_vars, b.params)) or "none")
               + f"; {b.nops} forward ops, {b.nrules} rules.")
        source = b.source(b.exprs[id(loss)], [b.exprs[id(a)] for a in aux], gvars,
                          doc)
        trace = _Trace(source, b.env, b.params, targets, len(aux))
        for target, g in zip(targets, values):
            (args[target] if type(target) is int else target)._accumulate(np.asarray(g))
        return trace, _result(loss.data, tuple(a.data for a in aux), len(aux))


def jit(fn: Callable, params: dict | None = None) -> Jitted:
    """Trace `fn(*inputs) -> scalar loss` once; each call then runs forward AND backward.

    `step = jit(fn)`; `step(*inputs)` returns fn's loss (a leaf Tensor; with a tuple
    `(loss, *tensors)` also those tensors' values) and adds d(loss)/d(leaf) into every leaf's
    `.grad` exactly as `fn(*inputs).backward()` would. The first call with new input
    shapes, dtypes or strides runs fn eagerly and traces it; later calls replay the
    generated code (`step.source`). Inputs are Tensors or arrays (integer labels too) and
    must reach the graph as themselves or as views of themselves. Every other leaf that
    requires a gradient is a parameter, read afresh (`.data`) at each call; all other
    leaves and constants are frozen, except arrays made by `random_constant` (dropout),
    drawn anew, and arrays that primitives computed from the inputs, recomputed.
    `params=dict(model.named_parameters())` names parameters in the source.

    Limits: Python control flow that depends on data is frozen at trace time. jit refuses
    a constant that numpy computed from the inputs outside any op (`Tensor(x / 255)`: the
    trace would freeze it; numpy functions that drop array subclasses escape this check),
    fn calling backward()/grad() (create_graph=True included), a non-scalar loss, an op
    without a derivative rule, and being called under no_grad.
    """
    return Jitted(fn, params)
