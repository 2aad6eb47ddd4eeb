"""Python values → key and parameter literals, and extension ids ↔ names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import BuildError
from .. import edm
from ..query import tree
from ..services import GRAPH_EXTENSION_PREFIX, OUTLOOK_EXTENSION_PREFIX
from .vocabulary import _check_identifier



#: Edm types no key property has (CSDL §8.3.4 lists the key types): refused in a key or parameter.
_NOT_KEY_TYPES = frozenset({"Double", "Single", "Binary"})


def _literal(value: Any) -> tree.Expr:
    """A key or parameter value as a literal node (str, int, bool, UUID, Decimal, dates and times,
    or a node), converted by ``edm.from_python(value, "key")``: an int past Int64 is refused."""
    if isinstance(value, (tree.Literal, tree.EnumLiteral, tree.Alias)):
        return value
    try:
        converted = edm.from_python(value, "key")
    except ValueError as error:
        raise BuildError(f"key value: {error}") from None
    if converted is None or converted[0] in _NOT_KEY_TYPES:
        raise TypeError(
            f"a key value is str, int, bool, UUID, Decimal, a date or time, or a tree.Literal; got {type(value).__name__}"
            " (build other literals with the query builder)"
        )
    return tree.Literal(*converted)


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


