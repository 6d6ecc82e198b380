"""Smoke test: the layers benchmark runs with --quick and prints its table (no timings)."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_layers  # noqa: E402
from test_benchmarks import NUMBER, QUICK, rows  # noqa: E402


def test_layers(capsys):
    bench_layers.main(QUICK)
    out = capsys.readouterr().out
    assert "`python benchmarks/bench_layers.py --quick --repeats 1`" in out
    assert "OPENBLAS_CORETYPE: " in out and "load average (1, 5, 15 min) at end" in out
    assert "| variant | µs / step | spread µs (min..max) | / numpy | / torch |" in out
    assert "### float32" in out and "### float64" in out  # both dtypes by default
    names = ["numpy", "ours"] + (["torch"] if bench_layers.common.try_torch() else [])
    for name in names:
        for row in rows(out, f"{name} |"):
            assert re.fullmatch(NUMBER, row[1]) and re.fullmatch(rf"{NUMBER}\.\.{NUMBER}", row[2])
        assert len(rows(out, f"{name} |")) == 2
    assert [r[3] for r in rows(out, "numpy |")] == ["1.00", "1.00"]


def test_layers_one_dtype(capsys):
    bench_layers.main(["--dtype", "float32"] + QUICK)
    out = capsys.readouterr().out
    assert "### float32" in out and "### float64" not in out and len(rows(out, "ours |")) == 1


def test_layers_without_torch(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    bench_layers.main(QUICK)
    out = capsys.readouterr().out
    assert "torch: not installed" in out and not rows(out, "torch |")
