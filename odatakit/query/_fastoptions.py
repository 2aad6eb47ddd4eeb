"""Fast paths for the simplest option values: a plain ``$select`` list, ``$top``/``$skip`` digits,
``$count`` true/false.

Why: these are in nearly every Graph query string and a table-driven parse of ``subject,from``
costs more than the rest of the query. Each function returns the tree the grammar's callbacks
build for the text, or ``None`` when the text is anything but the simplest form, and the grammar
decides (``tests/test_fast_paths.py`` holds them to the grammar's trees).
"""

from __future__ import annotations

import re
from typing import Any

from ._fastexpr import _property, _select, _select_item
from .syntax import IDENTIFIER

__all__ = ["select", "top", "count", "PLAIN_SELECT"]

_NAME = IDENTIFIER.pattern  # NAME in grammars/literals.lark; a test ties the two together
#: Paths of plain names split at commas, no spaces, no percent-encoding: nothing to decode.
_PLAIN_SELECT = PLAIN_SELECT = re.compile(rf"{_NAME}(?:/{_NAME})*(?:,{_NAME}(?:/{_NAME})*)*")
#: DIGIT is ASCII (RFC 5234): ``[0-9]``, never ``\d``.
_DIGITS = re.compile(r"[0-9]{1,18}")


def select(text: str) -> Any:
    """``a,b/c`` → ``Select`` of plain paths, or None."""
    if _PLAIN_SELECT.fullmatch(text) is None:
        return None
    if "/" not in text:
        return _select(tuple([_select_item((_property(name),)) for name in text.split(",")]))
    return _select(tuple([_select_item(tuple([_property(name) for name in path.split("/")])) for path in text.split(",")]))


def top(text: str) -> Any:
    """``$top``/``$skip``: a non-negative integer in ASCII digits, or None."""
    return int(text) if _DIGITS.fullmatch(text) is not None else None


def count(text: str) -> Any:
    """``$count``: ``true`` or ``false`` (any case, as the grammar's TRUE/FALSE), or None."""
    return {"true": True, "false": False}.get(text.lower()) if len(text) <= 5 else None
