"""The URL vocabulary: name and GUID patterns, dollar segments, the Outlook/Graph roots and collections."""

from __future__ import annotations

import re

_IDENT = r"[^\W\d]\w*"  # odataIdentifier (ASCII letters, "_", and Unicode letters as the grammar)
_IDENTIFIER = re.compile(_IDENT)
_QUALIFIED = re.compile(rf"{_IDENT}(?:\.{_IDENT})+")
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")

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

#: Services whose URLs carry a user context, by dialect: host → (path prefix, versions).
_KNOWN_ROOTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "outlook.office.com": ("outlook", "/api/", ("v1.0", "v2.0", "beta")),
    "outlook.office365.com": ("outlook", "/api/", ("v1.0", "v2.0", "beta")),
    "graph.microsoft.com": ("graph", "/", ("v1.0", "beta")),
}

#: Outlook/Graph collections (lower case: resource names are case-insensitive there) after which
#: a bare segment is the key of an item (``messages/AAMk…``, ``extensions/Com.Contoso.Referral``).
KEYED_COLLECTIONS = frozenset({
    "messages", "events", "contacts", "mailfolders", "childfolders", "contactfolders",
    "calendars", "calendargroups", "attachments", "extensions", "instances", "users", "groups",
    "calendarview", "messagerules", "mastercategories", "overrides", "tasks", "taskfolders",
    "taskgroups", "singlevalueextendedproperties", "multivalueextendedproperties", "people",
})

#: Items stored in a mailbox: their open extensions have Outlook ids, in Graph too (G-GET).
_OUTLOOK_ITEMS = frozenset({"messages", "events", "contacts"})

#: Namespaces whose qualified names are type casts even right after a keyed collection.
_TYPE_NAMESPACES = ("microsoft.outlookservices.", "microsoft.graph.")

OUTLOOK_EXTENSION_PREFIX = "Microsoft.OutlookServices.OpenTypeExtension."
GRAPH_EXTENSION_PREFIX = "microsoft.graph.openTypeExtension."

# Characters a key written as a path segment may keep raw: pchar (RFC 3986 / ABNF) without "+"
# (some stacks decode it as a space) and without "(", ")", "$", which would read back as syntax.
# Everything else (/ ? # % space, controls, non-ASCII) is percent-encoded.
_SEGMENT_KEY_SAFE = "',=:@!*;&"


def _fullmatch(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.fullmatch(text) is not None


def _check_identifier(name: str, what: str = "name") -> str:
    if not isinstance(name, str) or not _fullmatch(_IDENTIFIER, name):
        raise ValueError(f"{what} {name!r} is not an OData identifier (a letter or '_', then letters, digits, '_')")
    return name


