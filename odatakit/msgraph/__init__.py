"""Microsoft Graph as a dialect: its rules as data with sources (``rules``), the requests that
work open extensions (``requests``) and the request planner (``planner``).

Named ``msgraph`` because ``odatakit.graph`` is the URL builder ``graph()``. Submodules load on
first use, so ``odatakit.payload.extensions`` can read ``rules`` without pulling in the planner.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_NAMES: dict[str, str] = {
    "ExtensionRequest": "requests", "resource_of": "requests",
    "GraphPlan": "planner", "PlanWarning": "planner", "plan": "planner", "plan_batch": "batching",
    "REQUEST_RULES": "rules", "PATCH_RULES": "rules", "EXTENSION_ID_FORMS": "rules", "SOURCES": "rules",
    "patch_rule": "rules", "extension_id_form": "rules",
}
__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in ("rules", "requests", "planner", "batching"):
        return importlib.import_module(f".{name}", __name__)
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


if TYPE_CHECKING:
    from .batching import plan_batch
    from .planner import GraphPlan, PlanWarning, plan
    from ..payload.extension_requests import ExtensionRequest, resource_of
    from ..services import EXTENSION_ID_FORMS, PATCH_RULES, REQUEST_RULES, SOURCES, extension_id_form, patch_rule
