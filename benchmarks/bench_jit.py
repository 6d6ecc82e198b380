"""autograd.jit: traced steps beside eager, hand-written numpy and PyTorch eager.

Four workloads: the per-op chain of bench_ops.py (mul, add, tanh on shape-(4,) tensors,
forward + backward), bench_tensor.py's 784-128-10 MLP step (nn.Sequential + SGD),
bench_layers.py's digits CNN step and bench_lstm.py's LSTM step (BPTT + SGD).
Times are medians of interleaved rounds, in process CPU time. The trace cost is the first
call of a fresh `jit(fn)` (eager run, code generation, compile), in eager steps.
"""
from __future__ import annotations

import statistics
import time
from typing import Callable, Sequence

import numpy as np

import bench_layers
import bench_lstm
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


GOALS = {"CNN": 1.3, "LSTM": 1.6}  # jit / numpy


def jitted_sgd(loss: Callable, params: list, lr: float, x, y) -> tuple[Callable, Callable]:
    """An SGD step running `jit(loss)(x, y)`, and a maker of fresh jitted first calls."""
    optimizer = nn.optim.SGD(params, lr=lr)
    step = jit(loss)

    def jitted() -> float:
        optimizer.zero_grad()
        out = step(x, y)
        optimizer.step()
        return out.item()
    return jitted, lambda: (lambda s: lambda: s(x, y))(jit(loss))


def checked(variants: dict, jitted: Callable, weights: Callable) -> dict:
    """`variants` (name -> (step, weights)) and jit: one step each gives numpy's numbers."""
    loss0, new0 = variants["numpy"][0](), variants["numpy"][1]()
    rtol = 1e-9
    assert np.isclose(jitted(), loss0, rtol=rtol)
    for w, w0 in zip(weights(), new0):
        np.testing.assert_allclose(w, w0, rtol=rtol, atol=1e-12)
    return {name: step for name, (step, _) in variants.items()} | {"jit": jitted}


def cnn_variants(batch: int, torch) -> tuple[dict[str, Callable], Callable]:
    """bench_layers' digits CNN step: numpy by hand, nn eager, nn jitted (and torch)."""
    x, y, params = bench_layers.problem(batch)
    model = bench_layers.ours_model(params)
    jitted, make = jitted_sgd(bench_layers.ours_loss(model), model.parameters(),
                              bench_layers.LR, x, y)
    variants = bench_layers.variants(x, y, params, torch)
    fns = checked(variants, jitted, lambda: [p.data for p in model.parameters()])
    return {"numpy": fns["numpy"], "eager": fns["ours"], "jit": jitted,
            **({"torch": fns["torch"]} if "torch" in fns else {})}, make


def lstm_variants(sizes: tuple, torch) -> tuple[dict[str, Callable], Callable]:
    """bench_lstm's LSTM step: numpy by hand, nn eager, nn jitted (and torch)."""
    x, y, params = bench_lstm.problem(*sizes, np.float64)
    lstm, head = bench_lstm.nn_model(x, params)
    weights = lstm.parameters() + head.parameters()
    jitted, make = jitted_sgd(bench_lstm.nn_loss(lstm, head), weights, bench_lstm.LR, x, y)
    variants = bench_lstm.variants(x, y, params, torch)
    fns = checked(variants, jitted, lambda: [p.data for p in weights])
    return {"numpy": fns["numpy"], "eager": fns["nn"], "jit": jitted,
            **({"torch": fns["torch"]} if "torch" in fns else {})}, make


def trace_cost(make: Callable, eager_seconds: float, repeats: int) -> float:
    """Median seconds of a fresh jit's first call, in eager steps."""
    samples = []
    for _ in range(repeats):
        first = make()
        start = time.process_time()
        first()
        samples.append(time.process_time() - start)
    return statistics.median(samples) / eager_seconds


