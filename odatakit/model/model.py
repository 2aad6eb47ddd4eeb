"""``Model``: a service's schemas with name lookups, and ``load`` for CSDL XML or JSON.

A ``Model`` checks itself when built (every type name known, no base-type cycle, no duplicate
name, every key property present), so every lookup afterwards can trust the names it follows.
"""

from __future__ import annotations

import builtins
import operator
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union

import attrs

from ..query.tree import as_tuple
from . import elements as E
from .errors import ModelError, closest

__all__ = ["Model", "load", "Resolved"]

#: A gzip-compressed model is unpacked up to this size (a gzip bomb stops here, not in memory).
MAX_UNPACKED = 256 * 1024 * 1024

Member = Union[E.Property, E.NavigationProperty]
Source = Union[str, bytes, os.PathLike]  # type: ignore[type-arg]


@attrs.frozen
class Resolved:
    """Where a resource path leads: the entity set or singleton it starts from (or None for a
    contained/unbound target), the type it yields, whether that is a collection, and the last
    navigation property followed (None when the path is just a set or singleton)."""

    type: E.EntityType | E.ComplexType
    collection: bool
    source: E.EntitySet | E.Singleton | None = None
    navigation: E.NavigationProperty | None = None
    type_name: str = ""


@attrs.frozen(hash=False, repr=False)
class Model:
    """A service model: CSDL ``version``, ``references`` and ``schemas`` (equal when read from
    XML or JSON). Lookups take names qualified by namespace or alias (``graph.user``)."""

    schemas: tuple[E.Schema, ...] = attrs.field(converter=as_tuple)
    references: tuple[E.Reference, ...] = attrs.field(default=(), converter=as_tuple)
    version: str = "4.01"
    _aliases: dict[str, str] = attrs.field(init=False, eq=False, repr=False, factory=dict)
    _types: dict[str, E.SchemaType] = attrs.field(init=False, eq=False, repr=False, factory=dict)
    _operations: dict[str, list[E.Action | E.Function]] = attrs.field(init=False, eq=False, repr=False, factory=dict)
    _terms: dict[str, E.Term] = attrs.field(init=False, eq=False, repr=False, factory=dict)
    _container: E.EntityContainer | None = attrs.field(init=False, eq=False, repr=False, default=None)
    _roots: dict[str, E.EntitySet | E.Singleton] = attrs.field(init=False, eq=False, repr=False, factory=dict)
    _members: dict[str, dict[str, Member]] = attrs.field(init=False, eq=False, repr=False, factory=dict)
    _derived: dict[str, list[str]] = attrs.field(init=False, eq=False, repr=False, factory=dict)
    _bound: dict[str, list[E.Action | E.Function]] = attrs.field(init=False, eq=False, repr=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        _index(self)

    def __repr__(self) -> str:
        return f"Model(version={self.version!r}, schemas={[s.namespace for s in self.schemas]!r})"

    # -- names ----------------------------------------------------------------------------------
    def qualified(self, name: str) -> str:
        """``graph.user`` → ``microsoft.graph.user``: the name with its alias replaced by the namespace."""
        namespace, _, local = name.rpartition(".")
        real = self._aliases.get(namespace)
        return f"{real}.{local}" if real is not None else name

    def type(self, name: str) -> E.SchemaType | None:
        """The entity, complex, enum type or type definition of that name, or None (Edm types too)."""
        return self._types.get(self.qualified(name))

    def entity_type(self, name: str) -> E.EntityType:
        """The entity type of that name; ``ModelError`` (with the closest name) when there is none."""
        found = self.type(name)
        if not isinstance(found, E.EntityType):
            raise ModelError(f"no entity type {name!r}" + _hint(name, [n for n, t in self._types.items()
                                                                     if isinstance(t, E.EntityType)]), "Model")
        return found

    def structured_type(self, name: str) -> E.EntityType | E.ComplexType | None:
        found = self.type(name)
        return found if isinstance(found, (E.EntityType, E.ComplexType)) else None

    def name_of(self, element: E.SchemaType) -> str:
        """The namespace-qualified name of a type of this model."""
        for qualified, found in self._types.items():
            if found is element:
                return qualified
        raise ModelError(f"{element.name!r} is not a type of this model", "Model")

    def types(self) -> Iterator[tuple[str, E.SchemaType]]:
        """Every type, by qualified name."""
        return iter(self._types.items())

    def term(self, name: str) -> E.Term | None:
        return self._terms.get(self.qualified(name))

    # -- members --------------------------------------------------------------------------------
    def members(self, type_name: str) -> dict[str, Member]:
        """Every property and navigation property of a structured type, inherited ones included."""
        qualified = self.qualified(type_name)
        found = self._members.get(qualified)
        if found is None:
            owner = self._types.get(qualified)
            if not isinstance(owner, (E.EntityType, E.ComplexType)):
                return {}
            found = {}
            for name in reversed([qualified, *self.base_types(qualified)]):  # farthest base first; no recursion
                declaring = self._types.get(name)
                if isinstance(declaring, (E.EntityType, E.ComplexType)):
                    for member in declaring.members:
                        found[member.name] = member
            self._members[qualified] = found
        return found

    def property(self, type_name: str, name: str) -> Member | None:
        """A property or navigation property of the type (or of a base type), or None."""
        return self.members(type_name).get(name)

    def key(self, type_name: str) -> tuple[E.PropertyRef, ...]:
        """The key of an entity type, from the first type up its base chain that declares one."""
        owner = self.type(type_name)
        while isinstance(owner, E.EntityType):
            if owner.key:
                return owner.key
            owner = self.type(owner.base_type) if owner.base_type else None
        return ()

    def is_open(self, type_name: str) -> bool:
        """Whether instances may carry dynamic properties (the type or a base type is open)."""
        owner = self.type(type_name)
        while isinstance(owner, (E.EntityType, E.ComplexType)):
            if owner.open_type:
                return True
            owner = self.type(owner.base_type) if owner.base_type else None
        return False

    def base_types(self, type_name: str) -> list[str]:
        """The qualified names of the base types, nearest first."""
        chain = []
        owner = self.type(type_name)
        while isinstance(owner, (E.EntityType, E.ComplexType)) and owner.base_type:
            chain.append(self.qualified(owner.base_type))
            owner = self.type(owner.base_type)
        return chain

    def derived_types(self, type_name: str) -> list[str]:
        """Qualified names of every type deriving (directly or not) from this one."""
        found: list[str] = []
        pending = [self.qualified(type_name)]
        while pending:
            for child in self._derived.get(pending.pop(), ()):
                found.append(child)
                pending.append(child)
        return found

    def is_a(self, type_name: str, base: str) -> bool:
        """Whether ``type_name`` is ``base`` or derives from it."""
        base = self.qualified(base)
        return self.qualified(type_name) == base or base in self.base_types(type_name)

    # -- operations -----------------------------------------------------------------------------
    def operations(self, name: str) -> list[E.Action | E.Function]:
        """Every overload of the action or function of that qualified name."""
        return self._operations.get(self.qualified(name), [])

    def bound_operations(self, type_name: str, collection: bool = False) -> list[tuple[str, E.Action | E.Function]]:
        """Actions and functions bindable to the type (or a base type), with their qualified names."""
        found = []
        for owner in (self.qualified(type_name), *self.base_types(type_name)):
            for qualified, overload in self._bound.get(owner, ()):  # type: ignore[misc]
                if overload.parameters[0].type.collection == collection:
                    found.append((qualified, overload))
        return found

    # -- the container --------------------------------------------------------------------------
    @builtins.property
    def container(self) -> E.EntityContainer | None:
        return self._container

    def entity_set(self, name: str) -> E.EntitySet | E.Singleton | None:
        """An entity set or singleton of the container by name."""
        return self._roots.get(name)

    def roots(self) -> dict[str, E.EntitySet | E.Singleton]:
        return dict(self._roots)

    def resolve(self, path: str | Any) -> Resolved:
        """Follow a resource path (``me/messages``, ``users('x')/events``, a ``Url``) through entity
        sets, singletons, keys, navigation properties and type casts; ``ModelError`` says which
        segment does not exist."""
        from .check import resolve_path

        resolved, faults = resolve_path(self, path)
        if faults:
            first = faults[0]
            hint = f" (did you mean {first.suggestion!r}?)" if first.suggestion else ""
            raise ModelError(first.message + hint, f"resource path {first.text!r}")
        assert resolved is not None
        return resolved

    # -- checks, payloads, formats --------------------------------------------------------------
    def check(self, url_or_query: Any, resource: Any = None) -> list[Any]:
        """Every fault of a query (or a URL with its resource path) against the model: see
        ``odatakit.model.check``. Never raises on a model mismatch."""
        from .check import check

        return check(self, url_or_query, resource)

    def decode(self, payload: Any, type: str | None = None, *, resource: Any = None, **options: Any) -> Any:
        """Decode a payload typing declared properties from the model (``odatakit.model.payload``)."""
        from .payload import decode

        return decode(self, payload, type=type, resource=resource, **options)

    def validate(self, payload: Any, type: str | None = None, *, resource: Any = None, **options: Any) -> list[Any]:
        """Every fault of a payload against the model, each with its JSON path."""
        from .payload import validate

        return validate(self, payload, type=type, resource=resource, **options)

    def to_xml(self) -> str:
        from .xml import write_xml

        return write_xml(self.version, self.references, self.schemas)

    def to_json(self, indent: int | None = 2) -> str:
        from .jsonform import write_json

        return write_json(self.version, self.references, self.schemas, indent)

    def summary(self) -> dict[str, Any]:
        """Counts of what the model declares, its entity sets/singletons and its open types."""
        counts: dict[str, int] = {}
        for schema in self.schemas:
            for kind in ("entity_types", "complex_types", "enum_types", "type_definitions", "actions", "functions", "terms"):
                counts[kind] = counts.get(kind, 0) + len(getattr(schema, kind))
        return {
            "version": self.version,
            "schemas": [s.namespace for s in self.schemas],
            "counts": counts,
            "entity_sets": sorted(n for n, r in self._roots.items() if isinstance(r, E.EntitySet)),
            "singletons": sorted(n for n, r in self._roots.items() if isinstance(r, E.Singleton)),
            "open_types": sorted(n for n, t in self._types.items() if isinstance(t, (E.EntityType, E.ComplexType))
                                 and t.open_type),
        }


_NONE: frozenset[str] = frozenset()
_NAME = operator.attrgetter("name")
_TYPE_NAME = operator.attrgetter("type.type")  # of a property or parameter


def _hint(name: str, candidates: Any) -> str:
    best = closest(name, candidates)
    return f" (did you mean {best!r}?)" if best else ""


def _index(model: Model) -> None:
    """Fill the lookup tables and refuse an inconsistent model, naming the element."""
    aliases = model._aliases
    included: set[str] = set()
    for reference in model.references:
        for include in reference.includes:
            included.add(include.namespace)
            if include.alias:
                aliases[include.alias] = include.namespace
    namespaces = set()
    for schema in model.schemas:
        where = f"Schema {schema.namespace!r}"
        if schema.namespace in namespaces:
            raise ModelError("a second schema with this namespace", where)
        namespaces.add(schema.namespace)
        if schema.alias:
            if schema.alias in aliases or schema.alias in namespaces:
                raise ModelError(f"the alias {schema.alias!r} is already used", where)
            aliases[schema.alias] = schema.namespace
    for schema in model.schemas:
        where = f"Schema {schema.namespace!r}"
        seen: dict[str, str] = {}
        for kind in ("entity_types", "complex_types", "enum_types", "type_definitions", "terms"):
            for element in getattr(schema, kind):
                if element.name in seen:
                    raise ModelError(f"{element.name!r} is declared twice ({seen[element.name]} and {element.kind})", where)
                seen[element.name] = element.kind
                qualified = f"{schema.namespace}.{element.name}"
                if kind == "terms":
                    model._terms[qualified] = element
                else:
                    model._types[qualified] = element
        for operation in schema.operations:
            # CSDL §5.1 wants one name per schema child, but Graph declares an action, a function and a
            # complex type all named ``image``/``browse``: operations live in their own lookup table.
            qualified = f"{schema.namespace}.{operation.name}"
            model._operations.setdefault(qualified, []).append(operation)
        if schema.entity_container is not None:
            if model._container is not None:
                raise ModelError("a second entity container", where)
            if schema.entity_container.name in seen:
                raise ModelError(f"{schema.entity_container.name!r} is declared twice", where)
            object.__setattr__(model, "_container", schema.entity_container)
    types = model._types
    known = set(types)

    # Every name a type reference may use (qualified by namespace or alias, or Edm) → its qualified
    # name: one dictionary lookup both checks a reference and resolves it (the fast path).
    canonical = {f"Edm.{t}": f"Edm.{t}" for t in E.EDM_TYPES}
    canonical.update(zip(known, known))
    by_namespace = {namespace: alias for alias, namespace in aliases.items()}
    for schema in model.schemas:
        alias = by_namespace.get(schema.namespace)
        if alias is not None:
            for kind in ("entity_types", "complex_types", "enum_types", "type_definitions"):
                names = list(map(_NAME, getattr(schema, kind)))
                canonical.update(zip(map(f"{alias}.".__add__, names), map(f"{schema.namespace}.".__add__, names)))
    resolve = canonical.get
    is_known = canonical.__contains__

    def check_type(name: str, where: object, *, kinds: tuple[type, ...] | None = None) -> None:
        """The slow path, taken when the fast one has a doubt: an Edm name, a name of a referenced
        document, or an error naming ``where``."""
        if kinds is None and name in canonical:
            return
        if name.startswith("Edm."):
            if name[4:] not in E.EDM_TYPES:
                raise ModelError(f"unknown type {name!r}" + _hint(name, [f"Edm.{t}" for t in E.EDM_TYPES]), where)
            return
        qualified = model.qualified(name)
        found = types.get(qualified)
        if found is None:
            if qualified.rpartition(".")[0] in included:
                return  # a type of a referenced document we do not have
            raise ModelError(f"unknown type {name!r}" + _hint(qualified, known), where)
        if kinds is not None and not isinstance(found, kinds):
            raise ModelError(f"{name!r} is a {found.kind}, not " + " or ".join(k.__name__ for k in kinds), where)

    own_names: dict[str, set[str]] = {}
    derived = model._derived
    for schema in model.schemas:
        sw = f"Schema {schema.namespace!r}"
        prefix = schema.namespace + "."
        for element in schema.structured_types:
            qualified = prefix + element.name
            base_type = element.base_type
            if base_type:
                base = resolve(base_type)
                if base is None or type(types.get(base)) is not type(element):
                    check_type(base_type, f"{sw} / {element.kind} {element.name!r}", kinds=(type(element),))
                derived.setdefault(base or model.qualified(base_type), []).append(qualified)
            names = list(map(_NAME, element.properties))
            if element.navigation_properties:
                names.extend(map(_NAME, element.navigation_properties))
            own = set(names)
            if len(own) != len(names):
                twice = next(n for i, n in enumerate(names) if n in names[:i])
                raise ModelError(f"the member {twice!r} is declared twice", f"{sw} / {element.kind} {element.name!r}")
            own_names[qualified] = own
            if not all(map(is_known, map(_TYPE_NAME, element.properties))):  # the fast path, in C
                for prop in element.properties:
                    if prop.type.type not in canonical:
                        check_type(prop.type.type, f"{sw} / {element.kind} {element.name!r} / Property {prop.name!r}")
            for nav in element.navigation_properties:
                target = resolve(nav.target)
                if target is None or type(types.get(target)) is not E.EntityType:
                    check_type(nav.target, f"{sw} / {element.kind} {element.name!r} / NavigationProperty {nav.name!r}",
                               kinds=(E.EntityType,))
        for enum in schema.enum_types:
            if enum.underlying_type not in ("Edm.Byte", "Edm.SByte", "Edm.Int16", "Edm.Int32", "Edm.Int64"):
                raise ModelError(f"UnderlyingType {enum.underlying_type!r} is not an Edm integer type",
                                 f"{sw} / EnumType {enum.name!r}")
            if len(set(map(_NAME, enum.members))) != len(enum.members):
                raise ModelError("a member name is declared twice", f"{sw} / EnumType {enum.name!r}")
        for definition in schema.type_definitions:
            if definition.underlying.type not in canonical:
                check_type(definition.underlying.type, f"{sw} / TypeDefinition {definition.name!r}")
        for term in schema.terms:
            if term.type.type not in canonical:
                check_type(term.type.type, f"{sw} / Term {term.name!r}")
        for operation in schema.operations:
            for parameter in operation.parameters:
                if parameter.type.type not in canonical:
                    check_type(parameter.type.type,
                               f"{sw} / {operation.kind} {operation.name!r} / Parameter {parameter.name!r}")
            if operation.return_type is not None and operation.return_type.type.type not in canonical:
                check_type(operation.return_type.type.type, f"{sw} / {operation.kind} {operation.name!r} / ReturnType")
            if operation.is_bound:
                bound_to = operation.parameters[0].type.type
                binding = resolve(bound_to) or model.qualified(bound_to)
                model._bound.setdefault(binding, []).append((prefix + operation.name, operation))  # type: ignore[arg-type]
    # base-type cycles, then inherited member clashes and keys (both walk the now acyclic chains)
    acyclic: set[str] = set()  # types whose whole base chain is known to end
    structured = (E.EntityType, E.ComplexType)
    for qualified, element in types.items():
        if not isinstance(element, structured):
            continue
        chain = [qualified]
        on_chain = {qualified}
        owner: Any = element
        while owner is not None and owner.base_type:
            base = resolve(owner.base_type) or model.qualified(owner.base_type)
            if base in acyclic:
                break
            if base in on_chain:
                raise ModelError("base types form a cycle: " + " → ".join([*chain, base]),
                                 f"{element.kind} {qualified!r}")
            chain.append(base)
            on_chain.add(base)
            owner = types.get(base)
        acyclic.update(chain)
        mine = own_names[qualified]
        owner = element
        while mine and owner.base_type:  # Model.base_types, without its lookups per step
            base = resolve(owner.base_type) or model.qualified(owner.base_type)
            clash = own_names.get(base, _NONE) & mine
            if clash:
                raise ModelError(f"the member {sorted(clash)[0]!r} is already declared by a base type",
                                 f"{element.kind} {qualified!r}")
            owner = types.get(base)
            if not isinstance(owner, structured):
                break
        if type(element) is E.EntityType and element.key:
            where = f"{element.kind} {qualified!r}"
            if element.base_type and model.key(element.base_type):
                raise ModelError("declares a key, but its base type already has one", where)
            for ref in element.key:
                _check_key_path(model, qualified, ref.name, where)
    container = model._container
    if container is not None:
        cw = f"EntityContainer {container.name!r}"
        roots: tuple[E.EntitySet | E.Singleton, ...] = (*container.entity_sets, *container.singletons)
        for root in roots:
            where = f"{cw} / {type(root).__name__} {root.name!r}"
            if root.name in model._roots:
                raise ModelError("a second entity set or singleton with this name", where)
            check_type(root.entity_type, where, kinds=(E.EntityType,))
            model._roots[root.name] = root
        for imported in container.function_imports:
            if not model.operations(imported.function) and model.qualified(imported.function).rpartition(".")[0] not in included:
                raise ModelError(f"unknown function {imported.function!r}" + _hint(imported.function, model._operations),
                                 f"{cw} / FunctionImport {imported.name!r}")
        for action in container.action_imports:
            if not model.operations(action.action) and model.qualified(action.action).rpartition(".")[0] not in included:
                raise ModelError(f"unknown action {action.action!r}" + _hint(action.action, model._operations),
                                 f"{cw} / ActionImport {action.name!r}")


def _check_key_path(model: Model, owner: str, path: str, where: str) -> None:
    current = owner
    for segment in path.split("/"):
        member = model.property(current, segment)
        if not isinstance(member, E.Property):
            raise ModelError(f"the key names {path!r}, but {segment!r} is not a property"
                             + _hint(segment, model.members(current)), where)
        current = member.type.type
        if member.type.collection or member.type.nullable:
            raise ModelError(f"the key property {path!r} must be a single, non-nullable value", where)


def _read_source(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str):
        head = source.lstrip("\ufeff \t\r\n")[:1]
        if head in ("<", "{"):
            return source.encode("utf-8")
    try:
        return Path(os.fspath(source)).read_bytes()
    except OSError as error:
        raise ModelError(f"cannot read the model: {error}", str(source)[:200]) from None


def _gunzip(data: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_UNPACKED)
    except zlib.error as error:
        raise ModelError(f"not valid gzip data: {error}", "gzip stream") from None
    if inflater.unconsumed_tail:
        raise ModelError(f"unpacks to more than {MAX_UNPACKED} bytes; refusing to read further", "gzip stream")
    return out


def load(source: Source) -> Model:
    """Read a CSDL document (XML 4.0/4.01 or JSON 4.01; a path, text or bytes, gzip or not) into a
    ``Model``. A malformed or inconsistent document raises ``ModelError`` naming the element."""
    data = _read_source(source)
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        from .xml import read_xml

        version, references, schemas = read_xml(data)
    elif head == b"{":
        from .jsonform import read_json

        version, references, schemas = read_json(data)
    else:
        raise ModelError("neither CSDL XML (starts with '<') nor CSDL JSON (starts with '{')", "document")
    return Model(schemas, references, version)


