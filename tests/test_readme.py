"""Every Python example in the README runs, and prints what its comments say it prints."""
import contextlib
import io
import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def expected_lines(code: str) -> list[str]:
    """The comment after each `print(...)`, or on the line after it, in order."""
    lines = code.splitlines()
    expected = []
    for i, line in enumerate(lines):
        if line.startswith("print("):
            comment = line.partition("#")[2] if "#" in line else lines[i + 1].lstrip("# ")
            expected.append(comment.strip())
    return expected


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    printed = out.getvalue().splitlines()
    expected = expected_lines(code)
    assert len(printed) == len(expected)
    for got, want in zip(printed, expected):
        assert want.startswith(got), (got, want)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 5 and sum(map(len, map(expected_lines, BLOCKS))) >= 5
