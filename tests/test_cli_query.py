"""`odatakit fmt` and `odatakit parse`: canonical text, the tree as JSON, stdin, exit status."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from odatakit.cli import main

EXAMPLE = "$filter=Extensions/any(f:f/Id eq %27Com.Contoso.Referral%27)&$expand=Extensions($filter=Id eq 'Com.Contoso.Referral')"
CANONICAL = "$filter=Extensions/any(f:f/Id eq 'Com.Contoso.Referral')&$expand=Extensions($filter=Id eq 'Com.Contoso.Referral')"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("argv", "output"),
    [
        (("fmt", EXAMPLE), CANONICAL),
        (("fmt", "--url", EXAMPLE), CANONICAL.replace(" ", "%20")),
        (("fmt", "A  EQ  1"), "A eq 1"),
        (("fmt", "--as", "expand", "Items($top=1)"), "Items($top=1)"),
        (("fmt", "--as", "search", "blue  OR  green"), "blue OR green"),
    ],
)
def test_fmt_prints_canonical_text(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], output: str) -> None:
    assert run(capsys, *argv) == (0, output + "\n", "")


def test_parse_prints_the_tree_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "parse", "Price gt 1.50")
    assert status == 0 and out.startswith("BinaryOp(op='gt'")
    status, out, _ = run(capsys, "parse", "--json", "Big eq 9223372036854775807 and Price gt 1.50")
    view = json.loads(out)
    assert view["node"] == "And"
    assert view["operands"][0]["right"] == {"node": "Literal", "type": "Int64", "value": "9223372036854775807"}
    assert view["operands"][1]["right"]["value"] == "1.50"


def test_syntax_error_exits_1_with_the_caret_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "fmt", "A eq 1 and")
    assert (status, out) == (1, "")
    assert "missing operand" in err and err.rstrip().endswith("^")


def test_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("A%20eq%20'x'\n"))
    assert run(capsys, "fmt", "-") == (0, "A eq 'x'\n", "")


def test_the_installed_command_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "odatakit", "fmt", EXAMPLE], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (0, CANONICAL + "\n")
