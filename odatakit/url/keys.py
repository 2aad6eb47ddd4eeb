"""Python values → key and parameter literals, and extension ids ↔ names."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import BuildError
from ..query import tree
from ..services import GRAPH_EXTENSION_PREFIX, OUTLOOK_EXTENSION_PREFIX
from .vocabulary import _check_identifier

_INT32 = range(-2**31, 2**31)
_INT64 = range(-2**63, 2**63)


def _literal(value: Any) -> tree.Expr:
    """A key or parameter value as a literal node (str, int, bool, UUID, Decimal, or a node)."""
    if isinstance(value, (tree.Literal, tree.EnumLiteral, tree.Alias)):
        return value
    if isinstance(value, bool):
        return tree.Literal("Boolean", value)
    if isinstance(value, str):
        return tree.Literal("String", value)
    if isinstance(value, int):
        if value not in _INT64:
            raise BuildError(f"integer key {value} is outside Int64; give it as a Decimal")
        return tree.Literal("Int32" if value in _INT32 else "Int64", value)
    if isinstance(value, uuid.UUID):
        return tree.Literal("Guid", value)
    if isinstance(value, Decimal):
        return tree.Literal("Decimal", value)
    raise TypeError(
        f"a key value is str, int, bool, UUID, Decimal or a tree.Literal; got {type(value).__name__}"
        " (build other literals with the query builder)"
    )


def _make_key(values: tuple[Any, ...], named: Mapping[str, Any]) -> tree.Key:
    if len(values) == 1 and isinstance(values[0], tree.Key) and not named:
        return values[0]
    if values and named:
        raise BuildError("a key is one value or named parts, not both")
    if len(values) > 1:
        raise BuildError("a compound key names its parts: key(OrderID=1, ItemID=2)")
    if values:
        return tree.Key((tree.KeyValue(_literal(values[0])),))
    if not named:
        raise BuildError("a key needs a value")
    return tree.Key(tuple(tree.KeyValue(_literal(v), name=_check_identifier(k, "key part")) for k, v in named.items()))


def extension_id(name: str, prefix: str = OUTLOOK_EXTENSION_PREFIX) -> str:
    """The fully qualified id of an open extension: ``Microsoft.OutlookServices.OpenTypeExtension.{name}``."""
    if extension_name(name) != name:
        return name
    return prefix + name


def extension_name(extension: str) -> str:
    """The ``ExtensionName`` of an extension id (the known prefixes removed, case-insensitively)."""
    lowered = extension.lower()
    for prefix in (OUTLOOK_EXTENSION_PREFIX, GRAPH_EXTENSION_PREFIX):
        if lowered.startswith(prefix.lower()):
            return extension[len(prefix):]
    return extension


