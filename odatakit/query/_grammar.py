"""Finds the grammar files and builds Lark parsers from them, once per process.

The wheel carries the grammars inside the package (``odatakit/grammars``); a source checkout or
an editable install has them in the repository's ``grammars/`` folder. The package copy wins.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark

__all__ = ["grammar_path", "build_parser"]


def grammar_path(name: str) -> Path:
    """The file of grammar ``name`` (e.g. ``"query.lark"``): package resource first, repo second."""
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
