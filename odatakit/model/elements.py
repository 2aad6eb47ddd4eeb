"""The model's elements: one frozen attrs class per CSDL construct (CSDL XML/JSON 4.01 §5–§15).

Both readers (XML, JSON) build these and both writers read them, so a model read from either
format compares equal. Type references keep the name as written (``graph.user`` with an alias);
``Model`` resolves names. Annotation values are kept in their CSDL JSON form (§14): strings,
booleans, exact numbers, lists, dicts (records, ``{"$Path": …}`` path expressions).
"""

from __future__ import annotations

from typing import Any, Union

import attrs

from ..tree import as_tuple

__all__ = [
    "Annotation", "AnnotationsBlock", "TypeRef", "Property", "NavigationProperty",
    "ReferentialConstraint", "PropertyRef", "EntityType", "ComplexType", "EnumMember", "EnumType",
    "TypeDefinition", "Parameter", "ReturnType", "Action", "Function", "Term",
    "NavigationPropertyBinding", "EntitySet", "Singleton", "ActionImport", "FunctionImport",
    "EntityContainer", "Include", "IncludeAnnotations", "Reference", "Schema", "StructuredType",
    "SchemaType", "EDM_TYPES",
]

#: Nesting depth an annotation value may have (records in collections in records…); deeper is
#: refused when read, so no reader, writer or walker recurses without bound.
MAX_VALUE_DEPTH = 64


def value_depth(value: Any) -> int:
    """How deeply a CSDL JSON value nests (a scalar is 0), counted without recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if depth > MAX_VALUE_DEPTH:
            break
        if isinstance(item, dict):
            pending.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            pending.extend((v, depth + 1) for v in item)
    return deepest


#: Edm primitive and abstract type names a model may use (CSDL §4.4), without the ``Edm.`` prefix.
EDM_TYPES = frozenset({
    "Binary", "Boolean", "Byte", "Date", "DateTimeOffset", "Decimal", "Double", "Duration", "Guid",
    "Int16", "Int32", "Int64", "SByte", "Single", "Stream", "String", "TimeOfDay",
    "Geography", "GeographyPoint", "GeographyLineString", "GeographyPolygon", "GeographyMultiPoint",
    "GeographyMultiLineString", "GeographyMultiPolygon", "GeographyCollection",
    "Geometry", "GeometryPoint", "GeometryLineString", "GeometryPolygon", "GeometryMultiPoint",
    "GeometryMultiLineString", "GeometryMultiPolygon", "GeometryCollection",
    "PrimitiveType", "ComplexType", "EntityType", "Untyped", "AnnotationPath", "PropertyPath",
    "NavigationPropertyPath", "ModelElementPath", "AnyPropertyPath", "AnyNavigationPropertyPath",
})


@attrs.frozen(hash=False)
class Annotation:
    """``@Term#Qualifier`` applied to an element: the value in its CSDL JSON form (§14.3)."""

    term: str
    value: Any = True
    qualifier: str | None = None
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(hash=False)
class AnnotationsBlock:
    """An external targeting ``<Annotations Target=…>`` (JSON ``$Annotations``), qualifiers pushed
    down to each annotation so the XML and JSON forms read into the same block."""

    target: str
    annotations: tuple[Annotation, ...] = attrs.field(converter=as_tuple)


@attrs.frozen
class TypeRef:
    """A type use with its facets (CSDL §7): ``type`` as written, ``collection`` for
    ``Collection(…)``; ``nullable`` is about the items of a collection."""

    type: str = "Edm.String"
    collection: bool = False
    nullable: bool = True
    max_length: int | str | None = None
    precision: int | None = None
    scale: int | str | None = None
    srid: str | None = None
    unicode: bool | None = None


@attrs.frozen(hash=False)
class Property:
    """A structural property (CSDL §6): name, its type use, a default value as text."""

    name: str
    type: TypeRef = TypeRef()
    default: str | None = None
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    @property
    def type_name(self) -> str:
        return self.type.type

    @property
    def collection(self) -> bool:
        return self.type.collection

    @property
    def nullable(self) -> bool:
        return self.type.nullable


