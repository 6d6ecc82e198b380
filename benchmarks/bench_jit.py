"""autograd.jit: traced steps beside eager, hand-written numpy and PyTorch eager.

Two workloads: the per-op chain of bench_ops.py (mul, add, tanh on shape-(4,) tensors,
forward + backward), and bench_tensor.py's 784-128-10 MLP step (nn.Sequential + SGD).
Times are medians of interleaved rounds, in process CPU time. The trace cost is the first
call of a fresh `jit(fn)` (eager run, code generation, compile), in eager steps.
"""
from __future__ import annotations

import statistics
import time
from typing import Callable, Sequence

import numpy as np

import bench_ops
import bench_tensor
import common
import nn
from autograd import Tensor, jit


def chain_variants(ops: int, torch) -> tuple[dict[str, Callable], Callable]:
    """name -> one forward + backward of the chain; and a maker of fresh jitted steps."""
    x0, w0 = np.linspace(-1, 1, 4), np.full(4, 0.9)
    x, w = Tensor(x0, requires_grad=True), Tensor(w0, requires_grad=True)

    def loss(x, w):
        return bench_ops.chain(x, w, ops, Tensor.tanh).sum()

    def eager() -> None:
        x.grad = w.grad = None
        loss(x, w).backward()

    step = jit(loss)

    def jitted() -> None:
        x.grad = w.grad = None
        step(x, w)

    fns = {"eager": eager, "jit": jitted}
    if torch is not None:
        tx, tw = torch.tensor(x0, requires_grad=True), torch.tensor(w0, requires_grad=True)

        def torch_eager() -> None:
            tx.grad = tw.grad = None
            bench_ops.chain(tx, tw, ops, torch.tanh).sum().backward()
        fns["torch"] = torch_eager
    jitted()
    traced = x.grad, w.grad
    eager()
    np.testing.assert_array_equal(traced, (x.grad, w.grad))  # the same work as eager
    return fns, lambda: (lambda s: lambda: s(x, w))(jit(loss))


def mlp_variants(batch: int, dtype) -> tuple[dict[str, Callable], Callable]:
    """numpy by hand, nn eager and nn jitted steps (bench_tensor's problem)."""
    x, y, params = bench_tensor.problem(batch, dtype)
    numpy_step, _ = bench_tensor.numpy_step(x, y, params)
    eager_step, eager_weights = bench_tensor.nn_step(x, y, params)
    n_in, n_hidden, n_out = bench_tensor.SIZES
    model = nn.Sequential(nn.Linear(n_in, n_hidden, dtype=dtype), nn.ReLU(),
                          nn.Linear(n_hidden, n_out, dtype=dtype))
    w1, b1, w2, b2 = params
    model.load_state_dict({"0.weight": w1.T, "0.bias": b1, "2.weight": w2.T, "2.bias": b2})
    optimizer = nn.optim.SGD(model.parameters(), lr=bench_tensor.LR)

    def loss(xb, yb):
        return nn.functional.cross_entropy(model(Tensor(xb)), yb)

    step = jit(loss)

    def jitted() -> float:
        optimizer.zero_grad()
        out = step(x, y)
        optimizer.step()
        return out.item()

    assert jitted() == eager_step()  # same start, same loss and update
    for a, b in zip([p.data for p in model.parameters()], eager_weights()):
        np.testing.assert_array_equal(a.T if a.ndim == 2 else a, b)
    return ({"numpy": numpy_step, "eager": eager_step, "jit": jitted},
            lambda: (lambda s: lambda: s(x, y))(jit(loss)))


def trace_cost(make: Callable, eager_seconds: float, repeats: int) -> float:
    """Median seconds of a fresh jit's first call, in eager steps."""
    samples = []
    for _ in range(repeats):
        first = make()
        start = time.process_time()
        first()
        samples.append(time.process_time() - start)
    return statistics.median(samples) / eager_seconds


def timed(fns: dict[str, Callable], repeats: int, seconds: float) -> dict[str, float]:
    number = {name: common.calibrate(fn, seconds) for name, fn in fns.items()}
    return common.interleaved(fns, repeats, number, clock=time.process_time)


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(argv, __doc__.splitlines()[0], repeats=20, threads=True)
    torch = common.try_torch()
    threads = common.set_threads(args.threads, torch)
    seconds = 0.002 if args.quick else 0.05
    print(common.header("autograd.jit: traced steps", "bench_jit.py", argv, torch))
    print(f"BLAS and torch: {common.threads_text(threads)}. Median of {args.repeats} "
          "interleaved rounds; every jitted step checked first to do eager's work.\n")
    ops = 100 if args.quick else 1000
    fns, make = chain_variants(ops, torch)
    t = timed(fns, args.repeats, seconds)
    nan = float("nan")
    rows = [[f"{ops}-op chain, (4,)", t["eager"] * 1e6, t["jit"] * 1e6, t["jit"] / t["eager"],
             t["torch"] / t["eager"] if "torch" in t else nan,
             t["jit"] / t["torch"] if "torch" in t else nan,
             trace_cost(make, t["eager"], 3)]]
    print(common.table(["workload", "eager µs", "jit µs", "jit / eager", "torch / eager",
                        "jit / torch", "trace, eager steps"], rows) + "\n")
    rows = []
    for batch in [16] if args.quick else [32, 1024]:
        fns, make = mlp_variants(batch, np.float32)
        t = timed(fns, args.repeats, seconds)
        rows.append([batch, "float32", t["numpy"] * 1e6, t["eager"] / t["numpy"],
                     t["jit"] / t["numpy"], t["jit"] / t["eager"],
                     trace_cost(make, t["eager"], 3)])
    print(common.table(["batch", "dtype", "numpy µs", "eager / numpy", "jit / numpy",
                        "jit / eager", "trace, eager steps"], rows) + "\n")


if __name__ == "__main__":
    main()
