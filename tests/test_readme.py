"""The README's examples run as written, and its first lines are the commands CI runs."""

from __future__ import annotations

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_examples_run_as_written() -> None:
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_readme_opens_with_the_commands_ci_runs() -> None:
    first_lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:4]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    setup, tests = first_lines[2].strip(), first_lines[3].strip()
    assert "pip install '.[test]'" in setup and setup.split("&& ")[-1] in ci
    assert tests == "python -m pytest" and "\n" + tests + "\n" in ci
