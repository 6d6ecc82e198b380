"""Run every benchmark and print all the tables: `python benchmarks/run_all.py [--quick]`."""
from __future__ import annotations

import argparse
import time
from typing import Sequence

import bench_jit
import bench_layers
import bench_lstm
import bench_ops
import bench_scalar
import bench_tensor

SCRIPTS = [(bench_scalar, False), (bench_tensor, True), (bench_ops, True), (bench_jit, True),
           (bench_layers, True), (bench_lstm, True)]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, finishes in seconds")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (each "
                        "script has its own default)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and torch threads for the tensor and op benchmarks")
    args = parser.parse_args(argv)
    common = ["--quick"] * args.quick
    if args.repeats is not None:
        common += ["--repeats", str(args.repeats)]
    start = time.perf_counter()
    for module, takes_threads in SCRIPTS:
        threads = ["--threads", str(args.threads)] if takes_threads and args.threads else []
        module.main(common + threads)
    print(f"All benchmarks ran in {time.perf_counter() - start:.0f} s.")


if __name__ == "__main__":
    main()
