"""Where the evaluator learns types: the model when one is given, else the data's annotations.

The model hook is duck-typed (``TypeModel``): anything with ``property_type``, ``base_type``,
``enum_members`` and ``key`` serves, and ``Types`` adapts a service model (``odatakit.csdl``)
to it. Without a model every answer is "unknown" and the JSON values speak for themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .values import EnumValue, EvaluationError

__all__ = ["TypeModel", "Types"]


class TypeModel(Protocol):
    """What the evaluator asks a model (qualified names throughout, ``Edm.Int64`` for primitives)."""

    def property_type(self, type_name: str, property_name: str) -> str | None:
        """The declared type of a property or navigation property (``Collection(Ns.T)`` for many)."""

    def base_type(self, type_name: str) -> str | None:
        """The base type of a structured type, or None."""

    def enum_members(self, type_name: str) -> Mapping[str, int] | None:
        """The members of an enumeration type by name, or None when it is not one."""

    def key(self, type_name: str) -> tuple[str, ...] | None:
        """The key property names of an entity type."""

    # Optional: ``is_navigation(type, property) -> bool`` (navigations carry data only when
    # expanded) and ``srid(type, property) -> int | None`` (a geo property's SRID facet).


def _unwrap(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.lstrip("#")
    if name.startswith("Collection(") and name.endswith(")"):
        return name[len("Collection("):-1]
    return name


class Types:
    """The type questions the compiler and the pipeline ask, answered from ``model`` or not at all."""

    def __init__(self, model: Any, entity_type: str | None) -> None:
        self.model: TypeModel | None = adapt(model) if model is not None else None
        self.entity_type = entity_type

    def property_type(self, type_name: str | None, name: str) -> str | None:
        if self.model is None or type_name is None:
            return None
        seen: set[str] = set()
        current: str | None = self.qualified(type_name)
        while current is not None and current not in seen:
            seen.add(current)
            declared = self.model.property_type(current, name)
            if declared is not None:
                return declared
            current = self.model.base_type(current)
        return None

    def srid(self, type_name: str | None, name: str) -> int | None:
        """A geo property's SRID facet from the model (the SRID of its values without a ``crs``)."""
        facet = getattr(self.model, "srid", None)
        if not callable(facet) or type_name is None:
            return None
        seen: set[str] = set()
        current: str | None = self.qualified(type_name)
        while current is not None and current not in seen:
            seen.add(current)
            if self.model is not None and self.model.property_type(current, name) is not None:
                found = facet(current, name)
                return found if isinstance(found, int) else None
            current = self.model.base_type(current) if self.model is not None else None
        return None

    @staticmethod
    def item_type(declared: str | None) -> str | None:
        """The type of one item of a declared type (the type itself when it is single)."""
        return _unwrap(declared)

    def qualified(self, name: str) -> str:
        """A type name with its namespace alias replaced (``graph.user`` → ``microsoft.graph.user``)."""
        qualify = getattr(self.model, "qualified", None)
        return str(qualify(name)) if callable(qualify) else name

    def derives_from(self, type_name: str, base: str) -> bool:
        """Whether ``type_name`` is ``base`` or derives from it (needs the model beyond equality)."""
        seen: set[str] = set()
        base = self.qualified(base)
        current: str | None = self.qualified(type_name)
        while current is not None and current not in seen:
            if current == base:
                return True
            seen.add(current)
            current = self.model.base_type(current) if self.model is not None else None
        return False

    def is_instance(self, obj: Mapping[str, Any], type_name: str, default_type: str | None) -> bool:
        annotated = obj.get("@odata.type") or obj.get("@type")
        own = _unwrap(annotated.rpartition("/")[2]) if isinstance(annotated, str) else default_type
        return own is not None and self.derives_from(own, type_name)

    def enum_value(self, type_name: str | None, text: str) -> EnumValue:
        """An enum value; with the model, member names become their numbers (so ``has`` and
        equality see ``'Red,Blue'`` and ``'5'`` alike) and unknown members are an error."""
        value = EnumValue.parse(type_name, text)
        members = self.model.enum_members(type_name) if self.model is not None and type_name else None
        if members is None:
            return value
        bits: set[str | int] = set()
        for member in value.members:
            number = member if isinstance(member, int) else members.get(member)
            if number is None:
                raise EvaluationError(f"{member!r} is not a member of the enumeration {type_name}")
            # flags as powers of two: 'Red,Blue' and '5' are one value, and 0 sets no flag
            bits.update(1 << i for i in range(number.bit_length()) if number >> i & 1)
        return EnumValue(type_name, frozenset(bits), text)

    def key_names(self) -> tuple[str, ...] | None:
        if self.model is None or self.entity_type is None:
            return None
        return self.model.key(self.entity_type)


def adapt(model: Any) -> TypeModel:
    """A ``TypeModel`` for ``model``: itself when it already answers the four questions."""
    if all(callable(getattr(model, name, None)) for name in ("property_type", "base_type", "enum_members", "key")):
        return model  # type: ignore[no-any-return]
    from .model import model_adapter

    return model_adapter(model)
