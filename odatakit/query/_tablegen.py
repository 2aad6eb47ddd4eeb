"""Writes ``odatakit/query/_tables.py``: the grammar's facts the Lark-free fast paths read.

Run ``python -m odatakit.query._tablegen`` after editing ``grammars/*.lark``;
``tests/test_tables.py`` fails until the checked-in module is what this prints. The grammar stays
the one home of the syntax: terminal patterns, the order the lexer tries them in, the operator
ladder and what each parser state accepts are read from Lark's own view of the grammar.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from lark import Lark

from ._grammar import grammar_path

__all__ = ["generate", "PROBES"]

#: Places in an expression whose accepted terminals the fast paths need: name → (start rule,
#: text that leads there). What Lark's parser accepts after that text is written out.
PROBES: dict[str, tuple[str, str]] = {
    "expression": ("filter_value", ""),            # where an operand starts
    "after_name": ("filter_value", "a"),            # after a member name: operators, "/", "("
    "after_literal": ("filter_value", "1"),         # after a literal
    "segment": ("filter_value", "a/"),              # after a path's "/"
    "after_orderby_item": ("orderby_value", "a"),  # asc / desc / "," / operators
    "select": ("select_value", ""),
    "expand": ("expand_value", ""),
}

#: ``word(?=\(|%28)``: a keyword that holds only right before an opening parenthesis.
_BEFORE_PAREN = re.compile(r"(?:\(\?(?P<flags>[a-z]+):)?(?P<word>\w+)\(\?=\\\(\|%28\)\)?")


def _lark() -> Lark:
    from . import parser

    lark: Lark = parser._parser()
    return lark


def _lexer_order(lark: Lark) -> list[Any]:
    """Terminals in the order Lark's lexer tries them (lark/lexer.py, BasicLexer): priority, then
    the longest possible match, then the longest pattern text, then the name."""
    return sorted(lark.terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))


def _ladder() -> list[tuple[str, tuple[str, ...]]]:
    """The binary operator levels, loosest first, from the ``?level: next ((OP | OP) next)*``
    rules starting at ``?or_expr`` (URL Conventions §5.1.1.17, as query.lark writes it)."""
    rules = dict(re.findall(r"^\?(\w+): (\w+ \(.*\)\*)$", grammar_path("query.lark").read_text("utf-8"), re.M))
    ladder, rule = [], "or_expr"
    while rule in rules:
        match = re.fullmatch(r"(\w+) \(\(?([\w |]+?)\)? \1\)\*", rules[rule])
        if match is None:
            raise ValueError(f"rule {rule} is not of the shape 'next ((OP | OP) next)*': {rules[rule]}")
        ladder.append((rule, tuple(name.strip() for name in match.group(2).split("|"))))
        rule = match.group(1)
    return ladder


def _accepts(lark: Lark, start: str, text: str) -> list[str]:
    parser = lark.parse_interactive(text, start=start)
    parser.exhaust_lexer()
    return sorted(str(name) for name in parser.accepts())


def _keyword_calls(lark: Lark) -> dict[str, tuple[str, bool]]:
    calls = {}
    for terminal in lark.terminals:
        match = _BEFORE_PAREN.fullmatch(terminal.pattern.to_regexp())
        if match is not None:
            calls[str(terminal.name)] = (match.group("word"), "i" in (match.group("flags") or ""))
    return dict(sorted(calls.items()))


def _lines(name: str, comment: str, annotation: str, body: list[str], opening: str, closing: str) -> list[str]:
    return [f"#: {comment}", f"{name}: {annotation} = {opening}", *body, closing, ""]


def generate() -> str:
    """The text of ``_tables.py`` for the grammar as it is now."""
    lark = _lark()
    order = _lexer_order(lark)
    out = [
        '"""The query grammar\'s tables for the fast paths. GENERATED from grammars/*.lark: do not edit.',
        "",
        "Regenerate with ``python -m odatakit.query._tablegen``; tests/test_tables.py checks this file is",
        "what the grammar gives. Why a module: the fast paths then parse without importing Lark or loading",
        "the grammar (most of a cold start); Lark loads only when a text falls back to the grammar.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "__all__ = [\"TERMINALS\", \"PRIORITY\", \"LEXER_ORDER\", \"LEVELS\", \"ACCEPTS\", \"KEYWORD_CALLS\"]",
        "",
    ]
    out += _lines("TERMINALS", "Terminal → its regular expression, as Lark compiles it (flags inline as ``(?i:…)``).",
                  "dict[str, str]", [f"    {str(t.name)!r}: {t.pattern.to_regexp()!r}," for t in order], "{", "}")
    out += _lines("PRIORITY", "Terminal → its priority (``NAME.2``); the lexer tries higher first.",
                  "dict[str, int]", [f"    {str(t.name)!r}: {t.priority}," for t in order if t.priority], "{", "}")
    out += _lines("LEXER_ORDER", "The order Lark's lexer tries terminals in: priority, longest match, longest pattern, name.",
                  "tuple[str, ...]", [f"    {str(t.name)!r}," for t in order], "(", ")")
    out += _lines("LEVELS", "Binary operator levels, loosest first: (rule, its operator terminals), ?or_expr down.",
                  "tuple[tuple[str, tuple[str, ...]], ...]", [f"    ({rule!r}, {ops!r})," for rule, ops in _ladder()], "(", ")")
    body = []
    for probe, (start, text) in PROBES.items():
        body.append(f"    # {start} after {text!r}")
        body.append(f"    {probe!r}: frozenset({{{', '.join(repr(name) for name in _accepts(lark, start, text))}}}),")
    out += _lines("ACCEPTS", "Terminals the grammar accepts at a few places of a parse (Lark's parser state there).",
                  "dict[str, frozenset[str]]", body, "{", "}")
    out += _lines("KEYWORD_CALLS", "Keywords that hold only right before ``(``: terminal → (word, whether any case matches).",
                  "dict[str, tuple[str, bool]]", [f"    {name!r}: {call!r}," for name, call in _keyword_calls(lark).items()], "{", "}")
    return "\n".join(out).rstrip("\n") + "\n"


TARGET = Path(__file__).with_name("_tables.py")


def main() -> None:
    text = generate()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if TARGET.read_text("utf-8") == text else 1)
    TARGET.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
