"""One BPTT + SGD step of an LSTM (seq 20, batch 32, input 8, hidden 64) with a Linear head.

Variants: numpy with a hand-written LSTM and its own backpropagation through time (the
floor); our nn.LSTM + nn.Linear + nn.functional.cross_entropy + nn.optim.SGD; torch's
nn.LSTM eager (CPU, when installed). All start from the same weights and data, are checked
to give the same loss and new weights, and are timed in interleaved rounds of process CPU
time with one BLAS thread (and one torch thread) unless told otherwise.
"""
from __future__ import annotations

import statistics
import time
from typing import Callable, Sequence

import numpy as np

import common
import nn
from autograd import Tensor

LR = 0.1
CLASSES = 4


def problem(seq: int, batch: int, n_in: int, hidden: int, dtype) -> tuple:
    """Data (seq, batch, in), labels, and torch-shaped weights [w_ih, w_hh, b_ih, b_hh, w, b]."""
    rng = np.random.default_rng(seq * batch)
    x = rng.standard_normal((seq, batch, n_in)).astype(dtype)
    y = rng.integers(0, CLASSES, batch)
    bound = 1 / np.sqrt(hidden)
    shapes = [(4 * hidden, n_in), (4 * hidden, hidden), (4 * hidden,), (4 * hidden,),
              (CLASSES, hidden), (CLASSES,)]
    return x, y, [rng.uniform(-bound, bound, s).astype(dtype) for s in shapes]


Step = tuple[Callable[[], float], Callable[[], list[np.ndarray]]]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * z) + 0.5


def numpy_step(x, y, params) -> Step:
    """The LSTM forward, softmax cross-entropy and BPTT written out in numpy, then SGD."""
    ws = [p.copy() for p in params]
    w_ih, w_hh, b_ih, b_hh, w, b = ws
    seq, batch, n_in = x.shape
    n = w_hh.shape[1]
    rows = np.arange(batch)
    flat_x = x.reshape(seq * batch, n_in)

    def step() -> float:
        pre = (flat_x @ w_ih.T + (b_ih + b_hh)).reshape(seq, batch, 4 * n)
        h = np.zeros((batch, n), x.dtype)
        c = np.zeros_like(h)
        acts, cs, tcs, hs = np.empty_like(pre), [c], [], [h]
        for t in range(seq):
            a = acts[t]
            np.add(pre[t], h @ w_hh.T, out=a)
            a[:, :2 * n] = _sigmoid(a[:, :2 * n])  # i, f
            a[:, 2 * n:3 * n] = np.tanh(a[:, 2 * n:3 * n])  # g
            a[:, 3 * n:] = _sigmoid(a[:, 3 * n:])  # o
            i, f, g, o = a[:, :n], a[:, n:2 * n], a[:, 2 * n:3 * n], a[:, 3 * n:]
            c = f * c + i * g
            tc = np.tanh(c)
            h = o * tc
            cs.append(c), tcs.append(tc), hs.append(h)
        logits = h @ w.T + b
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        loss = np.log(s).mean() - shifted[rows, y].mean()
        d = e / s
        d[rows, y] -= 1
        d /= batch
        gw, gb = d.T @ h, d.sum(axis=0)
        dh, dc = d @ w, np.zeros_like(h)
        dpre = np.empty_like(pre)
        for t in range(seq - 1, -1, -1):
            a, tc = acts[t], tcs[t]
            i, f, g, o = a[:, :n], a[:, n:2 * n], a[:, 2 * n:3 * n], a[:, 3 * n:]
            dc += dh * o * (1 - tc * tc)
            dp = dpre[t]
            dp[:, :n] = dc * g * i * (1 - i)
            dp[:, n:2 * n] = dc * cs[t] * f * (1 - f)
            dp[:, 2 * n:3 * n] = dc * i * (1 - g * g)
            dp[:, 3 * n:] = dh * tc * o * (1 - o)
            dc *= f
            dh = dp @ w_hh
        flat = dpre.reshape(seq * batch, 4 * n)
        g_hh = flat.T @ np.concatenate(hs[:-1]).reshape(seq * batch, n)
        g_ih, g_b = flat.T @ flat_x, flat.sum(axis=0)
        for p, gp in zip(ws, (g_ih, g_hh, g_b, g_b, gw, gb)):
            p -= LR * gp
        return float(loss)
    return step, lambda: ws


def nn_model(x, params) -> tuple[nn.LSTM, nn.Linear]:
    """nn.LSTM and its nn.Linear head holding `params`."""
    seq, batch, n_in = x.shape
    hidden = params[1].shape[1]
    lstm, head = nn.LSTM(n_in, hidden, dtype=x.dtype), nn.Linear(hidden, CLASSES, dtype=x.dtype)
    lstm.load_state_dict(dict(zip(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"],
                                  params[:4])))
    head.load_state_dict({"weight": params[4], "bias": params[5]})
    return lstm, head


