"""Scalar engines on micrograd's own demo (MLP(2, [16, 16, 1]) on make_moons), and deep chains.

Rows: micrograd 0.1.0; micrograd's nn code run on our `Value` (the same graph, node for
node); our `nn.MLP`, whose neurons are single `Value.dot` nodes, with `Value.sum` in the loss.
"""
from __future__ import annotations

import gc
import random
import subprocess
import sys
import tracemalloc
from contextlib import contextmanager
from typing import Sequence

import numpy as np

import common
import nn
from autograd import Value
from autograd.graph import toposort

SEED = 1337
ALPHA = 1e-4
PROBE = """
import sys
from micrograd.engine import Value

def ok(n):  # a chain of n nodes
    x0 = x = Value(1.0)
    for _ in range(n - 1):
        x = x.relu()
    try:
        x.backward()
    except RecursionError:
        return False
    return x0.grad == 1

n = 1
while n < 1 << 22 and ok(2 * n):
    n *= 2
lo, hi = n, 2 * n
while hi - lo > 1:
    mid = (lo + hi) // 2
    lo, hi = (mid, hi) if ok(mid) else (lo, mid)
print(lo, sys.getrecursionlimit())
"""


def try_micrograd():
    try:
        import micrograd.engine
        import micrograd.nn
    except ImportError:
        return None
    return micrograd


def moons(n: int) -> tuple[list[list[float]], list[int]]:
    from sklearn.datasets import make_moons
    X, y = make_moons(n_samples=n, noise=0.1, random_state=SEED)
    return X.tolist(), (2 * y - 1).tolist()


@contextmanager
def micrograd_nn_on(value_cls):
    """micrograd's nn module building its neurons from `value_cls`."""
    import micrograd.nn
    saved, micrograd.nn.Value = micrograd.nn.Value, value_cls
    try:
        yield micrograd.nn
    finally:
        micrograd.nn.Value = saved


def models(mg) -> dict[str, tuple]:
    """name -> (model, Value class, fused loss sums); the same initial weights for all."""
    out = {}
    if mg is not None:
        random.seed(SEED)
        out["micrograd 0.1.0"] = (mg.nn.MLP(2, [16, 16, 1]), mg.engine.Value, False)
        with micrograd_nn_on(Value) as mg_nn:
            random.seed(SEED)
            out["ours, micrograd's nn code"] = (mg_nn.MLP(2, [16, 16, 1]), Value, False)
    random.seed(SEED)
    out["ours, nn.MLP (dot) + Value.sum"] = (nn.MLP(2, [16, 16, 1]), Value, True)
    return out


