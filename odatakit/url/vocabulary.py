"""The URL vocabulary: name and GUID patterns, dollar segments, characters a key segment keeps raw.
What Outlook and Graph add (roots, keyed collections, extension ids) is in ``odatakit.services``."""

from __future__ import annotations

import re

from ..errors import BuildError
from .. import edm

_IDENT = edm.IDENTIFIER_PATTERN
_IDENTIFIER = edm.IDENTIFIER
_QUALIFIED = edm.QUALIFIED_NAME
_GUID = re.compile(edm.GUID_PATTERN)

#: Dollar path segments (ABNF: case-sensitive) → where they may stand.
#: "first": only as the first segment; "last": nothing may follow.
DOLLAR_SEGMENTS: dict[str, frozenset[str]] = {
    "$metadata": frozenset({"first", "last"}),
    "$batch": frozenset({"first", "last"}),
    "$entity": frozenset({"first"}),       # may be followed by one type cast
    "$all": frozenset({"first"}),          # may be followed by one type cast
    "$count": frozenset({"last"}),
    "$value": frozenset({"last"}),
    "$ref": frozenset({"last"}),
    "$query": frozenset({"last"}),
    "$each": frozenset(),                  # may be followed by a bound operation
}

# Characters a key written as a path segment may keep raw: pchar (RFC 3986 / ABNF) without "+"
# (some stacks decode it as a space) and without "(", ")", "$", which would read back as syntax.
# Everything else (/ ? # % space, controls, non-ASCII) is percent-encoded.
_SEGMENT_KEY_SAFE = "',=:@!*;&"


def _fullmatch(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.fullmatch(text) is not None


def _check_identifier(name: str, what: str = "name") -> str:
    if not isinstance(name, str) or not _fullmatch(_IDENTIFIER, name):
        raise BuildError(f"{what} {name!r} is not an OData identifier (a letter or '_', then letters, digits, '_')")
    return name