def nn_loss(lstm: nn.LSTM, head: nn.Linear) -> Callable:
    """The step's loss as a function of the arrays (sequences, labels)."""
    def loss(xb, yb):
        out, (h_n, c_n) = lstm(Tensor(xb))
        return nn.functional.cross_entropy(head(h_n[0]), yb)
    return loss


def nn_step(x, y, params) -> Step:
    """nn.LSTM + nn.Linear on the last state + F.cross_entropy + nn.optim.SGD."""
    lstm, head = nn_model(x, params)
    optimizer = nn.optim.SGD(lstm.parameters() + head.parameters(), lr=LR)
    loss_of = nn_loss(lstm, head)

    def step() -> float:
        loss = loss_of(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, lambda: [p.data for p in lstm.parameters() + head.parameters()]


def torch_step(x, y, params, torch) -> Step:
    """torch.nn.LSTM + torch.nn.Linear + F.cross_entropy + torch.optim.SGD, eager."""
    seq, batch, n_in = x.shape
    hidden = params[1].shape[1]
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    lstm = torch.nn.LSTM(n_in, hidden, dtype=dtype)
    head = torch.nn.Linear(hidden, CLASSES, dtype=dtype)
    names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    lstm.load_state_dict({k: torch.tensor(v) for k, v in zip(names, params[:4])})
    head.load_state_dict({"weight": torch.tensor(params[4]), "bias": torch.tensor(params[5])})
    weights = list(lstm.parameters()) + list(head.parameters())
    optimizer = torch.optim.SGD(weights, lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    cross_entropy = torch.nn.functional.cross_entropy

    def step() -> float:
        out, (h_n, c_n) = lstm(xt)
        loss = cross_entropy(head(h_n[0]), yt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step, lambda: [p.detach().numpy() for p in weights]


def variants(x, y, params, torch) -> dict[str, Step]:
    out = {"numpy": numpy_step(x, y, params), "nn": nn_step(x, y, params)}
    if torch is not None:
        out["torch"] = torch_step(x, y, params, torch)
    return out


def check_equal_work(x, y, params, torch) -> None:
    """One step from the same start: every variant gives numpy's loss and new weights."""
    common.check_equal_work(variants(x, y, params, torch), x.dtype)


def row(sizes: tuple, dtype, torch, repeats: int, sample_seconds: float) -> list:
    x, y, params = problem(*sizes, dtype)
    check_equal_work(x, y, params, torch)
    steps = {name: step for name, (step, _) in variants(x, y, params, torch).items()}
    number = {name: common.calibrate(step, sample_seconds) for name, step in steps.items()}
    samples: dict[str, list[float]] = {}
    common.interleaved(steps, repeats, number, clock=time.process_time, samples=samples)
    base = statistics.median(samples["numpy"])
    cells: list = [np.dtype(dtype).name]
    for name, times in samples.items():
        median = statistics.median(times)
        spread = (max(times) - min(times)) / median * 100
        cells += [median * 1e3, f"±{spread / 2:.0f}%"]
        if name != "numpy":
            cells.append(median / base)
    return cells


def main(argv: Sequence[str] | None = None) -> None:
    args = common.parse_args(argv, __doc__.splitlines()[0], repeats=15, threads=True)
    torch = common.try_torch()
    threads = common.set_threads(1 if args.threads is None else args.threads, torch)
    print(common.header("LSTM: one training step (BPTT + SGD)", "bench_lstm.py", argv, torch))
    users = "numpy's BLAS and torch" if torch else "numpy's BLAS"
    print(f"- {users}: {common.threads_text(threads)} in every variant.\n")
    sizes = (4, 4, 3, 8) if args.quick else (20, 32, 8, 64)
    print(f"seq {sizes[0]}, batch {sizes[1]}, input {sizes[2]}, hidden {sizes[3]}, a Linear "
          f"head to {CLASSES} classes on the last state, cross-entropy, SGD (lr {LR}). Median "
          f"process CPU ms per step over {args.repeats} interleaved rounds (numpy, nn, torch, "
          "numpy, ...), ± half the range; every variant checked first to give numpy's loss "
          "and updated weights.\n")
    headers = ["dtype", "numpy ms", "spread", "nn ms", "spread", "nn / numpy"]
    if torch is not None:
        headers += ["torch ms", "spread", "torch / numpy"]
    rows = [row(sizes, dtype, torch, args.repeats, 0.002 if args.quick else 0.05)
            for dtype in (np.float32, np.float64)]
    print(common.table(headers, rows) + "\n")


if __name__ == "__main__":
    main()
