"""Typed payload values: what ``decode`` produces and ``encode`` consumes.

``Primitive`` (an Edm type name and an exact Python value), ``Collection`` and ``Structured``
(an entity, complex value or open extension, with its control information kept) are frozen;
``typed`` turns plain Python values into them, one hook per Python type.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Union

import attrs

from . import edm
from .tree import as_tuple

__all__ = [
    "Primitive",
    "Collection",
    "Structured",
    "ContextRef",
    "Value",
    "typed",
    "split_type",
    "collection_type",
    "describe",
]


def split_type(name: str) -> tuple[str, bool]:
    """``#Collection(Edm.Int32)`` → ``("Int32", True)``; strips ``#``, a metadata URL and ``Edm.``."""
    name = name.rpartition("#")[2]
    is_collection = name.startswith("Collection(") and name.endswith(")")
    if is_collection:
        name = name[len("Collection("):-1]
    if name.startswith("Edm.") and name[4:] in edm.PRIMITIVES:
        name = name[4:]
    return name, is_collection


def collection_type(item_type: str | None) -> str | None:
    return None if item_type is None else f"Collection({item_type})"


def _check_primitive(instance: Primitive, attribute: object, value: Any) -> None:
    kind = edm.PRIMITIVES.get(instance.type)
    if kind is not None and value is not None:
        kind.check(value)


@attrs.frozen
class Primitive:
    """A primitive value with its type: an Edm name (``Int64``) or a qualified enum/type-definition
    name (kept unchecked). ``value`` is exact (int, Decimal, edm.Date…) or None for null."""

    type: str
    value: Any = attrs.field(validator=_check_primitive)

    def __attrs_post_init__(self) -> None:
        if self.type.startswith("Collection(") or self.type.startswith(("#", "Edm.")):
            raise ValueError(f"{self.type!r} is not a primitive type name; use the unqualified name (Int64)")


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _frozen_nested(value: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in value.items()})


@attrs.frozen
class Collection:
    """A collection; ``item_type`` is None when the payload did not (and need not) say it."""

    item_type: str | None
    items: tuple[Value, ...] = attrs.field(converter=as_tuple)

    @property
    def type(self) -> str | None:
        return collection_type(self.item_type)


@attrs.frozen
class ContextRef:
    """A context URL (``…/$metadata#Me/Messages('…')/Extensions/$entity``): the text, kept as given."""

    text: str

    @property
    def parts(self) -> Any:
        """The URL's parts, from ``odatakit.url.parse_context_url`` (imported on first use)."""
        from .url import parse_context_url  # type: ignore[attr-defined]

        return parse_context_url(self.text)

    def problem(self) -> str | None:
        """Why the text is not a context URL, or None (also when ``odatakit.url`` is unavailable)."""
        try:
            from .url import parse_context_url  # type: ignore[attr-defined]
        except ImportError:
            return None
        from .errors import ODataSyntaxError

        try:
            parse_context_url(self.text)
        except ODataSyntaxError as error:
            return f"{error.reason} at offset {error.offset}"
        return None

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class Structured:
    """An entity, complex value, open extension or response object.

    ``control`` holds the instance's control information by short name (``context``, ``id``,
    ``etag``, ``nextLink``…), typed; ``annotations`` the custom instance annotations as JSON;
    ``property_control`` / ``property_annotations`` the same per property name (also for absent
    properties, e.g. a navigation link).
    """

    type: str | None = None
    properties: Mapping[str, Value] = attrs.field(factory=dict, converter=_frozen_map)
    control: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_map)
    annotations: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_map)
    property_control: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, converter=_frozen_nested)
    property_annotations: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, converter=_frozen_nested)

    def __getitem__(self, name: str) -> Value:
        return self.properties[name]


Value = Union[Primitive, Collection, Structured, None]


# -- plain Python values to typed values: one hook per Python type ----------------------------
def _hook(edm_name: str, convert: Callable[[Any], Any] = lambda v: v) -> Callable[[Any], Primitive]:
    return lambda value: Primitive(edm_name, convert(value))


_PYTHON_HOOKS: dict[type, Callable[[Any], Value]] = {
    bool: _hook("Boolean"),
    int: _hook("Int64"),
    float: _hook("Double"),
    Decimal: _hook("Decimal"),
    str: _hook("String"),
    uuid.UUID: _hook("Guid"),
    bytes: _hook("Binary"),
    _dt.datetime: _hook("DateTimeOffset", edm.DateTimeOffset.from_python),
    _dt.date: _hook("Date", edm.Date.from_python),
    _dt.time: _hook("TimeOfDay", edm.TimeOfDay.from_python),
    _dt.timedelta: _hook("Duration", edm.Duration.from_python),
    **{cls: _hook(cls.__name__) for cls in (edm.Date, edm.DateTimeOffset, edm.TimeOfDay, edm.Duration)},
}


def typed(value: Any) -> Value:
    """A typed value for plain Python: int → Int64, float → Double, datetime → DateTimeOffset,
    list → Collection, dict → Structured… Typed values pass through unchanged.

    Pitfall: a naive ``datetime`` is refused (OData needs its offset), as is an int past Int64.
    """
    if value is None or isinstance(value, (Primitive, Collection, Structured)):
        return value
    for cls in type(value).__mro__:
        hook = _PYTHON_HOOKS.get(cls)
        if hook is not None:
            return hook(value)
    if isinstance(value, Mapping):
        return Structured(properties={str(k): typed(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        items = tuple(typed(v) for v in value)
        kinds = {_type_of(item) for item in items if item is not None}
        if len(kinds) > 1:
            raise ValueError(f"a collection holds values of one type, not {sorted(map(str, kinds))}")
        return Collection(kinds.pop() if kinds else None, items)
    raise TypeError(f"no Edm type for {type(value).__name__} {value!r}")


def _type_of(value: Value) -> str | None:
    return value.type if isinstance(value, (Primitive, Structured)) else None


def describe(value: Value, path: str = "$") -> Iterator[str]:
    """Lines of a typed view: ``$.DealValue  Int64  500050`` (for the CLI and for reading)."""
    from ._jsontext import child

    stack: list[tuple[str, Value]] = [(path, value)]
    while stack:
        here, node = stack.pop()
        if node is None:
            yield f"{here}  null"
        elif isinstance(node, Primitive):
            shown = "null" if node.value is None else edm.PRIMITIVES[node.type].format(node.value) \
                if node.type in edm.PRIMITIVES else repr(node.value)
            yield f"{here}  {node.type}  {shown}"
        elif isinstance(node, Collection):
            yield f"{here}  {node.type or 'Collection'}  [{len(node.items)}]"
            stack.extend(reversed([(child(here, i), item) for i, item in enumerate(node.items)]))
        else:
            yield f"{here}  {node.type or 'object'}" + "".join(
                f"  @{name}={value}" for name, value in node.control.items())
            stack.extend(reversed([(child(here, k), v) for k, v in node.properties.items()]))