class Timings(dict):
    """Median seconds per variant; `ratio(a, b)` the ratio with its spread."""

    def __init__(self, medians: dict, samples: dict) -> None:
        super().__init__(medians)
        self.samples = samples

    def ratio(self, a: str, b: str) -> str:
        """a / b within each round: the median and, in brackets, the quartiles."""
        if a not in self or b not in self:
            return ""
        per_round = np.array(self.samples[a]) / np.array(self.samples[b])
        low, mid, high = np.percentile(per_round, [25, 50, 75])
        return f"{mid:.3g} ({low:.3g}–{high:.3g})"


def timed(fns: dict[str, Callable], repeats: int, seconds: float) -> Timings:
    number = {name: common.calibrate(fn, seconds) for name, fn in fns.items()}
    samples: dict = {}
    medians = common.interleaved(fns, repeats, number, clock=time.process_time,
                                 samples=samples)
    return Timings(medians, samples)


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(argv, __doc__.splitlines()[0], repeats=20, threads=True)
    torch = common.try_torch()
    threads = common.set_threads(1 if args.threads is None else args.threads, torch)
    seconds = 0.002 if args.quick else 0.05
    print(common.header("autograd.jit: traced steps", "bench_jit.py", argv, torch))
    print(f"BLAS and torch: {common.threads_text(threads)}. Median of {args.repeats} "
          "interleaved rounds of process CPU time; a ratio is the median of the rounds' ratios, "
          "with their quartiles in brackets; every jitted step checked first to do eager's "
          "work.\n")
    ops = 100 if args.quick else 1000
    fns, make = chain_variants(ops, torch)
    t = timed(fns, args.repeats, seconds)
    rows = [[f"{ops}-op chain, (4,)", t["eager"] * 1e6, t["jit"] * 1e6, t.ratio("jit", "eager"),
             t.ratio("torch", "eager"), t.ratio("jit", "torch"),
             trace_cost(make, t["eager"], 3)]]
    print(common.table(["workload", "eager µs", "jit µs", "jit / eager", "torch / eager",
                        "jit / torch", "trace, eager steps"], rows) + "\n")
    rows = []
    for batch in [16] if args.quick else [32, 1024]:
        fns, make = mlp_variants(batch, np.float32)
        t = timed(fns, args.repeats, seconds)
        rows.append([batch, "float32", t["numpy"] * 1e6, t.ratio("eager", "numpy"),
                     t.ratio("jit", "numpy"), t.ratio("jit", "eager"),
                     trace_cost(make, t["eager"], 3)])
    print(common.table(["batch", "dtype", "numpy µs", "eager / numpy", "jit / numpy",
                        "jit / eager", "trace, eager steps"], rows) + "\n")
    lstm_sizes = (4, 4, 3, 8) if args.quick else (20, 32, 8, 64)
    rows = []
    for name, (fns, make) in [("CNN", cnn_variants(64, torch)),
                              ("LSTM", lstm_variants(lstm_sizes, torch))]:
        t = timed(fns, args.repeats, seconds)
        rows.append([name, t["numpy"] * 1e6, t.ratio("eager", "numpy"),
                     t.ratio("jit", "numpy"), GOALS[name], t.ratio("jit", "eager"),
                     t.ratio("torch", "numpy"), trace_cost(make, t["eager"], 3)])
    print("CNN: bench_layers.py's step, Conv2d(1, 16, 3, padding=1), ReLU, MaxPool2d(2), "
          "Flatten, Linear(256, 10), cross-entropy, SGD; batch 64 of 1x8x8. LSTM: "
          "bench_lstm.py's step, seq {}, batch {}, input {}, hidden {}, a Linear head on the "
          "last state, BPTT, SGD. float64.\n".format(*lstm_sizes))
    print(common.table(["workload", "numpy µs", "eager / numpy", "jit / numpy", "goal",
                        "jit / eager", "torch / numpy", "trace, eager steps"], rows) + "\n")


if __name__ == "__main__":
    main()
