"""One SGD step of a digits-sized CNN: hand-written numpy, our nn layers, PyTorch eager.

Conv2d(1, 16, 3, padding=1), ReLU, MaxPool2d(2), Flatten, Linear(256, 10), softmax
cross-entropy, SGD, on a batch of 64 1x8x8 images, in float32 and float64. numpy is the
floor: im2col by as_strided and one matmul, a max pool over the four strided 2x2 sub-grids,
the backward by hand.
Times are process CPU time (every BLAS on one thread), medians of interleaved rounds.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads its BLAS

import time  # noqa: E402
import argparse  # noqa: E402
from typing import Any, Callable, Sequence  # noqa: E402

import numpy as np  # noqa: E402

import common  # noqa: E402
import nn  # noqa: E402
from autograd import Tensor  # noqa: E402

LR = 0.1
GOALS = {"ours / numpy": 1.4, "ours / torch": 0.7}


DTYPES = ("float32", "float64")


def problem(batch: int, dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray,
                                                          list[np.ndarray]]:
    """Images (batch, 1, 8, 8), labels, and initial [conv w, conv b, linear w, linear b]."""
    rng = np.random.default_rng(batch)
    x = rng.random((batch, 1, 8, 8))
    y = rng.integers(0, 10, batch)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(256, 10, rng=rng))
    return x.astype(dtype), y, [np.array(p, dtype) for p in model.state_dict().values()]


Step = tuple[Callable[[], float], Callable[[], list[np.ndarray]]]


def numpy_step(x, y, params) -> Step:
    """The CNN step written by hand on NHWC arrays."""
    w1, b1, w2, b2 = ws = [p.copy() for p in params]
    n = len(y)
    rows = np.arange(n)

    def step() -> float:
        xp = np.zeros((n, 10, 10), x.dtype)
        xp[:, 1:-1, 1:-1] = x[:, 0]
        s = xp.strides
        cols = np.lib.stride_tricks.as_strided(xp, (n, 8, 8, 3, 3), s[:3] + s[1:])
        cols = cols.reshape(n * 64, 9)
        z = cols @ w1.reshape(16, 9).T
        z += b1
        h = np.maximum(z, 0).reshape(n, 8, 8, 16)
        grids = [h[:, i::2, j::2] for i in (0, 1) for j in (0, 1)]
        pooled = np.maximum(np.maximum(grids[0], grids[1]), np.maximum(grids[2], grids[3]))
        flat = pooled.transpose(0, 3, 1, 2).reshape(n, 256)
        logits = flat @ w2.T
        logits += b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = np.log(total).mean() - shifted[rows, y].mean()
        d = e / total
        d[rows, y] -= 1
        d /= n
        gw2, gb2 = d.T @ flat, d.sum(axis=0)
        dpool = (d @ w2).reshape(n, 16, 4, 4).transpose(0, 2, 3, 1)
        dh = np.zeros_like(h)
        taken = np.zeros(pooled.shape, bool)
        for (i, j), grid in zip([(0, 0), (0, 1), (1, 0), (1, 1)], grids):
            first = (grid == pooled) & ~taken  # the first maximum, as torch picks
            taken |= first
            dh[:, i::2, j::2] = dpool * first
        dz = dh.reshape(n * 64, 16)
        dz *= z > 0
        gw1, gb1 = (dz.T @ cols).reshape(16, 1, 3, 3), dz.sum(axis=0)
        for w, g in zip(ws, (gw1, gb1, gw2, gb2)):
            w -= LR * g
        return float(loss)
    return step, lambda: ws


def ours_model(params, dtype: Any = np.float64) -> nn.Sequential:
    """Our layers holding `params`."""
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, dtype=dtype), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 10, dtype=dtype))
    model.load_state_dict(dict(zip(model.state_dict(), params)))
    return model


def ours_loss(model: nn.Module) -> Callable:
    """The step's loss as a function of the arrays (images, labels)."""
    return lambda xb, yb: nn.functional.cross_entropy(model(Tensor(xb)), yb)


