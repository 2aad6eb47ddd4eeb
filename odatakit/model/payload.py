"""Payloads typed by a model: declared properties need no ``@odata.type``.

The payload codec (``odatakit.payload.decode``) takes the model's declared type of each property through
its ``declared_types`` hook, so an Int64 property decodes as Int64 and a complex property as a
structured value of its type; dynamic properties of open types are inferred as without a model.
A walk over the typed value then adds what only the model knows: undeclared properties of closed
types, ``@odata.type`` that is not the declared type or derived from it, nulls where the model
says non-nullable, missing key properties, enumeration members, MaxLength, Precision and Scale.
Every fault carries its JSON path.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..payload import _jsontext
from .. import edm
from ..payload.decode import decode_with_faults
from ..errors import Fault, PayloadError
from ..payload.values import Collection, Primitive, Structured, Value
from . import elements as E
from .model import Model

__all__ = ["decode", "validate", "declared_types"]


def _primitive_name(model: Model, name: str) -> str | None:
    """The decoder's name for a declared primitive, enum or type definition (None: leave it inferred)."""
    if name.startswith("Edm."):
        return name[4:] if name[4:] in edm.PRIMITIVES else None
    found = model.type(name)
    if isinstance(found, E.TypeDefinition):
        return _primitive_name(model, found.underlying.type)
    if isinstance(found, E.EnumType):
        return model.qualified(name)
    if isinstance(found, (E.EntityType, E.ComplexType)):
        return model.qualified(name)
    return None


def declared_types(model: Model) -> Callable[[str | None, str], str | None]:
    """The decoder hook: (structured type, property) → the declared type in the codec's spelling."""
    cache: dict[tuple[str, str], str | None] = {}

    def declared(type_name: str | None, name: str) -> str | None:
        if type_name is None:
            return None
        key = (type_name, name)
        if key in cache:
            return cache[key]
        member = model.property(type_name, name)
        result = None
        if isinstance(member, E.Property):
            single = _primitive_name(model, member.type.type)
            if single is not None:
                result = f"Collection({single})" if member.type.collection else single
        elif isinstance(member, E.NavigationProperty):
            target = model.qualified(member.target)
            result = f"Collection({target})" if member.collection else target
        cache[key] = result
        return result

    return declared


def _root(model: Model, type: str | None, resource: Any) -> tuple[str | None, bool]:
    if type is not None:
        single = type[len("Collection("):-1] if type.startswith("Collection(") else type
        if model.type(single) is None and not single.startswith("Edm."):
            raise ValueError(f"the model has no type {single!r}")
        return model.qualified(single) if not single.startswith("Edm.") else single, type.startswith("Collection(")
    if resource is not None:
        resolved = model.resolve(resource)
        return resolved.type_name, resolved.collection
    return None, False


def _check_faults(model: Model, payload: Any, type: str | None, resource: Any, require_key: bool,
                  **options: Any) -> tuple[Value, list[Fault]]:
    root, collection = _root(model, type, resource)
    hook = declared_types(model)
    if collection and root is not None:
        # A collection response: {"value": [...]} (JSON format §12), or a bare array.
        def wrapped(type_name: str | None, name: str) -> str | None:
            if type_name is None and name == "value":
                return f"Collection({root})"
            return hook(type_name, name)

        is_array = isinstance(payload, list) or (isinstance(payload, (str, bytes)) and payload.lstrip()[:1] in ("[", b"["))
        value, faults = decode_with_faults(payload, type=f"Collection({root})" if is_array else None,
                                           declared_types=wrapped, **options)
        walker = _Walker(model, faults, require_key)
        if isinstance(value, Collection):
            walker.collection(value, root, True, "$")
        elif isinstance(value, Structured) and isinstance(value.properties.get("value"), Collection):
            walker.collection(value.properties["value"], root, True, "$.value")  # type: ignore[arg-type]
        return value, faults
    value, faults = decode_with_faults(payload, type=root, declared_types=hook, **options)
    if root is not None and isinstance(value, Structured):
        _Walker(model, faults, require_key).structured(value, root, "$")
    return value, faults


def decode(model: Model, payload: Any, *, type: str | None = None, resource: Any = None, require_key: bool = False,
           **options: Any) -> Value:
    """Decode ``payload`` as an instance of ``type`` (or of what ``resource`` yields); raises
    ``PayloadError`` with every fault."""
    value, faults = _check_faults(model, payload, type, resource, require_key, **options)
    if faults:
        raise PayloadError(faults)
    return value


def validate(model: Model, payload: Any, *, type: str | None = None, resource: Any = None, require_key: bool = True,
             **options: Any) -> list[Fault]:
    """Every fault of ``payload`` against the model (none: it is a valid instance)."""
    return _check_faults(model, payload, type, resource, require_key, **options)[1]


