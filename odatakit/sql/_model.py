"""What an OData name means for a SQLAlchemy entity: a column, a navigation, or an open property.

``Entity`` reads an ORM mapped class (column attributes and relationships) or a Core ``Table``
(columns and foreign keys) once; ``Mapping`` renames properties, maps complex-property paths to
columns and names the JSON column that holds open (dynamic) properties.
"""

from __future__ import annotations

from collections.abc import Mapping as _MappingABC
from typing import Any

import attrs
import sqlalchemy as sa

__all__ = ["Mapping", "Entity", "Navigation", "SQLCompileError", "entity_of"]


class SQLCompileError(ValueError):
    """A query odatakit.sql cannot compile: ``where`` is the OData text of the part at fault."""

    def __init__(self, reason: str, where: str = "") -> None:
        self.reason = reason
        self.where = where
        super().__init__(f"{reason}" + (f" (in: {where})" if where else ""))


def _dict(value: Any) -> dict[str, str]:
    return dict(value or {})


@attrs.frozen
class Mapping:
    """How OData names meet the database, for the queried entity.

    ``properties``: OData property path → attribute or column name (``"HomeAddress/City":
    "home_city"``, ``"DisplayName": "name"``); ``open_properties``: the name of a JSON column
    holding the open-type (dynamic) properties, read with the engine's JSON operators.
    """

    properties: dict[str, str] = attrs.field(factory=dict, converter=_dict)
    open_properties: str | None = None


_NO_MAPPING = Mapping()


def as_mapping(mapping: Mapping | _MappingABC[str, str] | None) -> Mapping:
    if mapping is None:
        return _NO_MAPPING
    if isinstance(mapping, Mapping):
        return mapping
    return Mapping(properties=dict(mapping))


@attrs.frozen
class Navigation:
    """A navigation property: its target entity, the (local, remote) column pairs joining the
    two tables, and whether it reaches many entities."""

    name: str
    target: Entity
    pairs: tuple[tuple[sa.Column[Any], sa.Column[Any]], ...]
    many: bool


class Entity:
    """An ORM mapped class or a Core table, with its OData-visible columns and navigations."""

    def __init__(self, source: Any, mapping: Mapping | None = None) -> None:
        self.mapping = mapping or Mapping()
        self.orm: Any = None
        mapper = _mapper_of(source)
        if mapper is not None:
            self.orm = mapper.class_
            self.mapper = mapper
            self.table: sa.Table = mapper.local_table
            self.columns: dict[str, sa.Column[Any]] = {
                attr.key: attr.columns[0] for attr in mapper.column_attrs if len(attr.columns) == 1
                and isinstance(attr.columns[0], sa.Column)
            }
        elif isinstance(source, sa.Table):
            self.table = source
            self.columns = {column.key: column for column in source.columns}
        else:
            raise SQLCompileError(f"entity must be an ORM mapped class or a Core Table, not {type(source).__name__}")
        self._navs: dict[str, Navigation] | None = None
        self.many_to_many: set[str] = set()
        self.key: tuple[sa.Column[Any], ...] = tuple(self.table.primary_key.columns)

    def column(self, name: str) -> sa.Column[Any] | None:
        """The column an OData property name (after the mapping) stands for."""
        return self.columns.get(self.mapping.properties.get(name, name))

    @property
    def open_column(self) -> sa.Column[Any] | None:
        name = self.mapping.open_properties
        return None if name is None else self.columns.get(name)

    @property
    def string_columns(self) -> list[sa.Column[Any]]:
        return [c for c in self.columns.values() if isinstance(c.type, sa.String)]

    def navigation(self, name: str) -> Navigation | None:
        if self._navs is None:
            self._navs = _orm_navigations(self) if self.orm is not None else _core_navigations(self)
        return self._navs.get(self.mapping.properties.get(name, name))


_ENTITIES: dict[tuple[Any, ...], Entity] = {}


def entity_of(source: Any, mapping: Mapping) -> Entity:
    """The ``Entity`` for ``source`` under ``mapping``, read once and kept (tables and mapped
    classes live as long as the program; a few hundred are kept at most)."""
    key = (source, tuple(sorted(mapping.properties.items())), mapping.open_properties)
    try:
        found = _ENTITIES.get(key)
    except TypeError:  # an unhashable source: the Entity constructor says what is wrong with it
        return Entity(source, mapping)
    if found is None:
        if len(_ENTITIES) >= 512:
            _ENTITIES.clear()
        found = _ENTITIES[key] = Entity(source, mapping)
    return found


def _mapper_of(source: Any) -> Any:
    try:
        inspected = sa.inspect(source, raiseerr=False)
    except sa.exc.NoInspectionAvailable:
        return None
    from sqlalchemy.orm import Mapper

    return inspected if isinstance(inspected, Mapper) else None


def _orm_navigations(entity: Entity) -> dict[str, Navigation]:
    navs = {}
    for rel in entity.mapper.relationships:
        if rel.secondary is not None:
            entity.many_to_many.add(rel.key)  # through an association table: refused where used
            continue
        navs[rel.key] = Navigation(
            rel.key, entity_of(rel.mapper, Mapping()), tuple(rel.local_remote_pairs or ()), bool(rel.uselist))
    return navs


def _core_navigations(entity: Entity) -> dict[str, Navigation]:
    """Core tables: a single-column foreign key ``customer_id`` is the to-one navigation
    ``customer`` (``CustomerId`` → ``Customer``); a table whose foreign key points here is the
    to-many navigation named after that table."""
    navs: dict[str, Navigation] = {}
    table = entity.table
    for fk in table.foreign_keys:
        name = fk.parent.key
        for suffix in ("_id", "Id", "ID"):
            if name.endswith(suffix) and len(name) > len(suffix):
                navs[name[: -len(suffix)]] = Navigation(
                    name[: -len(suffix)], entity_of(fk.column.table, Mapping()), ((fk.parent, fk.column),), False)
                break
    for other in table.metadata.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table is table:
                navs.setdefault(other.name, Navigation(other.name, entity_of(other, Mapping()), ((fk.column, fk.parent),), True))
    return navs