def ours_step(x, y, params) -> Step:
    """nn.Sequential of our layers + nn.functional.cross_entropy + nn.optim.SGD."""
    model = ours_model(params, x.dtype)
    optimizer = nn.optim.SGD(model.parameters(), lr=LR)
    loss_of = ours_loss(model)

    def step() -> float:
        loss = loss_of(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, lambda: [p.data for p in model.parameters()]


def torch_step(x, y, params, torch) -> Step:
    """PyTorch eager: the same torch.nn layers, cross_entropy and torch.optim.SGD."""
    tn = torch.nn
    model = tn.Sequential(tn.Conv2d(1, 16, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2),
                          tn.Flatten(), tn.Linear(256, 10)).to(getattr(torch, x.dtype.name))
    model.load_state_dict({k: torch.from_numpy(p.copy()) for k, p in
                           zip(model.state_dict(), params)})
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> float:
        loss = tn.functional.cross_entropy(model(xt), yt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, lambda: [p.detach().numpy() for p in model.parameters()]


def variants(x, y, params, torch) -> dict[str, Step]:
    out = {"numpy": numpy_step(x, y, params), "ours": ours_step(x, y, params)}
    if torch is not None:
        out["torch"] = torch_step(x, y, params, torch)
    return out


def check_equal_work(x, y, params, torch) -> None:
    """One step from the same start: every variant gives numpy's loss and new weights."""
    rtol, atol = (1e-9, 1e-12) if x.dtype == np.float64 else (1e-4, 1e-6)
    common.check_equal_work(variants(x, y, params, torch), x.dtype, rtol, atol)


def measure(batch: int, torch, repeats: int, sample_seconds: float,
            dtype: Any = np.float64) -> list[list]:
    """Rows: variant, median µs, spread (min..max µs), ratio to numpy, ratio to torch."""
    x, y, params = problem(batch, dtype)
    check_equal_work(x, y, params, torch)
    steps = {name: step for name, (step, _) in variants(x, y, params, torch).items()}
    number = {name: common.calibrate(step, sample_seconds) for name, step in steps.items()}
    samples: dict[str, list[float]] = {}
    times = common.interleaved(steps, repeats, number, clock=time.process_time,
                               samples=samples)
    rows = []
    for name, t in times.items():
        spread = f"{min(samples[name]) * 1e6:,.0f}..{max(samples[name]) * 1e6:,.0f}"
        vs_torch = t / times["torch"] if "torch" in times else float("nan")
        rows.append([name, t * 1e6, spread, t / times["numpy"], vs_torch])
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--dtype", choices=DTYPES + ("both",), default="both")
    known, rest = pre.parse_known_args(argv)
    dtypes = DTYPES if known.dtype == "both" else (known.dtype,)
    args = common.parse_args(rest, __doc__.splitlines()[0], repeats=30, threads=True)
    torch = common.try_torch()
    threads = common.set_threads(1 if args.threads is None else args.threads, torch)
    print(common.header("Layers: one SGD step of a digits-sized CNN", "bench_layers.py",
                        argv, torch))
    print(f"- BLAS and torch threads: {threads}\n")
    print("Step = Conv2d(1, 16, 3, padding=1), ReLU, MaxPool2d(2), Flatten, Linear(256, 10), "
          "cross-entropy, backward, SGD (lr 0.1); batch 64 of 1x8x8. Median process "
          f"CPU time of {args.repeats} interleaved rounds; every variant checked first to give "
          "numpy's loss and updated weights. Goals: ours / numpy <= "
          f"{GOALS['ours / numpy']}, ours / torch <= {GOALS['ours / torch']}.\n")
    for dtype in dtypes:  # --dtype float32|float64 picks one (default both)
        rows = measure(64, torch, args.repeats, 0.002 if args.quick else 0.05, dtype)
        print(f"### {dtype}\n\n" + common.table(
            ["variant", "µs / step", "spread µs (min..max)", "/ numpy", "/ torch"], rows) + "\n")
    print(f"- load average (1, 5, 15 min) at end: "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}\n")

if __name__ == "__main__":
    main()