class _Walker:
    """What only the model knows, checked over the typed value; faults appended to the codec's."""

    def __init__(self, model: Model, faults: list[Fault], require_key: bool) -> None:
        self.model = model
        self.faults = faults
        self.require_key = require_key
        self.seen = {f.json_path for f in faults}

    def fault(self, path: str, message: str, code: str) -> None:
        if path not in self.seen:  # the codec has already said what is wrong here
            self.faults.append(Fault(path, message, code))

    def structured(self, value: Structured, declared: str, path: str, entity_key: bool = True) -> None:
        model = self.model
        actual = declared
        if value.type is not None:
            if model.type(value.type) is None:
                self.fault(_jsontext.child(path, "@odata.type"), f"the model has no type {value.type!r}", "unknown-type")
                return
            actual = model.qualified(value.type)
            if not model.is_a(actual, declared):
                self.fault(_jsontext.child(path, "@odata.type"),
                           f"{actual} is not {declared} nor derived from it", "type-mismatch")
                return
        owner = model.structured_type(actual)
        if owner is None:
            return
        members = model.members(actual)
        if isinstance(owner, E.EntityType) and self.require_key and entity_key:
            for ref in model.key(actual):
                head = ref.name.split("/")[0]
                if head not in value.properties:
                    self.fault(path, f"the key property {ref.name!r} of {actual} is missing", "missing-key")
        is_open = model.is_open(actual)
        for name, item in value.properties.items():
            here = _jsontext.child(path, name)
            member = members.get(name)
            if member is None:
                if not is_open:
                    self.fault(here, f"{actual} declares no property {name!r} and is not open", "unknown-property")
                continue
            if isinstance(member, E.NavigationProperty):
                self.navigation(item, member, here)
            else:
                self.property(item, member, here)

    def navigation(self, item: Value, nav: E.NavigationProperty, path: str) -> None:
        target = self.model.qualified(nav.target)
        if nav.collection:
            if isinstance(item, Collection):
                self.collection(item, target, False, path)
        elif isinstance(item, Structured):
            self.structured(item, target, path)
        elif item is None and not nav.nullable:
            self.fault(path, f"null, but the navigation property {nav.name!r} is not nullable", "null")

    def collection(self, value: Collection, item_type: str, nullable: bool, path: str,
                   facets: E.TypeRef | None = None) -> None:
        for index, item in enumerate(value.items):
            here = _jsontext.child(path, index)
            if item is None or (isinstance(item, Primitive) and item.value is None):
                if not nullable:
                    self.fault(here, "null inside a collection whose items are not nullable", "null")
            elif isinstance(item, Structured):
                self.structured(item, item_type, here)
            elif self.model.structured_type(item_type) is not None:
                self.fault(here, f"an item of a collection of {item_type} is a JSON object", "type-mismatch")
            elif isinstance(item, Primitive) and facets is not None:
                self.primitive(item, facets, here)

    def property(self, item: Value, prop: E.Property, path: str) -> None:
        ref = prop.type
        if ref.collection:
            if isinstance(item, Collection):
                self.collection(item, self.model.qualified(ref.type) if not ref.type.startswith("Edm.") else ref.type,
                                ref.nullable, path, ref)
            elif item is None and not ref.nullable:
                self.fault(path, f"null, but {prop.name!r} is a collection (write [] for none)", "null")
            return
        if item is None or (isinstance(item, Primitive) and item.value is None):
            if not ref.nullable:
                self.fault(path, f"null, but the property {prop.name!r} is not nullable", "null")
            return
        structured = self.model.structured_type(ref.type)
        if structured is not None:
            if isinstance(item, Structured):
                self.structured(item, self.model.qualified(ref.type), path, entity_key=False)
            else:
                self.fault(path, f"{prop.name!r} is a {structured.name}, written as a JSON object", "type-mismatch")
            return
        if isinstance(item, Primitive):
            self.primitive(item, ref, path)

    def primitive(self, item: Primitive, ref: E.TypeRef, path: str) -> None:
        model = self.model
        declared = model.type(ref.type) if not ref.type.startswith("Edm.") else None
        facets = ref
        if isinstance(declared, E.TypeDefinition):
            facets = declared.underlying
        if isinstance(declared, E.EnumType):
            self.enum(item, declared, path)
            return
        value = item.value
        if isinstance(value, str) and isinstance(facets.max_length, int) and len(value) > facets.max_length:
            self.fault(path, f"{len(value)} characters, more than MaxLength {facets.max_length}", "too-long")
        if isinstance(value, Decimal) and value.is_finite():
            sign, digits, exponent = value.as_tuple()
            scale = -exponent if isinstance(exponent, int) and exponent < 0 else 0
            if isinstance(facets.scale, int) and scale > facets.scale:
                self.fault(path, f"{value} has {scale} decimal places, more than Scale {facets.scale}", "scale")
            integer_digits = max(len(digits) + (exponent if isinstance(exponent, int) else 0), 0)
            if isinstance(facets.precision, int):
                allowed = facets.precision - (facets.scale if isinstance(facets.scale, int) else 0)
                if integer_digits > allowed:
                    self.fault(path, f"{value} has {integer_digits} digits before the point, more than Precision "
                                     f"{facets.precision} with Scale {facets.scale} allows", "precision")

    def enum(self, item: Primitive, enum: E.EnumType, path: str) -> None:
        value = item.value
        members = {m.name: m.value for m in enum.members}
        if isinstance(value, int) and not isinstance(value, bool):
            return  # a numeric value: 4.01 JSON allows it
        if not isinstance(value, str):
            self.fault(path, f"{enum.name} is written as a string of member names, not {value!r}", "type-mismatch")
            return
        names = [part.strip() for part in value.split(",")] if value else []
        if len(names) > 1 and not enum.is_flags:
            self.fault(path, f"{enum.name} is not a flags enumeration: one member only, not {value!r}", "bad-enum")
            return
        for name in names:
            if name not in members and not name.lstrip("-").isdigit():
                self.fault(path, f"{enum.name} has no member {name!r}", "bad-enum")
