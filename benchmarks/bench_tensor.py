"""One SGD step of a 784-128-10 ReLU MLP with softmax cross-entropy: numpy, ours, PyTorch.

Variants: numpy with hand-written backward formulas (the floor); our Tensor ops written
out; our nn.Sequential + nn.functional.cross_entropy + nn.optim.SGD; PyTorch eager (CPU).
All start from the same weights and data, and are timed in interleaved rounds.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

import common
import nn
from autograd import Tensor

SIZES = (784, 128, 10)
LR = 0.1


def problem(batch: int, dtype) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Data, labels and initial weights [w1 (784, 128), b1, w2 (128, 10), b2]."""
    rng = np.random.default_rng(batch)
    n_in, n_hidden, n_out = SIZES
    x = rng.standard_normal((batch, n_in)).astype(dtype)
    y = rng.integers(0, n_out, batch)
    params = [rng.uniform(-1, 1, shape) / np.sqrt(fan_in)
              for shape, fan_in in [((n_in, n_hidden), n_in), ((n_hidden,), n_in),
                                    ((n_hidden, n_out), n_hidden), ((n_out,), n_hidden)]]
    return x, y, [p.astype(dtype) for p in params]


Step = tuple[Callable[[], float], Callable[[], list[np.ndarray]]]


def numpy_step(x, y, params) -> Step:
    """Forward, softmax cross-entropy and its backward by hand, then the update."""
    w1, b1, w2, b2 = ws = [p.copy() for p in params]
    rows, n = np.arange(len(y)), len(y)

    def step() -> float:
        z = x @ w1
        z += b1
        h = np.maximum(z, 0)
        logits = h @ w2
        logits += b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        loss = np.log(s).mean() - shifted[rows, y].mean()
        d = e / s
        d[rows, y] -= 1
        d /= n
        gw2, gb2 = h.T @ d, d.sum(axis=0)
        dh = d @ w2.T
        dh *= z > 0
        gw1, gb1 = x.T @ dh, dh.sum(axis=0)
        for w, g in zip(ws, (gw1, gb1, gw2, gb2)):
            w -= LR * g
        return float(loss)
    return step, lambda: ws


def tensor_step(x, y, params) -> Step:
    """Our Tensor ops written out: matmul, relu, log_softmax, indexing, mean."""
    ws = [Tensor(p.copy(), requires_grad=True) for p in params]
    w1, b1, w2, b2 = ws
    xt, pick = Tensor(x), (np.arange(len(y)), y)

    def step() -> float:
        logits = (xt @ w1 + b1).relu() @ w2 + b2
        loss = -logits.log_softmax(axis=1)[pick].mean()
        for w in ws:
            w.grad = None
        loss.backward()
        for w in ws:
            w.data -= LR * w.grad
        return loss.item()
    return step, lambda: [w.data for w in ws]


def nn_step(x, y, params) -> Step:
    """nn.Sequential(Linear, ReLU, Linear) + nn.functional.cross_entropy + nn.optim.SGD."""
    n_in, n_hidden, n_out = SIZES
    model = nn.Sequential(nn.Linear(n_in, n_hidden, dtype=x.dtype), nn.ReLU(),
                          nn.Linear(n_hidden, n_out, dtype=x.dtype))
    w1, b1, w2, b2 = params
    model.load_state_dict({"0.weight": w1.T, "0.bias": b1, "2.weight": w2.T, "2.bias": b2})
    optimizer = nn.optim.SGD(model.parameters(), lr=LR)
    xt = Tensor(x)

    def step() -> float:
        loss = nn.functional.cross_entropy(model(xt), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    def weights() -> list[np.ndarray]:
        return [model[0].weight.data.T, model[0].bias.data, model[2].weight.data.T,
                model[2].bias.data]
    return step, weights


def torch_step(x, y, params, torch) -> Step:
    """PyTorch eager: the same ops, F.cross_entropy, an in-place update under no_grad."""
    ws = [torch.tensor(p, requires_grad=True) for p in params]
    w1, b1, w2, b2 = ws
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    cross_entropy = torch.nn.functional.cross_entropy

    def step() -> float:
        logits = torch.relu(xt @ w1 + b1) @ w2 + b2
        loss = cross_entropy(logits, yt)
        for w in ws:
            w.grad = None
        loss.backward()
        with torch.no_grad():
            for w in ws:
                w.sub_(w.grad, alpha=LR)
        return loss.item()
    return step, lambda: [w.detach().numpy() for w in ws]


def variants(x, y, params, torch) -> dict[str, Step]:
    out = {"numpy": numpy_step(x, y, params), "Tensor": tensor_step(x, y, params),
           "nn": nn_step(x, y, params)}
    if torch is not None:
        out["torch"] = torch_step(x, y, params, torch)
    return out


def check_equal_work(x, y, params, torch) -> None:
    """One step from the same start: every variant gives numpy's loss and new weights."""
    common.check_equal_work(variants(x, y, params, torch), x.dtype)


def row(batch: int, dtype, torch, repeats: int, sample_seconds: float) -> list:
    x, y, params = problem(batch, dtype)
    check_equal_work(x, y, params, torch)
    steps = {name: step for name, (step, _) in variants(x, y, params, torch).items()}
    number = {name: common.calibrate(step, sample_seconds) for name, step in steps.items()}
    times = common.interleaved(steps, repeats, number)
    cells = [batch, np.dtype(dtype).name, times["numpy"] * 1e6]
    for name in steps:
        if name != "numpy":
            cells += [times[name] * 1e6, times[name] / times["numpy"]]
    return cells


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(argv, __doc__.splitlines()[0], repeats=20, threads=True)
    torch = common.try_torch()
    threads = common.set_threads(args.threads, torch)
    print(common.header("Tensor engine: one training step of a 784-128-10 MLP",
                        "bench_tensor.py", argv, torch))
    users = "numpy's BLAS and torch" if torch else "numpy's BLAS"
    print(f"{users}: {common.threads_text(threads)} in every variant.\n")
    headers = ["batch", "dtype", "numpy µs", "Tensor µs", "Tensor / numpy", "nn µs",
               "nn / numpy"]
    if torch is not None:
        headers += ["torch µs", "torch / numpy"]
    print("Step = forward + softmax cross-entropy + backward + SGD update (lr 0.1). Median of",
          args.repeats, "interleaved rounds (numpy, Tensor, nn, torch, numpy, ...); every "
          "variant checked first to give numpy's loss and updated weights.\n")
    batches = [16] if args.quick else [32, 128, 1024]
    rows = [row(batch, dtype, torch, args.repeats, 0.002 if args.quick else 0.02)
            for batch in batches for dtype in (np.float32, np.float64)]
    print(common.table(headers, rows) + "\n")


if __name__ == "__main__":
    main()
