"""The command line (issue 18): ``--version``, a closed pipe ends it quietly, and ``fmt`` imports
only what it needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import odatakit

ROOT = Path(odatakit.__file__).resolve().parent.parent
ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}


def test_version_prints_the_version() -> None:
    out = subprocess.run([sys.executable, "-m", "odatakit", "--version"], capture_output=True, text=True, env=ENV,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("odatakit "), out.stderr


def test_a_closed_pipe_ends_the_command_quietly() -> None:
    big = " or ".join(f"A{i} eq 'x{i}'" for i in range(3000))
    script = f"{sys.executable} -m odatakit parse --json \"{big}\" | head -c1"
    out = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True, env=ENV,
                         timeout=120)
    assert out.stderr == "" and out.returncode == 0, out.stderr
    assert len(out.stdout) == 1


def test_fmt_imports_no_jsonschema() -> None:
    code = ("import sys\nfrom odatakit.cli import main\nmain(['fmt', '$top=1'])\n"
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert out.stdout.split()[-1] == "False", out.stderr


def test_parse_tree_prints_an_outline_of_the_tree() -> None:
    from odatakit.cli import main
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["parse", "--tree", "A/any(f:f eq 'x')"]) == 0
    assert out.getvalue().splitlines() == [
        "Path",
        "  segments:",
        '    Property name="A"',
        '    Lambda kind="any" variable="f"',
        "      predicate:",
        '        BinaryOp op="eq"',
        "          left:",
        "            Path",
        "              segments:",
        '                LambdaVariable name="f"',
        "          right:",
        '            Literal type="String" value="x"',
    ]
