"""Typed payload values: what ``decode`` produces and ``encode`` consumes.

``Primitive`` (an Edm type name and an exact Python value), ``Collection`` and ``Structured``
(an entity, complex value or open extension, with its control information kept) are frozen;
``typed`` turns plain Python values into them, one hook per Python type.
"""

from __future__ import annotations

import datetime as _dt
import gc
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Union

import attrs

from .. import edm
from ._jsontext import DEFAULT_MAX_DEPTH
from ..query.tree import as_tuple

__all__ = [
    "Primitive",
    "Collection",
    "Structured",
    "ContextRef",
    "JsonPayload",
    "Value",
    "typed",
    "split_type",
    "collection_type",
    "describe",
    "type_problem",
    "name_problem",
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


# qualifiedTypeName (odata-abnf): namespace "." odataIdentifier; 4.01 adds bare primitive names (Int64).
_IDENTIFIER = edm.BOUNDED_IDENTIFIER_PATTERN
_QUALIFIED = re.compile(rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})+")
_CONTROL = re.compile(_IDENTIFIER)


def type_problem(name: str, *, structured: bool | None = None) -> str | None:
    """Why ``name`` (a single type as ``split_type`` leaves it: no ``#``, no ``Collection(…)``) is
    not a type name, or None. ``structured`` True refuses primitive types, False accepts only
    primitive, enumeration and type-definition names (any qualified name), None accepts both."""
    if not isinstance(name, str):
        return f"a type name is a string, not {type(name).__name__} {name!r}"
    if name in edm.PRIMITIVES:
        return f"Edm.{name} is a primitive type, not the type of an object" if structured else None
    if name.startswith("Collection(") or name.endswith(")"):
        return f"{edm.clipped(name)} is not a single type: a collection holds single values, not collections"
    if name.startswith("Edm."):
        return f"{edm.clipped(name)} is not an Edm primitive type odatakit knows"
    if not _QUALIFIED.fullmatch(name):
        return f"{edm.clipped(name)} is not a qualified type name (Namespace.Name, or an Edm primitive like Int64)"
    return None


#: What each kind of name in an object may not be, and why (JSON format §4.5, §20).
_NAME_RULES = {
    "property": "a property name",
    "control": "a control information name (context, etag, nextLink…)",
    "annotation": "a custom annotation term (Namespace.Term, optionally #Qualifier)",
}


def name_problem(name: object, kind: str) -> str | None:
    """Why ``name`` cannot be a ``kind`` (``property``, ``control`` or ``annotation``) name, or None.

    Pitfall: ``Name@odata.type`` is a property name with an annotation, not a property name; a
    name with ``@`` (or an empty one) would be written as control information and read back as it.
    """
    what = _NAME_RULES[kind]
    if not isinstance(name, str):
        return f"{what} is a string, not {type(name).__name__} {name!r}"
    shown = edm.clipped(name)
    if not name.isascii() and (text := edm.text_problem(name)) is not None:
        return f"{what} is not text: {text}"
    if not name:
        return f"{what} cannot be empty"
    if "@" in name:
        return f"{what} cannot contain '@' ({shown}): '@' starts an annotation (Name@odata.type)"
    if kind == "control" and "." in name:
        return f"{what} has no '.' ({shown}): '@A.B' is a custom annotation"
    if kind == "control" and not _CONTROL.fullmatch(name):
        return f"{what} is an identifier, not {shown}"
    if kind == "control" and name == "type":
        return "'type' is not kept as control information: it is Structured.type, or the value's own type"
    if kind == "annotation" and ("." not in name.partition("#")[0] or name.startswith("odata.")):
        return f"{what} is namespace-qualified and not in the odata namespace, not {shown}"
    return None


def _raise_name_problem(name: object, kind: str, where: str) -> None:
    problem = name_problem(name, kind)
    if problem is not None:
        raise (ValueError if isinstance(name, str) else TypeError)(f"{where}: {problem}")


def collection_type(item_type: str | None) -> str | None:
    return None if item_type is None else f"Collection({item_type})"


def _check_primitive(instance: Primitive, attribute: object, value: Any) -> None:
    kind = edm.PRIMITIVES.get(instance.type) if isinstance(instance.type, str) else None
    if kind is not None and value is not None:
        kind.check(value)


