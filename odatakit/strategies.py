"""Hypothesis strategies for OData trees, URLs, payloads and batches: the public home of
``odatakit.testing.strategies`` (``from odatakit import strategies`` or ``import odatakit.strategies``)."""

from typing import Any

from .testing.strategies import *  # noqa: F403
from .testing.strategies import __all__ as __all__, _hypothesis_setup_hook as _hypothesis_setup_hook  # noqa: F401


def __getattr__(name: str) -> Any:
    """``batches`` and ``invalid_batches`` live in ``odatakit.batch.strategies``; loaded on first use."""
    if name in ("batches", "invalid_batches", "InvalidBatch", "BATCH_FAULTS"):
        from .batch import strategies as batch_strategies

        return getattr(batch_strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
