"""Finds the grammar files and builds Lark parsers from them, once per process, when first needed.

The wheel carries the grammars inside the package (``odatakit/grammars``); a source checkout or
an editable install has them in the repository's ``grammars/`` folder. The package copy wins.

Lark is imported here, and only when a parser is first built: the fast paths read the grammar's
tables from ``_tables`` (generated from the grammar), so a common parse never loads Lark.
``Fallback`` and ``Stop`` are how a fast path hands a text to the grammar.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from lark import Lark

__all__ = ["grammar_path", "build_parser", "Fallback", "Stop"]


class Fallback(Exception):
    """A fast path cannot follow this text: let the grammar (Lark) parse it."""

    #: How far the fast path read and built the text before it stepped aside (0: not known);
    #: the error path resumes the grammar's parse near there (``parser._drive``).
    reached = 0


class Stop(Exception):
    """The text leaves the language at ``offset``; ``expected`` are the terminals the parser
    state there accepts (what Lark's ``UnexpectedInput`` and its interactive parser report)."""

    def __init__(self, offset: int, expected: frozenset[str]) -> None:
        super().__init__(offset)
        self.offset = offset
        self.expected = expected


def grammar_path(name: str) -> Path:
    """The file of grammar ``name`` (e.g. ``"query.lark"``): package resource first, repo second."""
    from importlib import resources  # these two cost a cold start ~10 ms: paid when a grammar loads
    from pathlib import Path

    packaged = resources.files("odatakit").joinpath("grammars", name)
    if packaged.is_file():
        return Path(str(packaged))
    in_repo = Path(__file__).resolve().parents[2] / "grammars" / name
    if in_repo.is_file():
        return in_repo
    raise FileNotFoundError(f"grammar {name!r} is neither in the odatakit package nor in {in_repo.parent}")


@functools.lru_cache(maxsize=None)
def build_parser(name: str, start: tuple[str, ...], transformer: Any = None, strict: bool = False) -> Lark:
    """An LALR parser (contextual lexer) for grammar ``name`` with the given start rules.

    Production parsers are loaded from Lark's on-disk cache (start-up in milliseconds);
    ``strict=True`` (tests only, needs ``interegular``) also checks for terminal collisions.
    """
    from lark import Lark

    return Lark.open(
        str(grammar_path(name)),
        parser="lalr",
        lexer="contextual",
        start=list(start),
        transformer=transformer,
        cache=not strict,
        strict=strict,
        maybe_placeholders=True,
    )
