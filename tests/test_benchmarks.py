"""Smoke tests: every benchmark script runs with --quick and prints its tables (no timings)."""
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_jit  # noqa: E402
import bench_layers  # noqa: E402
import bench_lstm  # noqa: E402
import bench_ops  # noqa: E402
import bench_scalar  # noqa: E402
import bench_tensor  # noqa: E402
import common  # noqa: E402
import run_all  # noqa: E402

NUMBER = r"[\d.,]+"
QUICK = ["--quick", "--repeats", "1"]


def rows(out: str, first_cell: str) -> list[list[str]]:
    """The cells of every table row starting with `first_cell`."""
    found = [line.strip("|").split("|") for line in out.splitlines()
             if line.startswith(f"| {first_cell}")]
    return [[cell.strip() for cell in row] for row in found]


def test_scalar(capsys):
    pytest.importorskip("sklearn")
    bench_scalar.main(QUICK)
    out = capsys.readouterr().out
    assert "`python benchmarks/bench_scalar.py --quick --repeats 1`" in out
    assert "| engine | ms / step | speed-up vs micrograd | ms / step, gc off |" in out
    assert "| chain nodes | backward ms | ns / node | ns / node, gc off |" in out
    for name in ["ours, micrograd's nn code", "ours, nn.MLP"]:
        (row,) = rows(out, name)
        assert all(re.fullmatch(NUMBER, cell) for cell in row[1:])
    if bench_scalar.try_micrograd() is not None:
        mg, depth = rows(out, "micrograd 0.1.0")  # the step table, the depth table
        (ours,) = rows(out, "ours, micrograd's nn code")
        assert mg[2] == "1.00" and re.fullmatch(NUMBER, depth[1])
        assert mg[4] == ours[4]  # the drop-in builds micrograd's graph, node for node
        assert "RecursionError" in out


def test_tensor(capsys):
    bench_tensor.main(QUICK)
    out = capsys.readouterr().out
    assert ("| batch | dtype | numpy µs | Tensor µs | Tensor / numpy | nn µs | nn / numpy |"
            in out)
    assert len(rows(out, "16 |")) == 2
    for row in rows(out, "16 |"):
        assert all(re.fullmatch(NUMBER, cell) for cell in row[2:])


def test_ops(capsys):
    bench_ops.main(QUICK)
    out = capsys.readouterr().out
    assert "| engine | forward µs / op | backward µs / op | total µs / op |" in out
    (ours,) = rows(out, "ours (Tensor)")
    assert all(re.fullmatch(NUMBER, cell) for cell in ours[1:4])


def test_without_torch(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    bench_tensor.main(QUICK)
    bench_ops.main(QUICK)
    out = capsys.readouterr().out
    assert out.count("torch: not installed") == 2
    assert "torch µs" not in out and "torch (eager)" not in out


def test_run_all(capsys, monkeypatch):
    calls = []
    for module, _ in run_all.SCRIPTS:
        monkeypatch.setattr(module, "main", lambda argv, m=module: calls.append((m, argv)))
    run_all.main(["--quick", "--threads", "1"])
    assert [m for m, _ in calls] == [bench_scalar, bench_tensor, bench_ops, bench_jit,
                                     bench_layers, bench_lstm]
    assert [argv for _, argv in calls] == [["--quick"]] + [["--quick", "--threads", "1"]] * 5


def test_table_formats_numbers():
    text = common.table(["name", "x", "n"], [["a", 1234.5, 10_000], ["b", 0.5, 3]])
    assert text.splitlines()[1] == "|---|---:|---:|"
    assert "| a | 1,234 | 10,000 |" in text and "| b | 0.500 | 3 |" in text


def test_jit(capsys):
    bench_jit.main(QUICK)
    out = capsys.readouterr().out
    assert "| workload | eager µs | jit µs | jit / eager |" in out
    ratio = rf"{NUMBER} \({NUMBER}–{NUMBER}\)"  # the median of the rounds, its quartiles
    (chain,) = rows(out, "100-op chain")
    assert all(re.fullmatch(NUMBER, cell) for cell in chain[1:3] + chain[6:])
    assert re.fullmatch(ratio, chain[3])
    (mlp,) = rows(out, "16 |")
    assert re.fullmatch(NUMBER, mlp[2]) and re.fullmatch(NUMBER, mlp[6])
    assert all(re.fullmatch(ratio, cell) for cell in mlp[3:6])
    assert "| workload | numpy µs | eager / numpy | jit / numpy | goal |" in out
    for name, goal in (("CNN", "1.30"), ("LSTM", "1.60")):
        (row,) = rows(out, f"{name} |")
        assert row[4] == goal and re.fullmatch(NUMBER, row[1])
        assert all(re.fullmatch(ratio, cell) for cell in row[2:4] + row[5:6])
