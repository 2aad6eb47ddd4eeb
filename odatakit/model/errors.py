"""The model layer's exception: a CSDL document that cannot be read, or whose elements disagree."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["ModelError", "closest"]


class ModelError(ValueError):
    """A malformed or inconsistent model: ``element`` names where (``Schema 'ns' / EntityType 'T'``),
    ``reason`` says what is wrong."""

    def __init__(self, reason: str, element: object = "") -> None:
        self.reason = reason
        self.element = str(element)
        super().__init__(f"{self.element}: {reason}" if self.element else reason)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``name`` (difflib ratio ≥ 0.7, case-insensitive first), or None."""
    pool = list(candidates)
    folded = {c.lower(): c for c in pool}
    if name.lower() in folded:
        return folded[name.lower()]
    match = difflib.get_close_matches(name, pool, n=1, cutoff=0.7)
    if match:
        return match[0]
    match = difflib.get_close_matches(name.lower(), list(folded), n=1, cutoff=0.7)
    return folded[match[0]] if match else None
