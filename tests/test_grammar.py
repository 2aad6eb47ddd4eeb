"""The grammar files: conflict-free under lark's strict mode, loaded once, shipped in the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lark import Lark

from odatakit.query import _grammar, parser

ROOT = Path(__file__).resolve().parent.parent


def test_query_grammar_builds_in_strict_mode() -> None:
    """strict=True refuses shift/reduce conflicts and terminal collisions instead of resolving
    them silently (needs interegular, a test-only dependency)."""
    pytest.importorskip("interegular")
    Lark.open(str(ROOT / "grammars" / "query.lark"), parser="lalr", lexer="contextual",
              start=list(parser._START_RULES), strict=True)


def test_parser_is_built_once_per_process() -> None:
    assert parser._parser() is parser._parser()


def test_grammar_found_in_the_repository_or_the_package() -> None:
    assert _grammar.grammar_path("query.lark").read_text(encoding="utf-8").startswith("//")
    assert _grammar.grammar_path("literals.lark").is_file()


def test_wheel_ships_the_grammars_inside_the_package(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("odatakit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"odatakit/grammars/query.lark", "odatakit/grammars/literals.lark"} <= names
    assert any(name.startswith("odatakit/payload/schemas/") for name in names)
    assert "odatakit/py.typed" in names


def _grammar_terminal(name: str) -> str:
    """The regular expression of terminal ``name`` as the query grammar defines it."""
    (terminal,) = [t for t in parser._parser().terminals if t.name == name]
    return str(terminal.pattern.value)


@pytest.mark.parametrize(("terminal", "pattern"), [
    ("NAME", "IDENTIFIER"),
    ("QUALIFIED_NAME", "QUALIFIED_NAME"),
])
def test_name_patterns_have_one_home_the_grammar_agrees_with(terminal: str, pattern: str) -> None:
    from odatakit import edm

    assert _grammar_terminal(terminal) == getattr(edm, pattern).pattern


def test_the_guid_pattern_is_the_grammars_guid_terminal() -> None:
    from odatakit import edm

    assert _grammar_terminal("GUID").startswith(edm.GUID_PATTERN)
