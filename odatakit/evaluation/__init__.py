"""Evaluate OData queries over JSON data with the spec's semantics: the reference oracle.

``evaluate`` applies a request's system query options to a collection; ``compile_filter`` and
``evaluate_filter`` give the three-valued result of one predicate. Semantics: URL Conventions
4.01 §5.1 (docs/evaluation.md lists every choice made where the spec is silent).
"""

from __future__ import annotations

from .filter import Compiled, compile_filter, evaluate_filter
from .query import evaluate
from .search import compile_search
from .values import EnumValue, EvaluationError

__all__ = [
    "Compiled",
    "EnumValue",
    "EvaluationError",
    "compile_filter",
    "compile_search",
    "evaluate",
    "evaluate_filter",
]


import sys as _sys
import types as _types


class _CallableModule(_types.ModuleType):
    """``odatakit.evaluate`` is the function; when Python binds the subpackage to that name
    instead (it does so when a submodule is imported first), calling the module still evaluates."""

    def __call__(self, query: object, data: object, *, model: object = None,
                 entity_type: str | None = None) -> dict[str, object]:
        return evaluate(query, data, model=model, entity_type=entity_type)


_sys.modules[__name__].__class__ = _CallableModule
