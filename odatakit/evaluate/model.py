"""Adapters from service models to the evaluator's ``TypeModel`` questions."""

from __future__ import annotations

from typing import Any

from .values import EvaluationError

__all__ = ["model_adapter"]


def model_adapter(model: Any) -> Any:
    """The ``TypeModel`` view of ``model``; a clear error for a model odatakit cannot read."""
    raise EvaluationError(f"odatakit cannot read types from a {type(model).__name__}: pass an object with "
                          "property_type, base_type, enum_members and key (odatakit.evaluate.types.TypeModel)")