@attrs.frozen
class Primitive:
    """A primitive value with its type: an Edm name (``Int64``) or a qualified enum/type-definition
    name (kept unchecked). ``value`` is exact (int, Decimal, edm.Date…) or None for null."""

    type: str
    value: Any = attrs.field(validator=_check_primitive)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.type, str):
            raise TypeError(f"Primitive type is a type name, not {type(self.type).__name__} {self.type!r}")
        if split_type(self.type) != (self.type, False):
            raise ValueError(f"{self.type!r} is not a primitive type name; use the unqualified name (Int64)")
        problem = type_problem(self.type, structured=False)
        if problem is not None:
            raise ValueError(f"Primitive type: {problem}")


def _mapping(value: object, what: str) -> dict[Any, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} is a mapping of names, not {type(value).__name__} {value!r}")
    return dict(value)


def _named(value: object, kind: str, what: str) -> Mapping[str, Any]:
    result = _mapping(value, what)
    for name in result:
        _raise_name_problem(name, kind, what)
    return MappingProxyType(result)


def _nested(value: object, kind: str, what: str) -> Mapping[str, Mapping[str, Any]]:
    result = _mapping(value, what)
    for name in result:
        _raise_name_problem(name, "property", what)
    return MappingProxyType({k: _named(v, kind, what) for k, v in result.items()})


