"""The ``hypothesis`` entry point: teach ``st.from_type`` the odatakit classes, lazily.

Hypothesis runs ``_hypothesis_setup_hook`` on every ``import hypothesis`` in an environment where
odatakit is installed, so it must cost nothing: it registers a resolver (which imports the
strategies only when Hypothesis first asks for an odatakit class) for the classes of the odatakit
modules already imported, and ``odatakit`` registers the classes of each module it loads later
(``register_loaded``). Nothing here imports the parser, the strategies or any odatakit layer.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

#: The modules that define public classes, and the names of those classes in each.
CLASS_MODULES: dict[str, str] = {
    "odatakit.query.tree": "tree", "odatakit.edm": "edm", "odatakit.url": "url",
    "odatakit.url.context": "context", "odatakit.payload.values": "values",
    "odatakit.payload.extensions": "extensions", "odatakit.http.messages": "messages",
    "odatakit.http.request": "request", "odatakit.query.builder": "builder",
    "odatakit.query.limits": "limits", "odatakit.payload.extension_requests": "extension_requests",
    "odatakit.errors": "errors",
}
_done: set[type] = set()


@functools.cache
def _table() -> dict[type, Any]:
    from .strategies import _from_type_table

    return _from_type_table()


def _resolve(cls: type) -> Any:
    """The strategy for ``cls``, from the strategies' table (imported on the first request)."""
    register_loaded()  # modules imported since (odatakit.url by its own path, say) join in now
    return _table().get(cls, NotImplemented)


def _active() -> bool:
    strategies = sys.modules.get("hypothesis.strategies")
    return strategies is not None and hasattr(strategies, "register_type_strategy")


def register_loaded() -> None:
    """Register every public odatakit class whose module is already imported (if Hypothesis is)."""
    if not _active():
        return
    from hypothesis.strategies import register_type_strategy

    for module_name in CLASS_MODULES:
        module = sys.modules.get(module_name)
        if module is None or not hasattr(module, "__all__"):
            continue  # not imported yet (or still importing): odatakit registers it once loaded
        for name in (*module.__all__, *getattr(module, "_LAZY", ())):  # tree's $apply nodes load here
            cls = getattr(module, name, None)
            if isinstance(cls, type) and cls.__module__.startswith("odatakit.") and cls not in _done:
                register_type_strategy(cls, _resolve)
                _done.add(cls)


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis through the entry point in odatakit's package metadata."""
    register_loaded()
