"""Draw a Value or Tensor graph with Graphviz: one record per node, one small node per op.

`draw_dot(loss)` walks the graph without recursion and returns a `graphviz.Digraph`.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np

from .graph import Node, toposort

if TYPE_CHECKING:
    import graphviz

# Fill colour of a node by its role; op nodes are grey ellipses.
ROLE_COLORS = {"input": "#cfe2ff", "param": "#ffe08a", "output": "#b7e4c7",
               "intermediate": "#ffffff"}
OP_COLOR = "#e9ecef"

MISSING_DOT = ("rendering needs the Graphviz `dot` program, which was not found on PATH. "
               "Install it with `apt-get install graphviz` (Debian/Ubuntu), "
               "`brew install graphviz` (macOS) or `conda install graphviz`; "
               "the DOT text is still available as `.source`.")

_ESCAPES = str.maketrans({**{c: "\\" + c for c in '\\{}|<>"'}, "\n": "\\n"})


def _record_text(text: str) -> str:
    """`text` with the characters special in a record label backslash-escaped."""
    return text.translate(_ESCAPES)


def _num(x: Any) -> str:
    """A Value's number: `.4f`, or 4 significant digits below 1e-3 and from 1e5 on."""
    x = float(x)
    return f"{x:.4f}" if x == 0.0 or 1e-3 <= abs(x) < 1e5 else f"{x:.4g}"


def _sig(x: Any) -> str:
    """A Tensor element or statistic in 4 significant digits."""
    return f"{x if isinstance(x, complex) else float(x):.4g}"


def _summary(a: Any) -> str:
    """The values of an array with up to 4 elements, otherwise its mean, min and max."""
    if a is None:
        return "—"
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.int8)
    if a.size <= 4:
        values = ", ".join(_sig(v) for v in a.ravel())
        return values if a.ndim == 0 else f"[{values}]"
    return f"mean {_sig(a.mean())} min {_sig(a.min())} max {_sig(a.max())}"


def _param_names(params: Any) -> dict[int, str]:
    """{id(parameter): name} from a mapping, a Module, or an iterable (names then empty)."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    if isinstance(params, Mapping):
        return {id(p): str(name) for name, p in params.items()}
    return {id(p): "" for p in params}


@functools.cache
def _digraph_class() -> type:
    """`graphviz.Digraph` whose rendering explains how to install `dot` when it is missing."""
    import graphviz

    def guard(method: Any) -> Any:
        @functools.wraps(method)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except graphviz.ExecutableNotFound as error:
                raise RuntimeError(MISSING_DOT) from error
        return call

    methods = {name: guard(getattr(graphviz.Digraph, name))
               for name in ("pipe", "render", "view", "unflatten", "_repr_mimebundle_")}
    doc = "A graphviz.Digraph that raises RuntimeError with install hints if `dot` is missing."
    return type("Digraph", (graphviz.Digraph,), {"__module__": __name__, "__doc__": doc,
                                                 **methods})


def __getattr__(name: str) -> Any:  # `autograd.viz.Digraph`, created on first use
    if name == "Digraph":
        return _digraph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def draw_dot(root: Node | Iterable[Node], rankdir: str = "LR", max_nodes: int = 200,
             params: Mapping[str, Any] | Iterable[Any] | None = None, show_grad: bool = True,
             format: str = "svg") -> graphviz.Digraph:
    """The graph that computed `root` (a Value or Tensor, or a list of them) as a Digraph.

    Each graph node is a record: for a Value "label | data 1.2345 | grad 0.5000"; for a
    Tensor its op (or "input"/"param"), name, shape and dtype, and its data and grad (the
    values when there are at most 4, else mean/min/max, in 4 significant digits; "grad —"
    when None). A Value's numbers use `.4f` (4 significant digits below 1e-3 and from 1e5
    on). Each op is a small grey ellipse between its parents and its result; when an op has
    several parents its incoming edges are labelled 0, 1, ... in parent order.

    Fill colours (`ROLE_COLORS`): output (the roots) green, parameter (a Tensor leaf that
    requires grad, or anything in `params`) yellow, other leaf inputs blue, intermediate
    results white. `params` maps names to parameters (e.g. `dict(model.named_parameters())`,
    or the model itself) so they are labelled "0.weight" etc.; an iterable marks them only.

    Graphs with more than `max_nodes` nodes (op nodes not counted) raise ValueError before
    anything is built. Without the `dot` binary the Digraph and its `.source` still work;
    rendering (`.pipe()`, `.render()`, notebook display) raises RuntimeError on how to
    install Graphviz. In Jupyter the returned object displays inline as SVG.

    Example:
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> L = (a * b).tanh(); L.label = "L"; L.backward()
        >>> dot = draw_dot(L)              # shows inline in a notebook
        >>> dot.render("graph")            # writes graph and graph.svg
    """
    if not isinstance(root, (Node, list, tuple)):
        raise TypeError(f"draw_dot needs a Value or Tensor (or a list of them), got "
                        f"{type(root).__name__} {root!r:.60}")
    roots = [root] if isinstance(root, Node) else list(root)
    for r in roots:
        if not isinstance(r, Node):
            raise TypeError(f"draw_dot needs Value or Tensor nodes, got {type(r).__name__}")
    order = toposort(roots)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(order)} nodes, more than max_nodes={max_nodes}. "
            f"Pass a larger limit (draw_dot(..., max_nodes={len(order)})) to draw it all, "
            "or draw a smaller sub-expression.")
    import graphviz

    names = _param_names(params)
    outputs = {id(r) for r in roots}
    vertical = rankdir.upper() in ("LR", "RL")  # records stack fields vertically in LR
    dot = _digraph_class()(name="autograd", format=format,
                           graph_attr={"rankdir": rankdir},
                           node_attr={"fontname": "Helvetica", "fontsize": "11"},
                           edge_attr={"fontsize": "9"})
    for node in reversed(order):  # inputs first, so the DOT text reads forwards
        nid, is_value = f"n{id(node)}", not hasattr(node, "shape")
        leaf = not node._prev
        is_param = id(node) in names or (leaf and bool(getattr(node, "requires_grad", False)))
        role = ("output" if id(node) in outputs else "param" if is_param
                else "input" if leaf else "intermediate")
        name = names.get(id(node)) or node.label
        if is_value:
            fields = [name, f"data {_num(node.data)}"]
            grad = f"grad {_num(node.grad)}"
        else:
            kind = node._prim.name if node._prim is not None else (
                "param" if is_param else "input")
            fields = [kind] + ([name] if name else [])
            fields += [f"shape {tuple(node.shape)} {node.dtype}", f"data {_summary(node.data)}"]
            grad = f"grad {_summary(node.grad)}"
        fields += [grad] if show_grad else []
        label = " | ".join(_record_text(f) for f in fields)
        if vertical == is_value:  # a Value is one row, a Tensor one column
            label = "{ " + label + " }"
        dot.node(nid, label=graphviz.nohtml(label), shape="record", style="filled",
                 fillcolor=ROLE_COLORS[role])
        if node._prev:
            op_id = f"op{id(node)}"
            dot.node(op_id, label=graphviz.escape(str(node._op)), shape="ellipse",
                     style="filled", fillcolor=OP_COLOR, fontsize="10", margin="0.02,0.01")
            many = len(node._prev) > 1
            for i, parent in enumerate(node._prev):
                dot.edge(f"n{id(parent)}", op_id, label=str(i) if many else None)
            dot.edge(op_id, nid)
    return dot
