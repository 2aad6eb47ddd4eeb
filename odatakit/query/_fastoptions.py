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

from ._fastexpr import plain_select
from .syntax import IDENTIFIER

__all__ = ["select", "top", "count", "PLAIN_SELECT", "PLAIN_ORDERBY"]

_NAME = IDENTIFIER.pattern  # NAME in grammars/literals.lark; a test ties the two together
#: Paths of plain names split at commas, no spaces, no percent-encoding: nothing to decode.
_PLAIN_SELECT = PLAIN_SELECT = re.compile(rf"{_NAME}(?:/{_NAME})*(?:,{_NAME}(?:/{_NAME})*)*")
#: ``$orderby`` items of a plain path and an optional direction, split at bare commas: no
#: brackets or quotes, so every comma separates two items of the list.
PLAIN_ORDERBY = re.compile(rf"(?:{_NAME}(?:/{_NAME})*(?: (?:asc|desc))?)(?:,{_NAME}(?:/{_NAME})*(?: (?:asc|desc))?)*")


def select(text: str) -> Any:
    """``a,b/c`` → ``Select`` of plain paths, or None."""
    if _PLAIN_SELECT.fullmatch(text) is None:
        return None
    return plain_select(text)


def top(text: str) -> Any:
    """``$top``/``$skip``: a non-negative integer in ASCII digits, or None."""
    # 1 to 18 of DIGIT, which is ASCII (RFC 5234): isdigit() alone takes other scripts' digits
    return int(text) if len(text) <= 18 and text.isdigit() and text.isascii() else None


def count(text: str) -> Any:
    """``$count``: ``true`` or ``false`` (any case, as the grammar's TRUE/FALSE), or None."""
    return {"true": True, "false": False}.get(text.lower()) if len(text) <= 5 else None