@attrs.frozen(hash=False)
class ReferentialConstraint:
    """``property`` of this type equals ``referenced_property`` of the target (CSDL §8.5)."""

    property: str
    referenced_property: str
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(hash=False)
class NavigationProperty:
    """A navigation property (CSDL §8): ``target`` entity type name, ``collection`` or single."""

    name: str
    target: str
    collection: bool = False
    nullable: bool = True
    partner: str | None = None
    contains_target: bool = False
    referential_constraints: tuple[ReferentialConstraint, ...] = attrs.field(default=(), converter=as_tuple)
    on_delete: str | None = None
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        if self.collection and self.nullable:
            # CSDL §8.2: a collection-valued navigation is never null (it may be empty); one value
            # for it keeps models from XML (Nullable absent) and JSON ($Nullable absent) equal.
            object.__setattr__(self, "nullable", False)


@attrs.frozen(hash=False)
class PropertyRef:
    """One key part (CSDL §6.5): a property path, and its alias when the path goes into a complex."""

    name: str
    alias: str | None = None


@attrs.frozen(hash=False)
class EntityType:
    """An entity type (CSDL §6): own members only; ``Model.properties(t)`` adds the inherited ones."""

    name: str
    key: tuple[PropertyRef, ...] = attrs.field(default=(), converter=as_tuple)
    base_type: str | None = None
    abstract: bool = False
    open_type: bool = False
    has_stream: bool = False
    properties: tuple[Property, ...] = attrs.field(default=(), converter=as_tuple)
    navigation_properties: tuple[NavigationProperty, ...] = attrs.field(default=(), converter=as_tuple)
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    kind = "EntityType"

    @property
    def members(self) -> tuple[Property | NavigationProperty, ...]:
        """Own properties, then own navigation properties."""
        return (*self.properties, *self.navigation_properties)


@attrs.frozen(hash=False)
class ComplexType:
    """A complex type (CSDL §9): like an entity type without key or stream."""

    name: str
    base_type: str | None = None
    abstract: bool = False
    open_type: bool = False
    properties: tuple[Property, ...] = attrs.field(default=(), converter=as_tuple)
    navigation_properties: tuple[NavigationProperty, ...] = attrs.field(default=(), converter=as_tuple)
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    kind = "ComplexType"

    @property
    def members(self) -> tuple[Property | NavigationProperty, ...]:
        """Own properties, then own navigation properties."""
        return (*self.properties, *self.navigation_properties)


@attrs.frozen(hash=False)
class EnumMember:
    """An enumeration member and its integer value (assigned from its position when not written)."""

    name: str
    value: int
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(hash=False)
class EnumType:
    """An enumeration type (CSDL §10): underlying integer type, flags, members in order."""

    name: str
    members: tuple[EnumMember, ...] = attrs.field(default=(), converter=as_tuple)
    underlying_type: str = "Edm.Int32"
    is_flags: bool = False
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    kind = "EnumType"


@attrs.frozen(hash=False)
class TypeDefinition:
    """A type definition (CSDL §11): a named primitive type with facets."""

    name: str
    underlying: TypeRef = TypeRef()
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    kind = "TypeDefinition"


@attrs.frozen(hash=False)
class Parameter:
    """An action or function parameter (CSDL §12.9)."""

    name: str
    type: TypeRef = TypeRef()
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(hash=False)
class ReturnType:
    """What an action or function returns (CSDL §12.8)."""

    type: TypeRef = TypeRef()
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(hash=False)
class Action:
    """One action overload (CSDL §12.1); when ``is_bound`` the first parameter is the binding one."""

    name: str
    parameters: tuple[Parameter, ...] = attrs.field(default=(), converter=as_tuple)
    return_type: ReturnType | None = None
    is_bound: bool = False
    entity_set_path: str | None = None
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    kind = "Action"


@attrs.frozen(hash=False)
class Function:
    """One function overload (CSDL §12.2): like an action, always with a return type."""

    name: str
    parameters: tuple[Parameter, ...] = attrs.field(default=(), converter=as_tuple)
    return_type: ReturnType | None = None
    is_bound: bool = False
    is_composable: bool = False
    entity_set_path: str | None = None
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    kind = "Function"


@attrs.frozen(hash=False)
class Term:
    """A vocabulary term (CSDL §14.1)."""

    name: str
    type: TypeRef = TypeRef()
    base_term: str | None = None
    applies_to: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    default: str | None = None
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    kind = "Term"


@attrs.frozen(hash=False)
class NavigationPropertyBinding:
    """Where a navigation path of an entity set or singleton leads (CSDL §13.4)."""

    path: str
    target: str


