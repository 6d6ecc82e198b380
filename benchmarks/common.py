"""Shared helpers for the benchmarks: timing, markdown tables, a description of the machine."""
from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parse_args(argv: Sequence[str] | None, description: str, repeats: int,
               threads: bool = False) -> argparse.Namespace:
    """`--quick` (tiny sizes), `--repeats N`, and with `threads` also `--threads N`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, finishes in seconds")
    parser.add_argument("--repeats", type=int, default=None,
                        help=f"timed repeats per measurement (default {repeats}, 3 with --quick)")
    if threads:
        parser.add_argument("--threads", type=int, default=None,
                            help="threads for numpy's BLAS and for torch (default: numpy's "
                                 "own BLAS setting, which torch is then given too)")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else repeats
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def set_threads(threads: int | None, torch) -> int | None:
    """Give numpy's BLAS `threads` threads (None: keep its own) and torch the same number.

    Returns the thread count now in force for numpy's BLAS (None if it cannot be told).
    """
    if threads is not None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            raise SystemExit("--threads needs threadpoolctl (pip install threadpoolctl)") from None
        threadpool_limits(threads, user_api="blas")
    threads = blas_threads() if threads is None else threads
    if torch is not None and threads is not None:
        torch.set_num_threads(threads)
    return threads


def try_torch():
    """The torch module, or None when it is not importable (torch is optional)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def calibrate(fn: Callable[[], object], min_seconds: float = 0.01) -> int:
    """How many calls of `fn` make one timed sample last at least `min_seconds`."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start >= min_seconds or number >= 1 << 20:
            return number
        number *= 2


def interleaved(fns: dict[str, Callable[[], object]], repeats: int,
                number: dict[str, int] | None = None, fresh: bool = False,
                clock: Callable[[], float] = time.perf_counter,
                samples: dict[str, list[float]] | None = None) -> dict[str, float]:
    """Median seconds per call of each function, timed in rounds (A B C, A B C, ...).

    Interleaving spreads background noise over every variant alike. `number[name]` calls
    make one sample (default 1). One untimed warm-up call of each comes first. With `fresh`,
    each sample starts with an untimed `gc.collect()` and one untimed call, so a variant
    neither pays for another's garbage nor escapes its own (its last call's garbage is
    collected, if at all, inside the timed calls, as in a training loop). `clock` is the
    timer (`time.process_time` for process CPU time); `samples`, when given, receives every
    sample of every variant (for the spread).
    """
    number = number or {}
    for fn in fns.values():
        fn()
    samples = {} if samples is None else samples
    samples.update({name: [] for name in fns})
    for _ in range(repeats):
        for name, fn in fns.items():
            if fresh:
                gc.collect()
                fn()
            n = number.get(name, 1)
            start = clock()
            for _ in range(n):
                fn()
            samples[name].append((clock() - start) / n)
    return {name: statistics.median(s) for name, s in samples.items()}


def without_gc(fn: Callable[[], object]) -> Callable[[], object]:
    """`fn` run with the cyclic garbage collector switched off."""
    def run() -> object:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn()
        finally:
            if enabled:
                gc.enable()
    return run


def median_time(fn: Callable[[], object], repeats: int, number: int = 1) -> float:
    """Median seconds per call of `fn` over `repeats` samples of `number` calls each."""
    return interleaved({"fn": fn}, repeats, {"fn": number})["fn"]


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A markdown table; numbers right-aligned, floats to 3 significant figures."""
    rows = [list(row) for row in rows]
    numeric = [all(isinstance(r[i], (int, float)) for r in rows) for i in range(len(headers))]
    cells = [[_cell(x) for x in row] for row in rows]
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if num else "---" for num in numeric) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def _cell(x: object) -> str:
    if isinstance(x, float):
        if x != x:
            return "n/a"
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:#.3g}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _numpy_blas() -> list[dict]:
    """threadpoolctl's records of the BLAS libraries numpy loaded ([] if unknown)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return [i for i in blas if "numpy" in i.get("filepath", "")] or blas


def blas_threads() -> int | None:
    """How many threads numpy's BLAS uses (None if threadpoolctl cannot tell)."""
    libs = _numpy_blas()
    return libs[0]["num_threads"] if libs else None


def blas_description() -> str:
    libs = _numpy_blas()
    if not libs:
        return "unknown (threadpoolctl not installed)"
    return ", ".join(f"{i['internal_api']} {i.get('version')} "
                     f"({threads_text(i['num_threads'])})" for i in libs)


def threads_text(n: int | None) -> str:
    return f"{n} thread" + ("" if n == 1 else "s")


NOT_USED = object()


def machine(torch=NOT_USED) -> str:
    """One markdown bullet list describing the machine and the library versions."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    lines = [f"- CPU: {cpu_model()}; {os.cpu_count()} logical cores ({usable} usable)",
             f"- Python {platform.python_version()} ({platform.python_implementation()}), "
             f"numpy {np.__version__}, BLAS: {blas_description()}",
             "- OPENBLAS_CORETYPE: " + os.environ.get("OPENBLAS_CORETYPE", "not set")
             + " (a forced core type changes OpenBLAS's kernels and so matmul throughput)"]
    if hasattr(os, "getloadavg"):
        lines.append("- load average (1, 5, 15 min) at start: "
                     + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    if torch is None:
        lines.append("- torch: not installed (its columns are skipped)")
    elif torch is not NOT_USED:
        lines.append(f"- torch {torch.__version__}, torch.get_num_threads() = "
                     f"{torch.get_num_threads()}")
    return "\n".join(lines)


def header(title: str, script: str, argv: Sequence[str] | None, torch=NOT_USED) -> str:
    """Title, the command that reproduces the run, and the machine."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["python", f"benchmarks/{script}", *args])
    return f"## {title}\n\n`{command}`\n\n{machine(torch)}\n"


def check_equal_work(runs: dict, dtype, rtol: float | None = None,
                     atol: float | None = None) -> None:
    """One step of each variant (step, weights) from the same start gives numpy's loss and
    new weights; tolerances default to the dtype's (1e-4 for float32, 1e-9 for float64)."""
    rtol = rtol if rtol is not None else (1e-4 if dtype == np.float32 else 1e-9)
    atol = atol if atol is not None else rtol * 1e-2
    loss0, new0 = runs["numpy"][0](), runs["numpy"][1]()
    for name, (step, weights) in runs.items():
        if name != "numpy":
            loss = step()
            assert np.isclose(loss, loss0, rtol=rtol), (name, loss, loss0)
            for w, w0 in zip(weights(), new0):
                assert w.dtype == w0.dtype, (name, w.dtype)
                assert np.allclose(w, w0, rtol=rtol, atol=atol), name