def _property_names(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return _named(value, "property", "Structured properties")


def _control_names(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return _named(value, "control", "Structured control")


def _annotation_terms(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return _named(value, "annotation", "Structured annotations")


def _property_control_names(value: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return _nested(value, "control", "Structured property_control")


def _property_annotation_terms(value: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return _nested(value, "annotation", "Structured property_annotations")


def _check_item_type(instance: Collection, attribute: object, value: str | None) -> None:
    problem = None if value is None else type_problem(value)
    if problem is not None:
        raise (ValueError if isinstance(value, str) else TypeError)(f"Collection item_type: {problem}")


def _check_structured_type(instance: Structured, attribute: object, value: str | None) -> None:
    problem = None if value is None else type_problem(value, structured=True)
    if problem is not None:
        raise (ValueError if isinstance(value, str) else TypeError)(f"Structured type: {problem}")


@attrs.frozen
class Collection:
    """A collection; ``item_type`` is None when the payload did not (and need not) say it."""

    item_type: str | None = attrs.field(validator=_check_item_type)
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
        from ..url import parse_context_url

        return parse_context_url(self.text)

    def problem(self) -> str | None:
        """Why the text is not a context URL, or None (also when ``odatakit.url`` is unavailable)."""
        try:
            from ..url import parse_context_url
        except ImportError:
            return None
        from ..errors import ODataSyntaxError

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

    type: str | None = attrs.field(default=None, validator=_check_structured_type)
    properties: Mapping[str, Value] = attrs.field(factory=dict, converter=_property_names)
    control: Mapping[str, Any] = attrs.field(factory=dict, converter=_control_names)
    annotations: Mapping[str, Any] = attrs.field(factory=dict, converter=_annotation_terms)
    property_control: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, converter=_property_control_names)
    property_annotations: Mapping[str, Mapping[str, Any]] = attrs.field(
        factory=dict, converter=_property_annotation_terms)

    def __getitem__(self, name: str) -> Value:
        return self.properties[name]


Value = Union[Primitive, Collection, Structured, None]

# -- trusted construction: the decoder has already checked every name and value ------------------
_new = object.__new__
_set = object.__setattr__
#: One shared empty mapping: most objects have no annotations, most properties no control.
EMPTY: Mapping[str, Any] = MappingProxyType({})


def trusted_primitive(type_name: str, value: Any) -> Primitive:
    """A ``Primitive`` without re-running its checks: for the decoder, which read ``value`` as
    ``type_name`` already (the checks would double the cost of decoding)."""
    result = _new(Primitive)
    _set(result, "type", type_name)
    _set(result, "value", value)
    return result


def trusted_collection(item_type: str | None, items: tuple[Value, ...]) -> Collection:
    result = _new(Collection)
    _set(result, "item_type", item_type)
    _set(result, "items", items)
    return result


def _frozen(mapping: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(mapping) if mapping else EMPTY


def trusted_structured(type_name: str | None, properties: dict[str, Value], control: dict[str, Any],
                       annotations: dict[str, Any], property_control: dict[str, dict[str, Any]],
                       property_annotations: dict[str, dict[str, Any]]) -> Structured:
    """A ``Structured`` from names the decoder checked; empty mappings share one object."""
    result = _new(Structured)
    _set(result, "type", type_name)
    _set(result, "properties", _frozen(properties))
    _set(result, "control", _frozen(control))
    _set(result, "annotations", _frozen(annotations))
    _set(result, "property_control", _frozen({k: _frozen(v) for k, v in property_control.items()})
         if property_control else EMPTY)
    _set(result, "property_annotations", _frozen({k: _frozen(v) for k, v in property_annotations.items()})
         if property_annotations else EMPTY)
    return result


# -- lazily typed values: what ``decode`` gives for JSON text ---------------------------------------
#: Typing a lazy value sets its fields once, under one lock, so two threads reading it see the same
#: objects; re-entrant since typing an object creates (never types) its lazy children.
_TYPING = threading.RLock()
_get = object.__getattribute__


def _type_now(node: Any, names: tuple[str, ...]) -> None:
    """Set ``node``'s fields from its pending source, once; a fault leaves it pending (and raises)."""
    with _TYPING:
        source = getattr(node, "_source", None)
        if source is None:
            return
        enabled = gc.isenabled()
        gc.disable()  # typed values form no cycles; collector passes over a big document cost more
        try:
            values = source.typed_fields()  # PayloadError for a value fault: raised on every access
        finally:
            if enabled:
                gc.enable()
        for name, value in zip(names, values):
            _set(node, name, value)
        _set(node, "_source", None)  # the raw JSON is let go: no object holds both forms for long


_STRUCTURED_FIELDS = ("type", "properties", "control", "annotations", "property_control", "property_annotations")
_COLLECTION_FIELDS = ("item_type", "items")


class LazyStructured(Structured):
    """A ``Structured`` still in its exactly-read JSON form, typed when a field is first read.

    Equal to (and hashed, repr'd as) the ``Structured`` it types to; ``source`` is private to
    ``decode`` and ``encode`` (``encode_json`` writes an untouched clean source as it was read).
    """

    __slots__ = ("_source",)

    def __getattr__(self, name: str) -> Any:
        if name not in _STRUCTURED_FIELDS:
            raise AttributeError(f"'Structured' object has no attribute {name!r}")
        _type_now(self, _STRUCTURED_FIELDS)
        return _get(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Structured):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _STRUCTURED_FIELDS)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = Structured.__hash__

    def __repr__(self) -> str:
        return "Structured" + Structured.__repr__(self)[len(type(self).__name__):]


class LazyCollection(Collection):
    """A ``Collection`` still in its exactly-read JSON form, typed when a field is first read."""

    __slots__ = ("_source",)

    def __getattr__(self, name: str) -> Any:
        if name not in _COLLECTION_FIELDS:
            raise AttributeError(f"'Collection' object has no attribute {name!r}")
        _type_now(self, _COLLECTION_FIELDS)
        return _get(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Collection):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _COLLECTION_FIELDS)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = Collection.__hash__

    def __repr__(self) -> str:
        return "Collection" + Collection.__repr__(self)[len(type(self).__name__):]


def lazy_structured(source: Any) -> LazyStructured:
    """A lazily typed ``Structured``: ``source.typed_fields()`` gives its six fields when asked."""
    result = _new(LazyStructured)
    _set(result, "_source", source)
    return result


def lazy_collection(source: Any) -> LazyCollection:
    """A lazily typed ``Collection``: ``source.typed_fields()`` gives ``(item_type, items)``."""
    result = _new(LazyCollection)
    _set(result, "_source", source)
    return result


def pending(value: Any) -> Any:
    """The untyped source of a lazy value not typed yet, or None (a typed or eager value)."""
    kind = type(value)
    if kind is LazyStructured or kind is LazyCollection:
        # unset in a copy, a pickle or ``attrs.evolve``: those are made from the typed fields
        return getattr(value, "_source", None)
    return None


class JsonPayload(dict):  # type: ignore[type-arg]
    """A payload already in its JSON form, annotations included (``odatakit.evaluate`` returns
    one): ``encode`` writes it as it is, where a plain dict's ``@`` keys would be refused."""


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

    Pitfall: a naive ``datetime`` is refused (OData needs its offset), as is an int past Int64;
    a dict's keys are property names (strings, not empty, no ``@``).
    """
    return _typed(value, 0)


def _typed(value: Any, depth: int) -> Value:
    if depth > DEFAULT_MAX_DEPTH:  # decode refuses deeper documents; a dict holding itself ends here too
        raise ValueError(f"nested deeper than {DEFAULT_MAX_DEPTH} levels (or a value that contains itself)")
    if value is None or isinstance(value, (Primitive, Collection, Structured)):
        return value
    for cls in type(value).__mro__:
        hook = _PYTHON_HOOKS.get(cls)
        if hook is not None:
            return hook(value)
    if isinstance(value, Mapping):
        for key in value:
            _raise_name_problem(key, "property", "typed")
        return Structured(properties={k: _typed(v, depth + 1) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        items = tuple(_typed(v, depth + 1) for v in value)
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