@attrs.frozen(hash=False)
class EntitySet:
    """An entity set (CSDL §13.2)."""

    name: str
    entity_type: str
    navigation_bindings: tuple[NavigationPropertyBinding, ...] = attrs.field(default=(), converter=as_tuple)
    include_in_service_document: bool = True
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    collection = True


@attrs.frozen(hash=False)
class Singleton:
    """A singleton (CSDL §13.3), e.g. Graph's ``me``."""

    name: str
    type: str
    navigation_bindings: tuple[NavigationPropertyBinding, ...] = attrs.field(default=(), converter=as_tuple)
    nullable: bool = False
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    collection = False

    @property
    def entity_type(self) -> str:
        return self.type


@attrs.frozen(hash=False)
class ActionImport:
    """An action import (CSDL §13.5)."""

    name: str
    action: str
    entity_set: str | None = None
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(hash=False)
class FunctionImport:
    """A function import (CSDL §13.6)."""

    name: str
    function: str
    entity_set: str | None = None
    include_in_service_document: bool = False
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(hash=False)
class EntityContainer:
    """The entity container (CSDL §13): what a service exposes at its root."""

    name: str
    extends: str | None = None
    entity_sets: tuple[EntitySet, ...] = attrs.field(default=(), converter=as_tuple)
    singletons: tuple[Singleton, ...] = attrs.field(default=(), converter=as_tuple)
    action_imports: tuple[ActionImport, ...] = attrs.field(default=(), converter=as_tuple)
    function_imports: tuple[FunctionImport, ...] = attrs.field(default=(), converter=as_tuple)
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    kind = "EntityContainer"


@attrs.frozen(hash=False)
class Include:
    """``edmx:Include``: a namespace of the referenced document, with an optional alias."""

    namespace: str
    alias: str | None = None
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(hash=False)
class IncludeAnnotations:
    """``edmx:IncludeAnnotations``: annotations of a term namespace taken from the reference."""

    term_namespace: str
    qualifier: str | None = None
    target_namespace: str | None = None


@attrs.frozen(hash=False)
class Reference:
    """``edmx:Reference`` (CSDL §3.3): another document's URI and what is taken from it."""

    uri: str
    includes: tuple[Include, ...] = attrs.field(default=(), converter=as_tuple)
    include_annotations: tuple[IncludeAnnotations, ...] = attrs.field(default=(), converter=as_tuple)
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen(hash=False)
class Schema:
    """A schema (CSDL §5): a namespace, its optional alias and the elements it declares."""

    namespace: str
    alias: str | None = None
    entity_types: tuple[EntityType, ...] = attrs.field(default=(), converter=as_tuple)
    complex_types: tuple[ComplexType, ...] = attrs.field(default=(), converter=as_tuple)
    enum_types: tuple[EnumType, ...] = attrs.field(default=(), converter=as_tuple)
    type_definitions: tuple[TypeDefinition, ...] = attrs.field(default=(), converter=as_tuple)
    actions: tuple[Action, ...] = attrs.field(default=(), converter=as_tuple)
    functions: tuple[Function, ...] = attrs.field(default=(), converter=as_tuple)
    terms: tuple[Term, ...] = attrs.field(default=(), converter=as_tuple)
    entity_container: EntityContainer | None = None
    annotation_blocks: tuple[AnnotationsBlock, ...] = attrs.field(default=(), converter=as_tuple)
    annotations: tuple[Annotation, ...] = attrs.field(default=(), converter=as_tuple)

    @property
    def operations(self) -> tuple[Action | Function, ...]:
        """Actions, then functions: every overload the schema declares."""
        return (*self.actions, *self.functions)

    @property
    def structured_types(self) -> tuple[EntityType | ComplexType, ...]:
        return (*self.entity_types, *self.complex_types)


def ordered_operations(actions: list[Any], functions: list[Any]) -> tuple[list[Any], list[Any]]:
    """Overloads grouped by name, names in order of first appearance with actions before functions:
    the one order both the XML and the JSON form (one member per name) read back the same."""
    rank: dict[str, int] = {}
    for operation in (*actions, *functions):
        rank.setdefault(operation.name, len(rank))
    return (sorted(actions, key=lambda op: rank[op.name]), sorted(functions, key=lambda op: rank[op.name]))


StructuredType = Union[EntityType, ComplexType]
SchemaType = Union[EntityType, ComplexType, EnumType, TypeDefinition]
