"""The fast paths' tables come from the grammar, and a common parse needs no Lark (nor the $apply
node classes: they are created on first use).

``odatakit/query/_tables.py`` is generated from ``grammars/*.lark`` (``python -m
odatakit.query._tablegen``): the grammar stays the one home of the syntax, and the fast paths read
it without importing Lark, which loads only when a text falls back to the grammar.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from odatakit.query import _fastexpr, _tablegen, _tables, parser

ROOT = Path(__file__).resolve().parent.parent


def test_the_checked_in_tables_are_what_the_grammar_gives() -> None:
    """Edit grammars/*.lark, then run ``python -m odatakit.query._tablegen``: this fails until then."""
    assert _tablegen.TARGET.read_text("utf-8") == _tablegen.generate()


def test_every_terminal_pattern_is_the_one_lark_compiles() -> None:
    lark = parser._parser()
    assert _tables.TERMINALS == {str(t.name): t.pattern.to_regexp() for t in lark.terminals}
    assert set(_tables.LEXER_ORDER) == set(_tables.TERMINALS)


@pytest.mark.parametrize(("probe", "text", "expected"), [
    ("expression", "", {"NAME", "NOT", "NEG", "_LPAR", "STRING", "INTEGER", "CAST", "AT_NAME"}),
    ("after_name", "a", {"EQ", "_AND", "_OR", "_SLASH", "_LPAR", "$END"}),
    ("segment", "a/", {"NAME", "ANY", "ALL", "QUALIFIED_NAME"}),
    ("after_orderby_item", "a", {"ASC", "DESC", "_COMMA"}),
])
def test_the_accepted_terminals_are_the_parser_states(probe: str, text: str, expected: set[str]) -> None:
    assert _tablegen.PROBES[probe][1] == text
    assert expected <= _tables.ACCEPTS[probe]


def test_the_fast_paths_terminals_levels_and_keywords_are_the_grammars() -> None:
    """The fast path matches the grammar's terminals by name, climbs the grammar's ladder, and
    leaves to the grammar every keyword that opens "(" where an operand or a segment starts."""
    assert set(_fastexpr.TERMINALS) <= set(_tables.TERMINALS)
    assert _fastexpr._LEVELS == tuple(operators for _rule, operators in _tables.LEVELS)
    keywords = {word.lower() for terminal, (word, _any_case) in _tables.KEYWORD_CALLS.items()
                if terminal in _tables.ACCEPTS["expression"] | _tables.ACCEPTS["segment"] and not terminal.startswith("T_")}
    assert keywords == {"cast", "isof", "case", "any", "all"} and keywords <= _fastexpr._SPECIAL_CALLS


def _run(code: str) -> Any:
    """Run ``code`` in a fresh interpreter on this checkout; it prints one JSON value."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment, cwd=ROOT)
    result = json.loads(out.stdout)
    return result


#: The heavy or optional packages a parse could pull in, as loaded in the child interpreter.
_LOADED = ("sorted({m.split('.')[0] for m in sys.modules} & {'lark', 'jsonschema', 'hypothesis', 're2', 'interegular'}"
           " | {m for m in sys.modules if m in ('odatakit.query._apply_tree', 'odatakit.query._rare_tree')})")

#: Everyday texts: each parse in a fresh interpreter must leave Lark (and the rest) unloaded.
COMMON = [
    ("parse_filter", "Extensions/any(f:f/Id eq 'Com.Contoso.Referral')"),
    ("parse_filter", "receivedDateTime ge 2016-01-01T00:00:00Z and contains(subject,'odata') or importance eq 'high'"),
    ("parse_filter", "not (Price add 2.5 gt -Tax) and Id in ('a','b')"),
    ("parse_query", "$select=subject,from,receivedDateTime&$filter=isRead eq false&$orderby=receivedDateTime desc&$top=10&$count=true"),
    ("parse_orderby", "lastModifiedDateTime desc,subject"),
    ("parse_select", "id,displayName,mail"),
]


@pytest.mark.parametrize(("function", "text"), COMMON)
def test_a_common_parse_imports_no_lark(function: str, text: str) -> None:
    code = f"import json, sys, odatakit; odatakit.{function}({text!r}); print(json.dumps({_LOADED}))"
    assert _run(code) == []


@pytest.mark.parametrize(("function", "text"), [
    ("parse_apply", "groupby((Country),aggregate(Amount with sum as Total))"),  # left to the grammar
    ("parse_literal", "geography'SRID=0;Point(1 2)'"),  # a start rule the fast paths leave to it
    ("parse_filter", "a eq"),                           # an error: Lark words it
])
def test_a_rare_construct_or_an_error_loads_lark_and_still_parses_alike(function: str, text: str) -> None:
    code = (
        "import json, sys, odatakit\n"
        f"try:\n    out = repr(odatakit.{function}({text!r}))\n"
        "except odatakit.ODataSyntaxError as error:\n    out = str(error)\n"
        f"print(json.dumps({{'loaded': {_LOADED}, 'out': out}}))"
    )
    result = _run(code)
    assert "lark" in result["loaded"]
    try:
        expected = repr(getattr(__import__("odatakit"), function)(text))
    except __import__("odatakit").ODataSyntaxError as error:
        expected = str(error)
    assert result["out"] == expected


def test_the_lazy_tree_classes_load_on_first_use_and_are_one_class_on_every_path() -> None:
    code = (
        "import json, pickle, sys, typing, odatakit\n"
        "before = 'odatakit.query._apply_tree' in sys.modules\n"
        "from odatakit.query import tree\n"
        "from odatakit.query.tree import Apply\n"
        "parsed = odatakit.parse_apply('groupby((a),aggregate(b with sum as c))/top(1)')\n"
        "same = odatakit.Apply is tree.Apply is Apply is type(parsed) and odatakit.Identity is tree.Identity\n"
        "same = same and odatakit.Search is tree.Search is type(odatakit.parse_search('a'))\n"
        "hints = typing.get_type_hints(tree.Query)['apply'] == typing.Optional[Apply]\n"
        "print(json.dumps([before, same, hints, pickle.loads(pickle.dumps(parsed)) == parsed, 'Apply' in dir(tree)]))"
    )
    assert _run(code) == [False, True, True, True, True]
