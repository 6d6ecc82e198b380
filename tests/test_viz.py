"""Tests for autograd.viz.draw_dot: records, op nodes, edge order, roles, guards, rendering."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import graphviz
import numpy as np
import pytest

from autograd import Tensor, Value
from autograd import viz
from autograd.graph import toposort
from autograd.viz import ROLE_COLORS, draw_dot

has_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")

NODE = re.compile(r'^\t(\S+) \[label=(?:"((?:[^"\\]|\\.)*)"|(\S+))(.*)\]$')
EDGE = re.compile(r'^\t(\S+) -> (\S+)(?: \[label=(\d+)\])?$')


def parse(dot: graphviz.Digraph) -> tuple[dict, list]:
    """({id: (label, fillcolor, shape)}, [(tail, head, edge label or None)]) from dot.body."""
    nodes, edges = {}, []
    for line in dot.body:
        if m := EDGE.match(line.rstrip("\n")):
            edges.append((m[1], m[2], m[3]))
        elif m := NODE.match(line.rstrip("\n")):
            assert m[1] not in nodes, f"node {m[1]} drawn twice"
            color = re.search(r'fillcolor="([^"]+)"', m[4])[1]
            nodes[m[1]] = (m[2] if m[2] is not None else m[3], color,
                           re.search(r"shape=(\w+)", m[4])[1])
        else:
            raise AssertionError(f"unexpected DOT line {line!r}")
    return nodes, edges


def nid(node) -> str:
    return f"n{id(node)}"


def opid(node) -> str:
    return f"op{id(node)}"


def micrograd_expression():
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), \
        Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return [a, b, c, f, e, d, L]


def check_parent_order(nodes: list, edges: list) -> None:
    """Every op node has one edge per parent, labelled in parent order, then one to its result."""
    for node in nodes:
        if not node._prev:
            continue
        into = [(t, lab) for t, h, lab in edges if h == opid(node)]
        many = len(node._prev) > 1
        assert into == [(nid(p), str(i) if many else None) for i, p in enumerate(node._prev)]
        assert (opid(node), nid(node), None) in edges


def test_value_records_ops_and_parent_order_before_and_after_backward():
    a, b, c, f, e, d, L = nodes = micrograd_expression()
    before, edges = parse(draw_dot(L))
    assert before[nid(a)][0] == "{ a | data 2.0000 | grad 0.0000 }"
    assert before[nid(L)][0] == "{ L | data -8.0000 | grad 0.0000 }"
    L.backward()
    drawn, edges = parse(draw_dot(L))
    expected = {a: "{ a | data 2.0000 | grad 6.0000 }", b: "{ b | data -3.0000 | grad -4.0000 }",
                c: "{ c | data 10.0000 | grad -2.0000 }", f: "{ f | data -2.0000 | grad 4.0000 }",
                e: "{ e | data -6.0000 | grad -2.0000 }", d: "{ d | data 4.0000 | grad -2.0000 }",
                L: "{ L | data -8.0000 | grad 1.0000 }"}
    for node, label in expected.items():
        assert drawn[nid(node)][0] == label
        assert drawn[nid(node)][2] == "record"
    assert {k: v[0] for k, v in drawn.items() if k.startswith("op")} == \
        {opid(e): "*", opid(d): "+", opid(L): "*"}
    assert len(drawn) == 7 + 3 and len(edges) == 2 * 3 + 3
    check_parent_order(nodes, edges)
    assert (nid(a), opid(e), "0") in edges and (nid(b), opid(e), "1") in edges
    swapped = b * a  # the same parents the other way round: the labels follow
    _, edges = parse(draw_dot(swapped))
    assert (nid(b), opid(swapped), "0") in edges and (nid(a), opid(swapped), "1") in edges
    unary = L.tanh()
    _, edges = parse(draw_dot(unary))
    assert (nid(L), opid(unary), None) in edges and (opid(unary), nid(unary), None) in edges


def test_number_format_and_show_grad_and_rankdir():
    tiny, huge = Value(1.23456e-7, label="t"), Value(123456789.0, label="h")
    drawn, _ = parse(draw_dot([tiny, huge]))
    assert drawn[nid(tiny)][0] == "{ t | data 1.235e-07 | grad 0.0000 }"
    assert drawn[nid(huge)][0] == "{ h | data 1.235e+08 | grad 0.0000 }"
    dot = draw_dot(tiny * 2.0, show_grad=False, rankdir="TB")
    assert "| grad" not in dot.source and "rankdir=TB" in dot.source
    assert "t | data 1.235e-07 }" not in dot.source and '"t | data 1.235e-07"' in dot.source


def test_shared_subexpression_is_one_node_with_two_edges():
    a = Value(3.0, label="a")
    b = a + a
    b.backward()
    drawn, edges = parse(draw_dot(b))
    assert [k for k, v in drawn.items() if v[0].startswith("{ a |")] == [nid(a)]
    assert drawn[nid(a)][0] == "{ a | data 3.0000 | grad 2.0000 }"
    assert [e for e in edges if e[1] == opid(b)] == [(nid(a), opid(b), "0"),
                                                     (nid(a), opid(b), "1")]


def test_record_special_characters_are_escaped():
    a = Value(1.0, label='x{|<>"}\\')
    label = parse(draw_dot(a))[0][nid(a)][0]
    assert label == r'{ x\{\|\<\>\"\}\\ | data 1.0000 | grad 0.0000 }'


def chain(n: int) -> Value:
    v = Value(0.5, label="x")
    for _ in range(n - 1):
        v = v.tanh()
    return v


def test_max_node_guard_counts_before_building(monkeypatch):
    root = chain(100_000)
    monkeypatch.setattr(viz, "_digraph_class", lambda: pytest.fail("built before counting"))
    start = time.perf_counter()
    with pytest.raises(ValueError) as info:
        draw_dot(root)
    assert time.perf_counter() - start < 5.0
    message = str(info.value)
    assert "100000 nodes" in message and "max_nodes=200" in message
    assert "max_nodes=100000" in message and "smaller sub-expression" in message


def test_long_chain_builds_without_recursion():
    root = chain(5_000)
    assert sys.getrecursionlimit() < 5_000
    drawn, edges = parse(draw_dot(root, max_nodes=5_000))
    assert sum(k.startswith("n") for k in drawn) == 5_000
    assert sum(k.startswith("op") for k in drawn) == 4_999 and len(edges) == 2 * 4_999
    with pytest.raises(ValueError, match="5000 nodes, more than max_nodes=4999"):
        draw_dot(root, max_nodes=4_999)


def test_tensor_graph_shapes_dtypes_names_grads_and_roles():
    x = Tensor(np.arange(6).reshape(2, 3), dtype=np.float32, label="x")
    w = Tensor(np.full((3, 2), 0.5), dtype=np.float32, requires_grad=True)
    b = Tensor([0.0, -100.0], dtype=np.float32, requires_grad=True)
    h = x @ w + b
    out = h.relu().sum()
    params = {"0.weight": w, "0.bias": b}
    before, _ = parse(draw_dot(out, params=params))
    assert before[nid(x)][0] == "input | x | shape (2, 3) float32 | data mean 2.5 min 0 max 5 " \
                                "| grad —"
    assert before[nid(w)][0].startswith("param | 0.weight | shape (3, 2) float32 | ")
    assert before[nid(w)][0].endswith("| grad —")
    out.backward()
    drawn, edges = parse(draw_dot(out, params=params))
    gw = w.grad
    assert drawn[nid(w)][0] == (
        "param | 0.weight | shape (3, 2) float32 | data mean 0.5 min 0.5 max 0.5 | grad mean "
        f"{gw.mean():.4g} min {gw.min():.4g} max {gw.max():.4g}")
    assert drawn[nid(b)][0] == "param | 0.bias | shape (2,) float32 | data [0, -100] | grad [2, 0]"
    assert drawn[nid(out)][0] == "sum | shape () float32 | data 7.5 | grad 1"
    assert drawn[nid(h)][0].startswith("add | shape (2, 2) float32 | data [1.5, -98.5, 6, -94]")
    assert drawn[opid(h._prev[0])][0] == "@"  # the op node shows the label, the record the name
    check_parent_order(toposort([out]), edges)
    colors = {name: drawn[nid(t)][1] for name, t in [("input", x), ("param", w), ("output", out),
                                                     ("intermediate", h)]}
    assert colors == ROLE_COLORS and len(set(colors.values())) == 4
    assert drawn[nid(b)][1] == ROLE_COLORS["param"]
    unnamed, _ = parse(draw_dot(out))  # a leaf that requires grad is a parameter anyway
    assert unnamed[nid(w)][0].startswith("param | shape (3, 2) float32 | ")
    assert unnamed[nid(w)][1] == ROLE_COLORS["param"]
    assert unnamed[nid(x)][1] == ROLE_COLORS["input"]


def test_params_iterable_module_and_several_roots():
    from nn import Module

    a, k = Value(1.0, label="a"), Value(2.0, label="k")
    y, z = a * k, a + k
    drawn, _ = parse(draw_dot([y, z], params=[k]))
    assert drawn[nid(k)][1] == ROLE_COLORS["param"] and drawn[nid(a)][1] == ROLE_COLORS["input"]
    assert drawn[nid(y)][1] == drawn[nid(z)][1] == ROLE_COLORS["output"]

    class Scale(Module):
        def __init__(self) -> None:
            self.k = k

    drawn, _ = parse(draw_dot(y, params=Scale()))
    assert drawn[nid(k)][0].startswith("{ k | data 2.0000")  # named "k" by the module
    with pytest.raises(TypeError, match="Value or Tensor"):
        draw_dot([y, 3.0])


@has_dot
def test_renders_svg_with_labels_and_inline_in_jupyter():
    *_, L = micrograd_expression()
    L.backward()
    dot = draw_dot(L)
    svg = dot.pipe(format="svg").decode()
    assert "<svg" in svg
    for text in ("data 2.0000", "grad 6.0000", ">L<", ">a<", ">*<", ">+<"):
        assert text in svg
    bundle = dot._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "grad 6.0000" in bundle["image/svg+xml"]
    x = Tensor(np.ones((2, 2)), label="x")
    t = (x @ Tensor(np.eye(2), requires_grad=True)).sum()
    assert "matmul" in draw_dot(t).pipe(format="svg").decode()


def test_missing_dot_binary_keeps_source_and_explains_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    *_, L = micrograd_expression()
    dot = draw_dot(L)
    assert isinstance(dot, graphviz.Digraph)
    assert "{ L | data -8.0000 | grad 0.0000 }" in dot.source
    calls = [dot.pipe, lambda: dot.pipe(format="svg"), dot._repr_mimebundle_,
             lambda: dot.render(directory=tmp_path)]
    for call in calls:
        with pytest.raises(RuntimeError, match="apt-get install graphviz") as info:
            call()
        assert isinstance(info.value.__cause__, graphviz.ExecutableNotFound)
        message = str(info.value)
        assert "`dot`" in message and "brew install graphviz" in message
        assert "conda install graphviz" in message


def test_import_autograd_does_not_import_graphviz():
    code = "import sys, autograd, autograd.viz; assert 'graphviz' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_model_parameters_are_labelled_with_their_dotted_names():
    import nn

    model = nn.Sequential(nn.Linear(3, 4, rng=np.random.default_rng(0)), nn.ReLU(),
                          nn.Linear(4, 2, rng=np.random.default_rng(1)))
    loss = model(Tensor(np.ones((5, 3)))).sum()
    loss.backward()
    drawn, _ = parse(draw_dot(loss, params=dict(model.named_parameters())))
    for name, p in model.named_parameters():
        label, color, _ = drawn[nid(p)]
        assert label.startswith(f"param | {name} | shape {tuple(p.shape)} ")
        assert color == ROLE_COLORS["param"]
    assert {n for n, _ in model.named_parameters()} == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert parse(draw_dot(loss, params=model))[0] == drawn  # the module itself: the same names
