"""Adapters from service models to the evaluator's ``TypeModel`` questions.

A CSDL ``Model`` (``odatakit.csdl``) is read through its lookups — ``property``, ``base_types``,
``type``, ``key``, ``qualified`` — by duck typing, so this module imports no model code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .values import EvaluationError

__all__ = ["model_adapter", "CsdlTypes"]

_CSDL_LOOKUPS = ("property", "base_types", "type", "key", "qualified")


class CsdlTypes:
    """The ``TypeModel`` view of a CSDL model: declared property types (type definitions read as
    their underlying type), base types, enumeration members, keys, navigation properties."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def qualified(self, name: str) -> str:
        return str(self.model.qualified(name))

    def _type_use(self, name: str, collection: bool) -> str:
        name = self.qualified(name)
        definition = self.model.type(name)
        if getattr(definition, "kind", None) == "TypeDefinition":
            name = definition.underlying_type
        return f"Collection({name})" if collection else name

    def property_type(self, type_name: str, property_name: str) -> str | None:
        member = self.model.property(type_name, property_name)
        if member is None:
            return None
        target = getattr(member, "target", None)
        if target is not None:  # a navigation property
            return self._type_use(target, bool(member.collection))
        return self._type_use(member.type_name, bool(member.collection))

    def base_type(self, type_name: str) -> str | None:
        bases = self.model.base_types(type_name)
        return str(bases[0]) if bases else None

    def enum_members(self, type_name: str) -> Mapping[str, int] | None:
        definition = self.model.type(type_name)
        if getattr(definition, "kind", None) != "EnumType":
            return None
        return {member.name: member.value for member in definition.members}

    def key(self, type_name: str) -> tuple[str, ...] | None:
        refs = self.model.key(type_name)
        return tuple(ref.name for ref in refs) or None

    def srid(self, type_name: str, property_name: str) -> int | None:
        """The property's SRID facet (CSDL §7.2.5) when it names one; None when absent or ``variable``."""
        written = getattr(getattr(self.model.property(type_name, property_name), "type", None), "srid", None)
        return int(written) if isinstance(written, str) and written.isdigit() and written.isascii() else None

    def is_navigation(self, type_name: str, property_name: str) -> bool:
        return getattr(self.model.property(type_name, property_name), "target", None) is not None


def model_adapter(model: Any) -> Any:
    """The ``TypeModel`` view of ``model``; a clear error for a model odatakit cannot read."""
    if all(callable(getattr(model, name, None)) for name in _CSDL_LOOKUPS):
        return CsdlTypes(model)
    raise EvaluationError(f"odatakit cannot read types from a {type(model).__name__}: pass an odatakit.csdl "
                          "Model, or an object with property_type, base_type, enum_members and key "
                          "(odatakit.evaluation.types.TypeModel)")
