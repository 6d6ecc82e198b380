"""Per-op overhead: a chain of small elementwise ops on shape-(4,) tensors, forward + backward.

The chain repeats `y = y * w`, `y = y + w`, `y = tanh(y)` with `x` and `w` leaves that need
gradients, then back-propagates `y.sum()`. With 4 numbers per op, the time is overhead:
graph recording, dispatch, the walk. numpy running the same forward with no graph is the floor.
"""
from __future__ import annotations

import math
import statistics
import time
from typing import Callable, Sequence

import numpy as np

import common
from autograd import Tensor


def chain(x, w, ops: int, tanh: Callable):
    y = x
    for i in range(ops):
        kind = i % 3
        y = y * w if kind == 0 else y + w if kind == 1 else tanh(y)
    return y


def engines(ops: int, torch) -> dict[str, tuple[Callable, Callable | None]]:
    """name -> (forward building the chain, backward through it or None)."""
    x0, w0 = np.linspace(-1, 1, 4), np.full(4, 0.9)
    x, w = Tensor(x0, requires_grad=True), Tensor(w0, requires_grad=True)
    out = {"numpy (forward only, no graph)": (lambda: chain(x0, w0, ops, np.tanh), None),
           "ours (Tensor)": (lambda: chain(x, w, ops, Tensor.tanh), _backward)}
    if torch is not None:
        tx = torch.tensor(x0, requires_grad=True)
        tw = torch.tensor(w0, requires_grad=True)
        out["torch (eager)"] = (lambda: chain(tx, tw, ops, torch.tanh), _backward)
    return out


def _backward(y) -> None:
    y.sum().backward()


def measure(fns: dict, repeats: int) -> dict[str, tuple[float, float]]:
    """Median (forward, backward) seconds per chain, engines interleaved in rounds."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in fns}
    for round_ in range(repeats + 1):
        for name, (forward, backward) in fns.items():
            start = time.perf_counter()
            y = forward()
            middle = time.perf_counter()
            if backward is not None:
                backward(y)
            end = time.perf_counter() if backward is not None else float("nan")
            if round_:
                samples[name].append((middle - start, end - middle))
            del y
    return {name: (statistics.median(f for f, _ in s), statistics.median(b for _, b in s))
            for name, s in samples.items()}


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(argv, __doc__.splitlines()[0], repeats=30, threads=True)
    torch = common.try_torch()
    threads = common.set_threads(args.threads, torch)
    ops = 100 if args.quick else 1000
    print(common.header("Per-op overhead: chains of tiny elementwise ops", "bench_ops.py", argv,
                        torch))
    print(f"{ops} ops (mul, add, tanh, ...) on shape-(4,) float64 tensors, then "
          f"`y.sum().backward()`. Median of {args.repeats} interleaved rounds; "
          f"BLAS and torch: {common.threads_text(threads)}.\n")
    times = measure(engines(ops, torch), args.repeats)
    reference = times.get("torch (eager)")
    rows = []
    for name, (forward, backward) in times.items():
        total = forward + (0.0 if math.isnan(backward) else backward)
        versus = total / sum(reference) if reference and "numpy" not in name else float("nan")
        rows.append([name, forward / ops * 1e6, backward / ops * 1e6, total / ops * 1e6, versus])
    print(common.table(["engine", "forward µs / op", "backward µs / op", "total µs / op",
                        "total / torch"], rows) + "\n")


if __name__ == "__main__":
    main()
