"""Smoke test: benchmarks/bench_lstm.py runs with --quick and prints its table."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_lstm  # noqa: E402

NUMBER = r"[\d.,]+"


def test_bench_lstm_quick(capsys):
    bench_lstm.main(["--quick", "--repeats", "1"])
    out = capsys.readouterr().out
    assert "`python benchmarks/bench_lstm.py --quick --repeats 1`" in out
    assert "OPENBLAS_CORETYPE" in out and "load average" in out
    assert "| dtype | numpy ms | spread | nn ms | spread | nn / numpy |" in out
    rows = [line.strip("|").split("|") for line in out.splitlines()
            if line.startswith(("| float32", "| float64"))]
    assert len(rows) == 2
    for row in rows:
        numbers = [c.strip() for c in row[1:] if not c.strip().startswith("±")]
        assert all(re.fullmatch(NUMBER, c) for c in numbers), row


def test_bench_lstm_variants_do_the_same_work():
    """The check the benchmark runs before timing: numpy's loss and new weights everywhere."""
    x, y, params = bench_lstm.problem(5, 3, 2, 4, bench_lstm.np.float64)
    bench_lstm.check_equal_work(x, y, params, None)