def demo_loss(model, value_cls, fused: bool, X, y):
    """micrograd's demo loss: mean max-margin loss plus alpha * sum of squared weights."""
    inputs = [[value_cls(a) for a in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
    squares = [p * p for p in model.parameters()]
    if fused:
        return Value.sum(losses) * (1.0 / len(losses)) + ALPHA * Value.sum(squares)
    return sum(losses) * (1.0 / len(losses)) + ALPHA * sum(squares)


def stepper(model, value_cls, fused: bool, X, y):
    """One training step of the demo: forward, zero_grad, backward, SGD update."""
    params = model.parameters()
    k = 0

    def step():
        nonlocal k
        total = demo_loss(model, value_cls, fused, X, y)
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        k = (k + 1) % 100
        return total.data
    return step


def graph_size(root) -> tuple[int, int]:
    """(nodes, edges) reachable from `root` through `_prev` (micrograd's nodes too)."""
    seen, stack, edges = {id(root)}, [root], 0
    while stack:
        parents = stack.pop()._prev
        edges += len(parents)
        for parent in parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen), edges


def bytes_per_node(model, value_cls, fused: bool, X, y) -> tuple[int, int, float]:
    """(nodes, edges, traced bytes per node) of building one step's graph."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    loss = demo_loss(model, value_cls, fused, X, y)
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    nodes, edges = graph_size(loss)
    if isinstance(loss, Value):
        assert nodes == len(toposort([loss]))
    return nodes, edges, used / nodes


def check_equal_work(mg, X, y) -> None:
    """Every variant starts from the same weights and makes the same first step."""
    runs = {name: (stepper(m, v, f, X, y)(), [p.data for p in m.parameters()])
            for name, (m, v, f) in models(mg).items()}
    (loss0, params0), *rest = runs.values()
    for loss, params in rest:
        assert np.isclose(loss, loss0, rtol=1e-9), (loss, loss0)
        assert np.allclose(params, params0, rtol=1e-9, atol=1e-12)


def step_table(mg, samples: int, repeats: int) -> str:
    X, y = moons(samples)
    check_equal_work(mg, X, y)
    built = models(mg)
    steps = {name: stepper(m, v, f, X, y) for name, (m, v, f) in built.items()}
    steps.update({(name, "gc off"): common.without_gc(step) for name, step in steps.items()})
    times = common.interleaved(steps, repeats, fresh=True)
    base = times.get("micrograd 0.1.0")
    rows = []
    for name, (m, v, f) in built.items():
        nodes, edges, per_node = bytes_per_node(m, v, f, X, y)
        seconds = times[name]
        speedup = base / seconds if base else float("nan")
        rows.append([name, seconds * 1e3, speedup, times[name, "gc off"] * 1e3, nodes, edges,
                     seconds * 1e9 / nodes, round(per_node)])
    return common.table(["engine", "ms / step", "speed-up vs micrograd", "ms / step, gc off",
                         "nodes / step", "edges / step", "ns / node", "bytes / node"], rows)


def chain(n: int) -> tuple[Value, Value]:
    """(leaf, root) of a chain of n nodes: n - 1 ReLUs on a positive leaf."""
    x0 = x = Value(1.0)
    for _ in range(n - 1):
        x = x.relu()
    return x0, x


def micrograd_depth() -> list:
    """micrograd's deepest back-propagatable chain, probed in a child process."""
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        return [float("nan"), f"probe failed: {done.stderr.strip().splitlines()[-1:]}"]
    depth, limit = map(int, done.stdout.split())
    return [depth, f"RecursionError at {depth + 1:,} nodes: recursive topological sort, "
                   f"sys.getrecursionlimit() = {limit:,}"]


def depth_table(mg, deepest: int) -> str:
    rows = []
    if mg is not None:
        rows.append(["micrograd 0.1.0", *micrograd_depth()])
    x0, root = chain(deepest)
    root.backward()
    assert x0.grad == 1.0
    rows.append(["ours", deepest, "largest size tried; leaf gradient correct (iterative "
                                  "topological sort, no recursion)"])
    return common.table(["engine", "deepest chain back-propagated (nodes)", "note"], rows)


def backward_table(sizes: Sequence[int], repeats: int) -> str:
    rows = []
    for n in sizes:
        _, root = chain(n)
        number = common.calibrate(root.backward, 0.05)
        times = common.interleaved({"on": root.backward, "off": common.without_gc(root.backward)},
                                   repeats, {"on": number, "off": number})
        rows.append([n, times["on"] * 1e3, times["on"] * 1e9 / n, times["off"] * 1e9 / n])
        del root
    return common.table(["chain nodes", "backward ms", "ns / node", "ns / node, gc off"], rows)


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(argv, __doc__.splitlines()[0], repeats=10)
    mg = try_micrograd()
    print(common.header("Scalar engine: micrograd's demo step", "bench_scalar.py", argv))
    if mg is None:
        print("micrograd is not installed: its row is skipped (pip install micrograd==0.1.0)\n")
    samples = 10 if args.quick else 100
    print(f"MLP(2, [16, 16, 1]), {samples} make_moons samples, max-margin loss + L2; one step ="
          " forward + zero_grad + backward + SGD. Median of", args.repeats,
          "interleaved rounds, each sample one step after a warm-up step and an untimed "
          "gc.collect(); garbage collector on except in the gc off column.\n")
    print(step_table(mg, samples, args.repeats) + "\n")
    sizes = [10**3, 10**4] if args.quick else [10**4, 10**5, 10**6]
    print("### Deepest chain\n")
    print(depth_table(mg, sizes[-1]) + "\n")
    print("### Our backward on a chain of ReLUs (graph built once, backward timed)\n")
    print(backward_table(sizes, min(args.repeats, 5)) + "\n")


if __name__ == "__main__":
    main()
